"""Pages that need a login or carry personal data are kept by no browser disk or shared proxy: someone at a shared
computer pressing Back after the owner signed out, or a caching proxy, finds nothing."""

import pytest
from django.core import signing
from rest_framework.authtoken.models import Token

from surveys.links import RECOVERY_SALT
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
PRIVATE = "private, no-store"


def directives(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",") if part.strip()}


def test_signed_in_pages_csv_exports_and_the_admin_are_private(client, org, settings, django_user_model):
    settings.RESULTS_MIN_SAMPLE = 1
    survey = SurveyFactory(public_id="visit")
    QuestionFactory(survey=survey, code="nps")
    client.force_login(org["people"]["lead"].user)
    company = org["units"]["company"].pk
    for url in ["/", "/units/", "/results/visit/", "/results/visit/export.csv", "/followups/", f"/team/{company}/",
                "/customers/", "/journeys/"]:  # fmt: skip
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert {"private", "no-store"} <= directives(answer), url
        assert "public" not in directives(answer) and "max-age=3600" not in directives(answer), url
    client.force_login(org["people"]["alice"].user)
    assert {"private", "no-store"} <= directives(client.get("/me/"))
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "root-pass-123"))
    for url in ["/admin/", "/admin/cxprogram/customer/", "/admin/cxprogram/customer/import/"]:
        answer = client.get(url)
        assert (answer.status_code, {"private", "no-store"} <= directives(answer)) == (200, True), url


def test_every_api_answer_is_private_whoever_asks(client, org):
    token = Token.objects.create(user=org["people"]["store_manager"].user)
    for headers in ({"HTTP_AUTHORIZATION": f"Token {token.key}"}, {}):
        answer = client.get("/api/v1/customers/", **headers)
        assert answer.status_code in (200, 401)
        assert {"private", "no-store"} <= directives(answer)


def test_a_customers_own_links_are_private_without_a_login(client, org):
    invitation = InvitationFactory(survey=SurveyFactory(public_id="p"), customer=org["customers"]["north"])
    QuestionFactory(survey=invitation.survey, code="nps")
    assert {"private", "no-store"} <= directives(client.get(f"/s/i/{invitation.token}/"))
    recovery = signing.dumps({"f": 999999}, salt=RECOVERY_SALT)
    assert {"private", "no-store"} <= directives(client.get(f"/f/{recovery}/"))
