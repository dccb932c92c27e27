"""Who may open which object: a matrix of roles × object URLs with the exact answer each role gets.

CX leads see everything, managers their unit subtree (and cases handed to them), frontline employees their own
records; outside one's scope the answer is 404, so nobody learns what exists. A new page with objects joins
`MATRIX` with a row per object URL."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.html import escape

from kpis.models import Kpi, KpiManualValue, PointEntry, Recognition
from surveys.links import ResponseContext
from surveys.models import FollowUp, FollowUpEvent, Question
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.journeys.factories import StageFactory, TouchpointFactory, measured_by
from tests.kpis.factories import CompanyValueFactory, KpiFactory, KpiMeasurementFactory, RecognitionFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
ROLES = ["anonymous", "outsider", "bare_staff", "lead", "north_manager", "store_manager", "south_manager", "alice",
         "bob", "carol"]  # fmt: skip
LOGIN = 302  # to the sign-in page


@pytest.fixture
def world(org, settings):
    """Cases in the north store, the south store, one handed from the south to the north store's manager, one in
    the CX leads' queue and one about a customer Alice served; a survey answered in both stores; a journey it
    measures; KPIs with measurements, and recognitions (see `_journeys` and `_kpis`)."""
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
    customers = {name: case.response.customer for name, case in cases.items()}
    return {"units": units, "people": people, "cases": cases, "users": users, "customers": customers,
            **_journeys(nps, comment, units, people), **_kpis(units, people)}  # fmt: skip


def _journeys(nps, comment, units, people) -> dict:
    """A journey whose touchpoint the survey's NPS question measures (every case's comment is said there), another
    journey, and a happy south-store customer's praise of Carol, not yet passed on."""
    touchpoint = measured_by(TouchpointFactory(code="greeting"), nps)
    other = StageFactory()
    praise = response_submit(
        survey=nps.survey, questions=[nps, comment], answers={nps.pk: 10, comment.pk: "Lovely service, thank you"},
        language="en", source="api", context=ResponseContext(unit=units["south_store"], employee=people["carol"]),
    )  # fmt: skip
    return {
        "journeys": {"map": touchpoint.stage.journey, "other": other.journey},
        "touchpoints": {"greeting": touchpoint},
        "answers": {"south_praise": praise.answers.get(question=comment)},
    }


def _kpis(units, people) -> dict:
    """KPIs at every level (one that employees cannot influence), their measurements this month, and recognitions
    of each visibility: Bob's private thanks to Alice, the south store's unit-only one, and a company-wide one."""
    start = timezone.localdate().replace(day=1)
    kpis = {
        "own": KpiFactory(code="own"),
        "hidden": KpiFactory(code="hidden", employee_influence=False),
        "store": KpiFactory(code="store", level=Kpi.Level.UNIT),
        "company": KpiFactory(code="company", level=Kpi.Level.COMPANY),
    }

    def measured(kpi: str, **subject):
        return KpiMeasurementFactory(kpi=kpis[kpi], period_start=start, value=60, **subject)

    measurements = {
        "alice": measured("own", employee=people["alice"]),
        "carol": measured("own", employee=people["carol"]),
        "alice_hidden": measured("hidden", employee=people["alice"]),
        "north_store": measured("store", unit=units["north_store"]),
        "south_store": measured("store", unit=units["south_store"]),
        "company": measured("company", unit=units["company"]),
    }
    value = CompanyValueFactory(code="care")
    visibility = Recognition.Visibility

    def thanks(giver: str, receiver: str, seen_by: str, message: str):
        return RecognitionFactory(
            giver=people[giver], receiver=people[receiver], value=value, visibility=seen_by, message=message
        )

    recognitions = {
        "private_north": thanks("bob", "alice", visibility.PRIVATE, "Private thanks to Alice"),
        "unit_south": thanks("south_manager", "carol", visibility.UNIT, "South store thanks to Carol"),
        "company": thanks("alice", "carol", visibility.COMPANY, "Company-wide thanks to Carol"),
    }
    return {"kpis": kpis, "measurements": measurements, "recognitions": recognitions}


KINDS = {"unit": "units", "employee": "people", "case": "cases", "customer": "customers", "journey": "journeys",
         "touchpoint": "touchpoints", "kpi": "kpis", "measurement": "measurements", "recognition": "recognitions",
         "answer": "answers"}  # fmt: skip


