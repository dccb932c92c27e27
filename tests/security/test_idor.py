"""Who may open which object: a matrix of roles × object URLs with the exact answer each role gets.

CX leads see everything, managers their unit subtree (and cases handed to them), frontline employees their own
records; outside one's scope the answer is 404, so nobody learns what exists. A new page with objects joins
`MATRIX` with a row per object URL."""

import pytest
from django.contrib.auth import get_user_model

from surveys.models import FollowUp, FollowUpEvent, Question
from surveys.services import ResponseContext, response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
ROLES = ["anonymous", "outsider", "bare_staff", "lead", "north_manager", "store_manager", "south_manager", "alice",
         "carol"]  # fmt: skip
LOGIN = 302  # to the sign-in page


@pytest.fixture
def world(org, settings):
    """Cases in the north store, the south store, one handed from the south to the north store's manager, one in
    the CX leads' queue and one about a customer Alice served; a survey answered in both stores."""
    settings.RESULTS_MIN_SAMPLE = 1
    survey = SurveyFactory(public_id="idor")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False)
    units, people = org["units"], org["people"]

    def case(unit, words, employee=None):
        customer = CustomerFactory(name=f"{words} customer", value_tier="high", home_unit=unit)
        return response_submit(
            survey=survey, questions=[nps, comment], answers={nps.pk: 0, comment.pk: f"{words} comment"},
            language="en", source="api", customer=customer, context=ResponseContext(unit=unit, employee=employee),
        ).followup  # fmt: skip

    cases = {
        "north": case(units["north_store"], "North"),
        "south": case(units["south_store"], "South"),
        "handed": case(units["south_store"], "Handed"),
        "leads": case(None, "Nowhere"),
        "served_by_alice": case(units["north_store"], "Alice's", employee=people["alice"]),
    }
    FollowUp.objects.filter(pk=cases["handed"].pk).update(owner=people["store_manager"])
    users = {name: employee.user for name, employee in people.items()}
    users["outsider"] = get_user_model().objects.create_user("outsider", password="outsider-pass-1")
    users["bare_staff"] = get_user_model().objects.create_user("bare.staff", password="staff-pass-123", is_staff=True)
    return {"units": units, "people": people, "cases": cases, "users": users}


def ids(world, kind: str, name: str) -> int:
    return {"unit": world["units"], "employee": world["people"], "case": world["cases"]}[kind][name].pk


def _row(url: str, default: int = 404, anonymous: int = LOGIN, **codes: int) -> tuple[str, dict[str, int]]:
    """A URL with each role's answer: `default` for every role not named, `lead` 200 unless said otherwise."""
    expected = dict.fromkeys(ROLES, default) | {"anonymous": anonymous, "lead": 200 if default == 404 else default}
    unknown = set(codes) - set(ROLES)
    assert not unknown, unknown
    return url, expected | codes


def _api_row(url: str, **codes: int) -> tuple[str, dict[str, int]]:
    """The REST API answers 401 without credentials and 403 to a user without an employee record."""
    return _row(
        url, anonymous=401, outsider=codes.pop("outsider", 403), bare_staff=codes.pop("bare_staff", 403), **codes
    )


