"""Property-based run against the published OpenAPI schema (schemathesis, straight through the WSGI app): with
a CX lead's token, generated valid and invalid requests to every operation never get a server error, and every
documented answer matches its schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

# The schema /api/schema/ serves, generated once at collection; requests go to the WSGI app in-process.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


@pytest.fixture
def test_transaction_kept():
    """The real WSGI handler closes the database connection after each request, as it should in production; in a
    test that would end the test's own transaction (PostgreSQL), so the handler's signal is held off meanwhile."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def lead_token(program, settings, test_transaction_kept):
    settings.API_THROTTLE_RATES = {"token": "1000000/hour", "anon": "1000000/hour"}
    return Token.objects.get_or_create(user=program["org"]["people"]["lead"].user)[0].key


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_match_the_schema_and_never_fail(case, lead_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {lead_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
