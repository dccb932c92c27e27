"""What every endpoint shares: tokens (created, regenerated and revoked by manage.py), session sign-in with
CSRF, capped page sizes, per-token throttling, JSON errors, pinned query counts, and the schema and its docs
served under the site's strict Content-Security-Policy."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from surveys.links import ResponseContext
from surveys.models import Question, Survey
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory, EmployeeFactory, SegmentFactory, UnitFactory
from tests.surveys.factories import ChoiceFactory, InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_manage_py_creates_regenerates_and_revokes_tokens(org):
    out = StringIO()
    call_command("api_token", "lead", stdout=out)
    key = out.getvalue().strip()
    assert token_client(key).get("/api/v1/units/").status_code == 200
    out = StringIO()
    call_command("api_token", "lead", stdout=out)
    assert out.getvalue().strip() == key  # showing it again does not change it
    out = StringIO()
    call_command("api_token", "lead", "--regenerate", stdout=out)
    new_key = out.getvalue().strip()
    assert new_key != key
    assert token_client(key).get("/api/v1/units/").status_code == 401
    call_command("api_token", "lead", "--revoke", stdout=StringIO())
    response = token_client(new_key).get("/api/v1/units/")
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Invalid token.", "code": "authentication_failed"},
    )
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("api_token", "ghost")


def test_drf_create_token_command_works_too(org):
    out = StringIO()
    call_command("drf_create_token", "alice", stdout=out)
    key = Token.objects.get(user__username="alice").key
    assert key in out.getvalue()
    assert token_client(key).get("/api/v1/employees/").json()["results"][0]["username"] == "alice"


def test_no_credentials_is_401_with_a_challenge(org):
    response = APIClient().get("/api/v1/customers/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}
    assert response["WWW-Authenticate"] == "Token"


def test_session_sign_in_works_and_writes_need_the_csrf_token(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org["people"]["lead"].user)
    assert client.get("/api/v1/customers/").status_code == 200
    response = client.post("/api/v1/customers/", {"external_id": "X"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == "CSRF Failed: CSRF cookie not set."


def test_page_size_is_capped(api, org, settings):
    settings.API_MAX_PAGE_SIZE = 5
    settings.API_PAGE_SIZE = 3
    CustomerFactory.create_batch(12)
    client = api("lead")
    default = client.get("/api/v1/customers/").json()
    assert (default["count"], len(default["results"])) == (14, 3)
    huge = client.get("/api/v1/customers/", {"page_size": 10000}).json()
    assert len(huge["results"]) == 5
    assert huge["next"].endswith("page=2&page_size=10000")
    assert client.get("/api/v1/customers/", {"page": 99}).json() == {"detail": "Invalid page.", "code": "not_found"}


def test_responses_page_by_cursor_with_the_same_cap(api, org, settings):
    settings.API_MAX_PAGE_SIZE = 4
    survey = SurveyFactory()
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS)
    ids = [
        response_submit(survey=survey, questions=[nps], answers={nps.pk: 9}, language="en", source="api").pk
        for _ in range(6)
    ]
    client = api("lead")
    first = client.get("/api/v1/responses/", {"page_size": 500}).json()
    assert [r["id"] for r in first["results"]] == ids[::-1][:4]
    second = client.get(first["next"]).json()
    assert ([r["id"] for r in second["results"]], second["next"]) == (ids[::-1][4:], None)
    bad = client.get("/api/v1/responses/", {"cursor": "garbage"})
    assert (bad.status_code, bad.json()["detail"]) == (404, "Invalid cursor")


def test_each_token_is_throttled_on_its_own(api, org, settings):
    settings.API_THROTTLE_RATES = {"token": "3/minute", "anon": "100/minute"}
    lead, alice = api("lead"), api("alice")
    assert [lead.get("/api/v1/units/").status_code for _ in range(3)] == [200, 200, 200]
    refused = lead.get("/api/v1/units/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert refused.json()["detail"].startswith("Request was throttled. Expected available in")
    assert int(refused["Retry-After"]) > 0
    assert alice.get("/api/v1/units/").status_code == 200


def grow(org, n: int) -> None:
    """n more of everything the list endpoints show, all inside the lead's and the north store's scope."""
    store = org["units"]["north_store"]
    survey = Survey.objects.filter(public_id="grow").first()
    if survey is None:
        survey = SurveyFactory(public_id="grow")
        QuestionFactory(survey=survey, code="nps", type=QT.NPS)
        ChoiceFactory.create_batch(2, question=QuestionFactory(survey=survey, code="pick", type=QT.MULTIPLE))
    nps, pick = survey.questions.get(code="nps"), survey.questions.get(code="pick")
    choices = list(pick.choices.all())
    for _ in range(n):
        UnitFactory(kind="team", parent=store)
        EmployeeFactory(unit=store)
        SegmentFactory()
        customer = CustomerFactory(home_unit=store)
        extra = SurveyFactory()
        ChoiceFactory(question=QuestionFactory(survey=extra, type=QT.SINGLE))
        InvitationFactory(survey=survey, customer=customer, unit=store)
        response_submit(
            survey=survey, questions=[nps, pick], answers={nps.pk: 2, pick.pk: [c.pk for c in choices]},
            language="en", source="api", customer=customer, context=ResponseContext(unit=store),
        )  # fmt: skip


LIST_QUERIES = {
    "units": 4, "employees": 4, "customers": 4, "segments": 4, "surveys": 6, "responses": 4, "invitations": 3,
    "followups": 4,
}  # fmt: skip


@pytest.mark.parametrize("role", ["lead", "store_manager"])
@pytest.mark.parametrize("endpoint", list(LIST_QUERIES))
def test_list_query_counts_do_not_grow_with_rows(api, org, endpoint, role, django_assert_max_num_queries):
    client = api(role)
    grow(org, 3)
    with django_assert_max_num_queries(LIST_QUERIES[endpoint]):
        few = client.get(f"/api/v1/{endpoint}/")
    grow(org, 12)
    with django_assert_max_num_queries(LIST_QUERIES[endpoint]):
        many = client.get(f"/api/v1/{endpoint}/")
    assert (few.status_code, many.status_code) == (200, 200)
    assert len(many.json()["results"]) > len(few.json()["results"])


def test_metrics_query_count_does_not_grow_with_responses(api, org, django_assert_max_num_queries):
    client = api("lead")
    grow(org, 2)
    with django_assert_max_num_queries(10):
        few = client.get("/api/v1/metrics/", {"survey": "grow"}).json()
    grow(org, 10)
    with django_assert_max_num_queries(10):
        many = client.get("/api/v1/metrics/", {"survey": "grow"}).json()
    assert (few["responses"], many["responses"]) == (2, 12)


def test_schema_is_valid_openapi_3():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/customers/bulk/", "/api/v1/metrics/", "/api/v1/followups/{id}/resolve/"} <= set(schema["paths"])
    upsert = schema["paths"]["/api/v1/customers/"]["post"]["responses"]
    assert sorted(upsert) == ["200", "201", "400", "401", "403", "429"]
    assert upsert["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }


def test_schema_and_docs_are_served_under_the_strict_csp(client, settings):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "cxprogram API"
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert docs["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    page = docs.content.decode()
    assert "https://" not in page and "<script>" not in page  # every asset and script comes from this server
    assets = [part.split('"')[0] for part in page.split('src="')[1:]] + [
        part.split('"')[0] for part in page.split('href="')[1:] if ".css" in part.split('"')[0]
    ]
    assert any("swagger-ui-bundle.js" in a for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


@pytest.mark.parametrize(
    ("url", "params", "status", "errors"),
    [
        ("/api/v1/responses/", {"submitted_to": "9999-12-31"}, 400,
         {"submitted_to": ["Enter a date between 1900-01-01 and 2999-12-31."]}),
        ("/api/v1/responses/", {"submitted_from": "0001-01-01"}, 400,
         {"submitted_from": ["Enter a date between 1900-01-01 and 2999-12-31."]}),
        ("/api/v1/metrics/", {"survey": "visit", "date_to": "9999-12-31"}, 400,
         {"date_to": ["Enter a date between 1900-01-01 and 2999-12-31."]}),
        ("/api/v1/customers/", {"updated_since": "9999-12-31T23:59:59-05:00"}, 400,
         {"updated_since": ["Enter a date between 1900-01-01 and 2999-12-31."]}),
        ("/api/v1/responses/", {"touchpoint": "a\x00"}, 400, {"touchpoint": ["Null characters are not allowed."]}),
        ("/api/v1/customers/a\x00b/", {}, 404, None),
        ("/api/v1/surveys/a\x00b/", {}, 404, None),
        ("/api/v1/responses/", {"employee": 10**30}, 400,
         {"employee": ["Select a valid choice. That choice is not one of the available choices."]}),
    ],
)  # fmt: skip
def test_inputs_the_database_cannot_take_are_refused_not_crashed_on(api, program, url, params, status, errors):
    response = api("lead").get(url, params)
    assert response.status_code == status
    assert response.json().get("errors") == errors