MATRIX = [
    # Organisation pages.
    _row("/", default=302, outsider=403, bare_staff=403, lead=200),
    _row("/me/", default=200, outsider=403, bare_staff=403),
    _row("/units/", default=200),
    _row("/units/{unit:company}/"),
    _row("/units/{unit:north}/", north_manager=200),
    _row("/units/{unit:north_store}/", north_manager=200, store_manager=200, alice=200),
    _row("/units/{unit:south_store}/", south_manager=200, carol=200),
    _row("/units/{unit:south}/"),
    _row("/employees/{employee:lead}/"),
    _row("/employees/{employee:north_manager}/", north_manager=200),
    _row("/employees/{employee:alice}/", north_manager=200, store_manager=200, alice=200),
    _row("/employees/{employee:bob}/", north_manager=200, store_manager=200),
    _row("/employees/{employee:carol}/", south_manager=200, carol=200),
    _row("/employees/{employee:south_manager}/", south_manager=200),
    # Follow-up cases.
    _row("/followups/", default=200, outsider=404, bare_staff=404),
    _row("/followups/{case:north}/", north_manager=200, store_manager=200),
    _row("/followups/{case:south}/", south_manager=200),
    _row("/followups/{case:handed}/", store_manager=200, south_manager=200),
    _row("/followups/{case:leads}/"),
    _row("/followups/{case:served_by_alice}/", north_manager=200, store_manager=200),
    # Results: managers see their subtree; asking for another unit's slice is a bad filter (400).
    _row("/results/", north_manager=200, store_manager=200, south_manager=200),
    _row("/results/idor/", north_manager=200, store_manager=200, south_manager=200),
    _row("/results/idor/?unit={unit:south_store}", north_manager=400, store_manager=400, south_manager=200),
    _row("/results/idor/?unit={unit:north}", north_manager=200, store_manager=400, south_manager=400),
    _row("/results/idor/export.csv?unit={unit:south_store}", north_manager=400, store_manager=400, south_manager=200),
    _row("/results/idor/allies/?unit={unit:south_store}", north_manager=400, store_manager=400, south_manager=200),
    _row(
        "/results/idor/allies/?format=csv&list=detractors&unit={unit:south_store}",
        north_manager=400,
        store_manager=400,
        south_manager=200,
    ),
    # The REST API sees what the pages show (tests/api has the full matrix; these add the regional manager and
    # cases handed over or in the CX leads' queue).
    _api_row("/api/v1/followups/{case:north}/", north_manager=200, store_manager=200),
    _api_row("/api/v1/followups/{case:south}/", south_manager=200),
    _api_row("/api/v1/followups/{case:handed}/", store_manager=200, south_manager=200),
    _api_row("/api/v1/followups/{case:leads}/"),
    _api_row("/api/v1/followups/{case:served_by_alice}/", north_manager=200, store_manager=200),
    _api_row("/api/v1/units/{unit:north_store}/", north_manager=200, store_manager=200, alice=200),
    _api_row("/api/v1/units/{unit:north}/", north_manager=200),
    _api_row("/api/v1/employees/{employee:alice}/", north_manager=200, store_manager=200, alice=200),
    _api_row("/api/v1/employees/{employee:carol}/", south_manager=200, carol=200),
    _api_row(
        "/api/v1/metrics/?survey=idor&unit=south-store",
        north_manager=400,
        store_manager=400,
        south_manager=200,
        alice=403,
        carol=403,
    ),
    # The admin: staff only, and then by permission.
    _row("/admin/surveys/followup/{case:south}/change/", default=LOGIN, bare_staff=403),
    _row("/admin/cxprogram/customer/", default=LOGIN, bare_staff=403),
]


def fill(url: str, world) -> str:
    for kind in ("unit", "employee", "case"):
        while f"{{{kind}:" in url:
            start = url.index(f"{{{kind}:")
            end = url.index("}", start)
            url = url[:start] + str(ids(world, kind, url[start + len(kind) + 2 : end])) + url[end + 1 :]
    return url


def answer_of(client, world, role: str, method: str, url: str, data=None) -> int:
    client.logout()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return getattr(client, method)(url, data or {}).status_code


@pytest.mark.parametrize(("url", "expected"), MATRIX, ids=[url for url, _codes in MATRIX])
def test_each_role_gets_exactly_the_expected_answer(client, world, url, expected):
    client.raise_request_exception = False
    answers = {role: answer_of(client, world, role, "get", fill(url, world)) for role in ROLES}
    assert answers == expected


def test_anonymous_visitors_are_sent_to_sign_in_and_come_back(client, world):
    response = client.get(fill("/followups/{case:north}/", world))
    assert response.url == f"/accounts/login/?next=/followups/{world['cases']['north'].pk}/"


CASE_ACTIONS = {
    "contacted": {"note": "x"},
    "note": {"text": "x"},
    "reply": {"subject": "x", "body": "x"},
    "resolve": {"root_cause": "other", "action_taken": "x"},
    "close": {"reason": "x"},
    "reassign": {"owner": ""},
}