def ids(world, kind: str, name: str) -> int | str:
    found = world[KINDS[kind]][name]
    return found.code if kind == "kpi" else found.pk  # the API finds KPIs by code


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
    _row(
        "/",
        default=302,
        outsider=403,
        bare_staff=403,
        lead=200,
        north_manager=200,
        store_manager=200,
        south_manager=200,
    ),
    _row("/me/", default=200, outsider=403, bare_staff=403),
    _row("/units/", default=200),
    _row("/units/{unit:company}/"),
    _row("/units/{unit:north}/", north_manager=200),
    _row("/units/{unit:north_store}/", north_manager=200, store_manager=200, alice=200, bob=200),
    _row("/units/{unit:south_store}/", south_manager=200, carol=200),
    _row("/units/{unit:south}/"),
    _row("/employees/{employee:lead}/"),
    _row("/employees/{employee:north_manager}/", north_manager=200),
    _row("/employees/{employee:alice}/", north_manager=200, store_manager=200, alice=200),
    _row("/employees/{employee:bob}/", north_manager=200, store_manager=200, bob=200),
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
    _api_row("/api/v1/units/{unit:north_store}/", north_manager=200, store_manager=200, alice=200, bob=200),
    _api_row("/api/v1/units/{unit:north}/", north_manager=200),
    _api_row("/api/v1/employees/{employee:alice}/", north_manager=200, store_manager=200, alice=200),
    _api_row("/api/v1/employees/{employee:carol}/", south_manager=200, carol=200),
    _api_row(
        "/api/v1/metrics/?survey=idor&unit=south-store",
        north_manager=400,
        store_manager=400,
        south_manager=200,
        alice=403,
        bob=403,
        carol=403,
    ),
    # Journeys: the maps are for CX leads and managers (the scores cover their subtree); a touchpoint only under its
    # own journey's address.
    _row("/journeys/", north_manager=200, store_manager=200, south_manager=200),
    _row("/journeys/{journey:map}/", north_manager=200, store_manager=200, south_manager=200),
    _row("/journeys/{journey:map}/?unit={unit:south_store}", north_manager=400, store_manager=400, south_manager=200),
    _row(
        "/journeys/{journey:map}/touchpoints/{touchpoint:greeting}/",
        north_manager=200,
        store_manager=200,
        south_manager=200,
    ),
    _row("/journeys/{journey:other}/touchpoints/{touchpoint:greeting}/", lead=404),
    _row("/journeys/{journey:map}/priorities/", north_manager=200, store_manager=200, south_manager=200),
    # Customers: CX leads all; managers those of their units or served there; frontline employees those they served.
    _row("/customers/?q=customer", default=200, outsider=404, bare_staff=404),
    _row("/customers/{customer:north}/", north_manager=200, store_manager=200),
    _row("/customers/{customer:south}/", south_manager=200),
    _row("/customers/{customer:handed}/", south_manager=200),  # the case is handed over, not the customer
    _row("/customers/{customer:leads}/"),
    _row("/customers/{customer:served_by_alice}/", north_manager=200, store_manager=200, alice=200),
    # KPIs and recognition.
    _row("/team/", lead=302, north_manager=302, store_manager=302, south_manager=302),  # to their own unit's page
    _row("/team/{unit:company}/"),
    _row("/team/{unit:north}/", north_manager=200),
    _row("/team/{unit:north_store}/", north_manager=200, store_manager=200),
    _row("/team/{unit:south_store}/", south_manager=200),
    _row("/kpis/outcomes/"),
    _row("/kpis/values/", north_manager=200, store_manager=200, south_manager=200),
    _row("/wall/", default=200, outsider=403, bare_staff=403),  # 403: "your user is not linked to an employee"
    _row("/wall/?mine=1", default=200, outsider=403, bare_staff=403),
    _row("/recognise/", default=200, outsider=403, bare_staff=403),
    _api_row(
        "/api/v1/journeys/", north_manager=200, store_manager=200, south_manager=200, alice=403, bob=403, carol=403
    ),
    _api_row(
        "/api/v1/journeys/{journey:map}/",
        north_manager=200,
        store_manager=200,
        south_manager=200,
        alice=403,
        bob=403,
        carol=403,
    ),
    _api_row(
        "/api/v1/journeys/{journey:map}/?unit=south-store",
        north_manager=400,
        store_manager=400,
        south_manager=200,
        alice=403,
        bob=403,
        carol=403,
    ),
    _api_row("/api/v1/kpis/", default=200),
    _api_row("/api/v1/kpis/{kpi:own}/", default=200),
    _api_row("/api/v1/kpis/{kpi:store}/", default=200),
    _api_row("/api/v1/kpis/{kpi:hidden}/"),  # employees cannot influence it: never shown as anybody's own
    _api_row("/api/v1/kpis/{kpi:company}/"),  # measured on the company, which only CX leads see here
    _api_row("/api/v1/kpi-measurements/", default=200),
    _api_row("/api/v1/kpi-measurements/{measurement:alice}/", north_manager=200, store_manager=200, alice=200),
    _api_row("/api/v1/kpi-measurements/{measurement:carol}/", south_manager=200, carol=200),
    _api_row("/api/v1/kpi-measurements/{measurement:alice_hidden}/"),
    _api_row(
        "/api/v1/kpi-measurements/{measurement:north_store}/", north_manager=200, store_manager=200, alice=200, bob=200
    ),
    _api_row("/api/v1/kpi-measurements/{measurement:south_store}/", south_manager=200, carol=200),
    _api_row("/api/v1/kpi-measurements/{measurement:company}/"),
    _api_row(
        "/api/v1/kpi-measurements/?employee={employee:carol}", default=400, lead=200, south_manager=200, carol=200
    ),
    _api_row("/api/v1/kpi-measurements/?unit=south-store", default=400, lead=200, south_manager=200, carol=200),
    _api_row("/api/v1/recognitions/", default=200),
    _api_row(
        "/api/v1/recognitions/{recognition:private_north}/", north_manager=200, store_manager=200, alice=200, bob=200
    ),
    _api_row("/api/v1/recognitions/{recognition:unit_south}/", south_manager=200, carol=200),
    _api_row("/api/v1/recognitions/{recognition:company}/", default=200),
    _api_row("/api/v1/points/", default=200),
    # The admin: CX leads who are staff (this fixture's lead is not) and superusers; anyone else signed in gets the
    # "no access to the admin" page (test_roles.py has the leads who are).
    _row("/admin/surveys/followup/{case:south}/change/", default=403),
    _row("/admin/cxprogram/customer/", default=403),
]