def case_state() -> list:
    return [
        list(FollowUp.objects.order_by("pk").values_list("status", "owner_id")),
        FollowUpEvent.objects.count(),
    ]


@pytest.mark.parametrize("action", list(CASE_ACTIONS))
def test_nobody_outside_the_scope_can_act_on_a_case(client, world, action):
    url = fill(f"/followups/{{case:south}}/{action}/", world)
    before = case_state()
    answers = {
        role: answer_of(client, world, role, "post", url, CASE_ACTIONS[action])
        for role in ["anonymous", "outsider", "bare_staff", "north_manager", "store_manager", "alice", "carol"]
    }
    assert answers == {"anonymous": LOGIN} | dict.fromkeys(list(answers)[1:], 404)
    assert case_state() == before
    assert answer_of(client, world, "south_manager", "post", url, CASE_ACTIONS[action]) == 302


API_CASE_ACTIONS = {
    "contacted": {"note": "x"},
    "notes": {"text": "x"},
    "resolve": {"root_cause": "other", "action_taken": "x"},
    "close": {"reason": "x"},
}


@pytest.mark.parametrize("action", list(API_CASE_ACTIONS))
def test_nobody_outside_the_scope_can_act_on_a_case_through_the_api(client, world, action):
    url = fill(f"/api/v1/followups/{{case:south}}/{action}/", world)
    before = case_state()
    roles = ["anonymous", "outsider", "bare_staff", "north_manager", "store_manager", "alice", "carol", "south_manager"]
    answers = {}
    for role in roles:
        client.logout()
        if role != "anonymous":
            client.force_login(world["users"][role])
        answers[role] = client.post(url, API_CASE_ACTIONS[action], content_type="application/json").status_code
        if role != "south_manager":
            assert case_state() == before, role
    assert answers == {"anonymous": 401, "outsider": 403, "bare_staff": 403} | dict.fromkeys(roles[3:-1], 404) | {
        "south_manager": 200
    }


def test_a_case_cannot_be_handed_to_someone_the_person_cannot_see(client, world):
    people = world["people"]
    north_case = fill("/followups/{case:north}/reassign/", world)
    south_case = fill("/followups/{case:south}/reassign/", world)
    before = case_state()
    assert answer_of(client, world, "store_manager", "post", north_case, {"owner": people["carol"].pk}) == 400
    assert answer_of(client, world, "south_manager", "post", south_case, {"owner": people["alice"].pk}) == 400
    assert case_state() == before
    assert answer_of(client, world, "lead", "post", south_case, {"owner": people["alice"].pk}) == 302
    assert FollowUp.objects.get(pk=world["cases"]["south"].pk).owner == people["alice"]


def test_frontline_employees_see_cases_of_their_own_customers_only_when_allowed(client, world, settings):
    url = fill("/followups/{case:served_by_alice}/", world)
    settings.FOLLOWUP_FRONTLINE_SEES_OWN = True
    assert answer_of(client, world, "alice", "get", url) == 200
    assert answer_of(client, world, "bob", "get", url) == 404
    assert answer_of(client, world, "alice", "get", fill("/followups/{case:north}/", world)) == 404


@pytest.mark.parametrize(
    "url",
    [
        "/results/idor/",
        "/results/idor/?by=employee",
        "/results/idor/?by=unit",
        "/results/idor/allies/",
        "/results/idor/allies/?format=csv&list=detractors",
        "/results/idor/export.csv",
        "/followups/",
        "/units/",
    ],
)
def test_a_managers_pages_and_downloads_hold_nothing_of_other_units(client, world, url):
    client.force_login(world["users"]["store_manager"])
    response = client.get(url)
    assert response.status_code == 200
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
    others = ["South customer", "South comment", "Nowhere customer", "Nowhere comment", "Carol"]
    if url != "/followups/":  # the queue lists the case handed to this manager, which happened in the South store
        others.append("South store")
    assert [text for text in others if text in body] == []
    if "followups" in url or "allies" in url:
        assert "North customer" in body  # the page does show the manager's own unit