def fill(url: str, world) -> str:
    for kind in KINDS:
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
        "/journeys/{journey:map}/",
        "/journeys/{journey:map}/touchpoints/{touchpoint:greeting}/",
        "/customers/?q=customer",
        "/team/{unit:north_store}/",
        "/kpis/values/",
        "/recognise/",
        "/wall/",
    ],
)
def test_a_managers_pages_and_downloads_hold_nothing_of_other_units(client, world, url):
    client.force_login(world["users"]["store_manager"])
    response = client.get(fill(url, world))
    assert response.status_code == 200
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
    others = ["South customer", "South comment", "Nowhere customer", "Nowhere comment", "Lovely service"]
    if url not in ("/followups/", "/recognise/", "/wall/"):
        # The queue lists the case handed to this manager, which happened in the South store; anybody may thank
        # Carol (the recognition form lists everyone), and her company-wide thanks are on everybody's wall.
        others += ["South store", "Carol"]
    assert [text for text in others if text in body] == []
    if any(page in url for page in ("followups", "allies", "touchpoints", "customers")):
        assert "North customer" in body  # the page does show the manager's own unit


def listed(client, world, role: str, url: str, read) -> object:
    client.logout()
    client.force_login(world["users"][role])
    response = client.get(url)
    assert response.status_code == 200, (role, url)
    return read(response)


SEEN_RECOGNITIONS = {
    "lead": {"private_north", "unit_south", "company"},
    "north_manager": {"private_north", "company"},  # private ones: giver, receiver and the receiver's managers
    "store_manager": {"private_north", "company"},
    "south_manager": {"unit_south", "company"},
    "alice": {"private_north", "company"},
    "bob": {"private_north", "company"},
    "carol": {"unit_south", "company"},
}


def test_the_wall_and_the_api_show_each_person_exactly_the_recognitions_they_may_see(client, world):
    messages = {name: recognition.message for name, recognition in world["recognitions"].items()}

    def on_wall(response) -> set[str]:
        return {name for name, message in messages.items() if message in response.content.decode()}

    def in_api(response) -> set[str]:
        ids = {recognition.pk: name for name, recognition in world["recognitions"].items()}
        return {ids[item["id"]] for item in response.json()["results"] if item["id"] in ids}

    found = {
        role: (
            listed(client, world, role, "/wall/", on_wall),
            listed(client, world, role, "/api/v1/recognitions/", in_api),
        )
        for role in SEEN_RECOGNITIONS
    }
    assert found == {role: (seen, seen) for role, seen in SEEN_RECOGNITIONS.items()}


def test_the_api_lists_each_person_exactly_the_kpi_measurements_their_pages_show(client, world):
    names = {measurement.pk: name for name, measurement in world["measurements"].items()}

    def in_api(response) -> set[str]:
        return {names[item["id"]] for item in response.json()["results"]}

    found = {role: listed(client, world, role, "/api/v1/kpi-measurements/", in_api) for role in SEEN_RECOGNITIONS}
    assert found == {
        "lead": set(names.values()),
        "north_manager": {"alice", "north_store"},  # not the KPI employees cannot influence, nor the company's
        "store_manager": {"alice", "north_store"},
        "south_manager": {"carol", "south_store"},
        "alice": {"alice", "north_store"},
        "bob": {"north_store"},
        "carol": {"carol", "south_store"},
    }


def test_customer_search_finds_only_the_customers_each_person_may_see(client, world):
    def names(response) -> list[str]:
        return sorted(c.name for c in world["customers"].values() if escape(c.name) in response.content.decode())

    found = {role: listed(client, world, role, "/customers/?q=customer", names) for role in SEEN_RECOGNITIONS}
    assert found == {
        "lead": ["Alice's customer", "Handed customer", "North customer", "Nowhere customer", "South customer"],
        "north_manager": ["Alice's customer", "North customer"],
        "store_manager": ["Alice's customer", "North customer"],
        "south_manager": ["Handed customer", "South customer"],
        "alice": ["Alice's customer"],  # she served this customer
        "bob": [],
        "carol": [],
    }


def recognitions_state() -> list:
    return [
        list(Recognition.objects.order_by("pk").values_list("source", "giver_id", "receiver_id", "answer_id")),
        list(PointEntry.objects.order_by("pk").values_list("employee_id", "amount")),
    ]


def test_only_the_managers_above_an_employee_pass_a_customers_praise_on(client, world):
    url = fill("/recognise/praise/{answer:south_praise}/", world)
    before = recognitions_state()
    others = ["outsider", "bare_staff", "north_manager", "store_manager", "alice", "bob", "carol"]
    answers = {role: answer_of(client, world, role, "post", url) for role in ["anonymous", *others]}
    assert answers == {"anonymous": LOGIN} | dict.fromkeys(others, 404)
    assert recognitions_state() == before
    client.force_login(world["users"]["south_manager"])
    response = client.post(url)
    assert response.status_code == 302, response.content.decode()
    passed_on = Recognition.objects.get(answer=world["answers"]["south_praise"])
    assert (passed_on.giver, passed_on.receiver, passed_on.message) == (
        world["people"]["south_manager"],
        world["people"]["carol"],
        "Lovely service, thank you",
    )
    assert answer_of(client, world, "lead", "post", url) == 409  # once per comment


@pytest.fixture
def by_hand(world):
    """KPIs entered by hand, per employee and per unit."""
    return {
        "employee": KpiFactory(code="mystery-shopper", metric=Kpi.Metric.MANUAL, target=7, warning=None),
        "unit": KpiFactory(code="store-audit", metric=Kpi.Metric.MANUAL, level=Kpi.Level.UNIT, target=7, warning=None),
    }


def test_nobody_enters_kpi_values_for_people_or_units_outside_their_scope(client, world, by_hand):
    day = timezone.localdate().isoformat()
    carol = {"kpi": by_hand["employee"].pk, "day": day, "employee": world["people"]["carol"].pk, "value": "9"}
    south = {"kpi": by_hand["unit"].pk, "day": day, "unit": world["units"]["south_store"].pk, "value": "9"}
    answers = {
        (role, subject): answer_of(client, world, role, "post", "/kpis/values/", data)
        for role in ["anonymous", "outsider", "bare_staff", "north_manager", "store_manager", "alice", "carol"]
        for subject, data in (("carol", carol), ("south store", south))
    }
    assert answers == {
        (role, subject): {"anonymous": LOGIN, "north_manager": 400, "store_manager": 400}.get(role, 404)
        for role, subject in answers
    }
    assert not KpiManualValue.objects.exists()
    assert answer_of(client, world, "south_manager", "post", "/kpis/values/", carol) == 302
    assert answer_of(client, world, "south_manager", "post", "/kpis/values/", south) == 302
    assert KpiManualValue.objects.count() == 2


def test_a_recognition_is_always_from_whoever_sends_it(client, world):
    people = world["people"]
    value = world["recognitions"]["company"].value
    forged = {"giver": people["carol"].pk, "receiver": people["bob"].pk, "value": value.pk, "message": "From Carol?",
              "visibility": "company", "points": "5", "source": "customer",
              "unit": world["units"]["south"].pk}  # fmt: skip
    assert answer_of(client, world, "alice", "post", "/recognise/", forged) == 302
    client.force_login(people["alice"].user)
    response = client.post("/api/v1/recognitions/", forged, content_type="application/json")
    assert response.status_code == 201
    sent = Recognition.objects.filter(message="From Carol?").values_list("source", "giver", "receiver", "unit")
    north_store = world["units"]["north_store"].pk
    assert list(sent) == [("peer", people["alice"].pk, people["bob"].pk, north_store)] * 2
