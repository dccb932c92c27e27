"""The kpis' REST API: KPI definitions and measurements, company values, the celebration wall, giving a
recognition and the caller's points. A token sees what its user sees on the KPI pages and the wall (a roles ×
endpoints matrix with the exact ids each role gets), the service's checks come back as JSON per field, the giver
cannot be forged, pages are capped and list query counts do not grow with the rows."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kpis.models import Kpi, PointEntry, Recognition
from kpis.selectors.recognition import month_start
from tests.api.conftest import ROLES, api  # noqa: F401  # the token-client fixture of the API tests
from tests.cxprogram.factories import EmployeeFactory, UnitFactory
from tests.kpis.factories import CompanyValueFactory, KpiFactory, KpiMeasurementFactory, RecognitionFactory

pytestmark = pytest.mark.django_db
JANUARY, DECEMBER = date(2026, 1, 1), date(2025, 12, 1)


@pytest.fixture(autouse=True)
def _allowance(settings):
    settings.RECOGNITION_MONTHLY_ALLOWANCE = 100


@pytest.fixture
def care(db):
    return CompanyValueFactory(code="care", name_en="Customer care", name_ru="Забота о клиенте", order=1)


@pytest.fixture
def kpi_program(org, care):
    """KPIs of every level, some employees can influence and some not, one retired; their measurements for
    January (and December for Alice's CSAT); recognitions of every visibility on the wall; points for Alice."""
    p, u = org["people"], org["units"]
    kpis = {
        "company-nps": KpiFactory(code="company-nps", name="Company NPS", level="company", employee_influence=True),
        "my-csat": KpiFactory(code="my-csat", name="My CSAT", metric="csat", target=80, warning=70),
        "my-nps": KpiFactory(code="my-nps", name="My NPS", employee_influence=False),
        "old": KpiFactory(code="old", name="Old KPI", active=False),
        "store-nps": KpiFactory(code="store-nps", name="Store NPS", level="unit"),
        "store-sales": KpiFactory(
            code="store-sales", name="Store sales", level="unit", metric="manual", employee_influence=False
        ),
    }

    def measure(kpi, start=JANUARY, **subject):
        end = date(start.year, start.month, 31)
        return KpiMeasurementFactory(kpi=kpis[kpi], period_start=start, period_end=end, **subject)

    measurements = {
        "my-csat/alice": measure("my-csat", employee=p["alice"], value=85.0, n=40, low=72.5, high=93.1, status="met"),
        "my-csat/alice/dec": measure("my-csat", DECEMBER, employee=p["alice"], value=None, n=3, status="no_data"),
        "my-csat/bob": measure("my-csat", employee=p["bob"], value=60.0, status="missed"),
        "my-csat/carol": measure("my-csat", employee=p["carol"], value=75.0, status="near"),
        "my-nps/alice": measure("my-nps", employee=p["alice"], value=40.0),
        "old/alice": measure("old", employee=p["alice"], value=10.0),
        "store-nps/north": measure("store-nps", unit=u["north_store"], value=55.0),
        "store-nps/south": measure("store-nps", unit=u["south_store"], value=20.0, status="missed"),
        "store-sales/north": measure("store-sales", unit=u["north_store"], value=120.0, n=1),
        "company-nps/company": measure("company-nps", unit=u["company"], value=45.0),
    }
    now = max(timezone.now(), month_start() + timedelta(minutes=10))  # this month's, even just after midnight

    def rec(name, minutes_ago, **fields):
        fields.setdefault("value", care)
        return RecognitionFactory(message=name, created_at=now - timedelta(minutes=minutes_ago), **fields)

    recognitions = {
        "company": rec("company", 1, giver=p["carol"], receiver=p["alice"], visibility="company", points=30),
        "unit": rec("unit", 2, giver=p["carol"], receiver=p["alice"], visibility="unit"),
        "private": rec("private", 3, giver=p["carol"], receiver=p["alice"], visibility="private", points=20),
        "region_achievement": rec(
            "region_achievement", 4, source="achievement", giver=None, receiver=None, unit=u["north"], value=None,
            visibility="unit", points=15,
        ),
        "south_unit": rec("south_unit", 5, giver=p["alice"], receiver=p["carol"], visibility="unit", points=5),
    }  # fmt: skip
    PointEntry.objects.create(employee=p["alice"], amount=50, reason="Recognised", recognition=recognitions["company"])
    PointEntry.objects.create(
        employee=p["carol"], amount=5, reason="Recognised", recognition=recognitions["south_unit"]
    )
    return {"kpis": kpis, "measurements": measurements, "recognitions": recognitions, **org}


def names(objects: dict, rows: list[dict]) -> list[str]:
    by_id = {obj.pk: name for name, obj in objects.items()}
    return [by_id[row["id"]] for row in rows]


# --- roles × endpoints ------------------------------------------------------------------------------------------

EVERY_MEASUREMENT = [
    "company-nps/company", "my-csat/alice", "my-csat/bob", "my-csat/carol", "my-nps/alice", "old/alice",
    "store-nps/north", "store-nps/south", "store-sales/north", "my-csat/alice/dec",
]  # fmt: skip

# endpoint → role → (status, the visible objects in order); None: no list in the answer.
LISTS = {
    "kpis": {
        "anonymous": (401, None),
        "alice": (200, ["my-csat", "store-nps"]),
        "bob": (200, ["my-csat", "store-nps"]),
        "store_manager": (200, ["my-csat", "store-nps", "store-sales"]),
        "south_manager": (200, ["my-csat", "store-nps", "store-sales"]),
        "lead": (200, ["company-nps", "my-csat", "my-nps", "old", "store-nps", "store-sales"]),
    },
    "kpi-measurements": {
        "anonymous": (401, None),
        "alice": (200, ["my-csat/alice", "store-nps/north", "my-csat/alice/dec"]),
        "bob": (200, ["my-csat/bob", "store-nps/north"]),
        "store_manager": (200, ["my-csat/alice", "my-csat/bob", "store-nps/north", "store-sales/north",
                                "my-csat/alice/dec"]),
        "south_manager": (200, ["my-csat/carol", "store-nps/south"]),
        "lead": (200, EVERY_MEASUREMENT),
    },
    "recognitions": {
        "anonymous": (401, None),
        "alice": (200, ["company", "unit", "private", "region_achievement", "south_unit"]),
        "bob": (200, ["company", "unit", "region_achievement"]),
        "store_manager": (200, ["company", "unit", "private", "region_achievement"]),
        "south_manager": (200, ["company", "south_unit"]),
        "lead": (200, ["company", "unit", "private", "region_achievement", "south_unit"]),
    },
    "company-values": {
        "anonymous": (401, None),
        **dict.fromkeys(["alice", "bob", "store_manager", "south_manager"], (200, ["care"])),
        "lead": (200, ["care", "retired"]),
    },
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(LISTS))
def test_list_endpoints_show_each_role_what_its_pages_show(api, kpi_program, care, endpoint, role):  # noqa: F811
    CompanyValueFactory(code="retired", name_en="Retired value", active=False, order=2)
    code, visible = LISTS[endpoint][role]
    response = api(role).get(f"/api/v1/{endpoint}/")
    assert response.status_code == code, response.content
    if visible is None:
        assert set(response.json()) == {"detail", "code"}
        return
    rows = response.json()["results"]
    if endpoint in ("kpis", "company-values"):
        assert [row["code"] for row in rows] == visible
    else:
        objects = kpi_program["measurements" if endpoint == "kpi-measurements" else "recognitions"]
        assert names(objects, rows) == visible


# role → points each visible recognition shows: the giver, the receiver and CX leads only.
POINTS_SHOWN = {
    "alice": {"company": 30, "unit": 0, "private": 20, "region_achievement": None, "south_unit": 5},
    "bob": {"company": None, "unit": None, "region_achievement": None},
    "store_manager": {"company": None, "unit": None, "private": None, "region_achievement": None},
    "south_manager": {"company": None, "south_unit": None},
    "lead": {"company": 30, "unit": 0, "private": 20, "region_achievement": 15, "south_unit": 5},
}


@pytest.mark.parametrize("role", list(POINTS_SHOWN))
def test_recognition_points_are_shown_only_to_giver_receiver_and_cx_leads(api, kpi_program, role):  # noqa: F811
    rows = api(role).get("/api/v1/recognitions/").json()["results"]
    shown = dict(zip(names(kpi_program["recognitions"], rows), [row["points"] for row in rows], strict=True))
    assert shown == POINTS_SHOWN[role]


def detail_urls(kpi_program) -> dict[str, str]:
    m, r = kpi_program["measurements"], kpi_program["recognitions"]
    return {
        "kpi my-csat": "/api/v1/kpis/my-csat/",
        "kpi my-nps": "/api/v1/kpis/my-nps/",
        "kpi store-sales": "/api/v1/kpis/store-sales/",
        "alice's measurement": f"/api/v1/kpi-measurements/{m['my-csat/alice'].pk}/",
        "bob's measurement": f"/api/v1/kpi-measurements/{m['my-csat/bob'].pk}/",
        "north store's sales": f"/api/v1/kpi-measurements/{m['store-sales/north'].pk}/",
        "south store's nps": f"/api/v1/kpi-measurements/{m['store-nps/south'].pk}/",
        "alice's private thanks": f"/api/v1/recognitions/{r['private'].pk}/",
        "south unit thanks": f"/api/v1/recognitions/{r['south_unit'].pk}/",
    }


# role → status of each detail URL above, in order
DETAILS = {
    "anonymous": (401, 401, 401, 401, 401, 401, 401, 401, 401),
    "alice": (200, 404, 404, 200, 404, 404, 404, 200, 200),
    "bob": (200, 404, 404, 404, 200, 404, 404, 404, 404),
    "store_manager": (200, 404, 200, 200, 200, 200, 404, 200, 404),
    "south_manager": (200, 404, 200, 404, 404, 404, 200, 404, 200),
    "lead": (200, 200, 200, 200, 200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("role", ROLES)
def test_objects_outside_the_scope_answer_404(api, kpi_program, role):  # noqa: F811
    client = api(role)
    statuses = tuple(client.get(url).status_code for url in detail_urls(kpi_program).values())
    assert statuses == DETAILS[role]


NEW_THANKS = {"message": "Covered my shift at short notice", "visibility": "private", "points": 10}
# role → (status of giving Carol a recognition, status of reading one's own points)
WRITES = {
    "anonymous": (401, 401),
    "alice": (201, 200),
    "bob": (201, 200),
    "store_manager": (201, 200),
    "south_manager": (201, 200),
    "lead": (201, 200),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_employee_gives_recognitions_and_reads_own_points(api, kpi_program, care, role):  # noqa: F811
    client = api(role)
    carol = kpi_program["people"]["carol"]
    given = client.post("/api/v1/recognitions/", {**NEW_THANKS, "receiver": carol.pk, "value": care.pk}, format="json")
    points = client.get("/api/v1/points/")
    assert (given.status_code, points.status_code) == WRITES[role]
    if role == "anonymous":
        assert not Recognition.objects.filter(message=NEW_THANKS["message"]).exists()
        return
    me = kpi_program["people"][role]
    recognition = Recognition.objects.get(message=NEW_THANKS["message"])
    assert (recognition.giver, recognition.receiver, recognition.points) == (me, carol, 10)
    assert points.json()["employee"] == me.pk


def test_bob_never_sees_alices_private_recognitions_points_or_measurements(api, kpi_program):  # noqa: F811
    bob, p = api("bob"), kpi_program["people"]
    wall = bob.get("/api/v1/recognitions/").json()["results"]
    assert "private" not in [row["message"] for row in wall]
    assert [row["points"] for row in wall] == [None, None, None]
    assert bob.get("/api/v1/points/").json() == {
        "employee": p["bob"].pk, "balance": 0, "allowance": 100, "allowance_left": 100,
    }  # fmt: skip
    assert bob.get("/api/v1/kpi-measurements/", {"employee": p["alice"].pk}).status_code == 400
    measured = [row["employee"] for row in bob.get("/api/v1/kpi-measurements/").json()["results"]]
    assert measured == [p["bob"].pk, None]


def test_alice_reads_her_own_points(api, kpi_program):  # noqa: F811
    assert api("alice").get("/api/v1/points/").json() == {
        "employee": kpi_program["people"]["alice"].pk, "balance": 50, "allowance": 100, "allowance_left": 95,
    }  # fmt: skip


def test_a_user_without_employee_record_reads_but_neither_gives_nor_has_points(kpi_program, care):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=root).key}")
    assert len(client.get("/api/v1/recognitions/").json()["results"]) == 5  # counts as a CX lead
    carol = kpi_program["people"]["carol"]
    given = client.post("/api/v1/recognitions/", {**NEW_THANKS, "receiver": carol.pk, "value": care.pk}, format="json")
    points = client.get("/api/v1/points/")
    message = "Your user is not linked to an employee record, so it has no recognitions or points of its own."
    assert (given.status_code, given.json()) == (403, {"detail": message, "code": "permission_denied"})
    assert (points.status_code, points.json()["detail"]) == (403, message)


# --- what the answers carry -------------------------------------------------------------------------------------


def test_a_measurement_carries_its_figure_status_period_and_subject(api, kpi_program):  # noqa: F811
    m = kpi_program["measurements"]["my-csat/alice"]
    body = api("alice").get(f"/api/v1/kpi-measurements/{m.pk}/").json()
    body.pop("computed_at")
    assert body == {
        "id": m.pk, "kpi": "my-csat", "level": "employee", "period": "month", "period_start": "2026-01-01",
        "period_end": "2026-01-31", "unit": None, "employee": kpi_program["people"]["alice"].pk,
        "subject": "Alice Tester", "value": 85.0, "n": 40, "low": 72.5, "high": 93.1, "target": 80.0,
        "status": "met",
        "in_progress": False,
    }  # fmt: skip
    store = api("alice").get(f"/api/v1/kpi-measurements/{kpi_program['measurements']['store-nps/north'].pk}/")
    assert {k: store.json()[k] for k in ("unit", "employee", "subject")} == {
        "unit": "north-store", "employee": None, "subject": "North store",
    }  # fmt: skip


def test_a_kpi_definition_and_a_wall_entry(api, kpi_program, care):  # noqa: F811
    kpi = api("alice").get("/api/v1/kpis/my-csat/").json()
    assert kpi == {
        "id": kpi_program["kpis"]["my-csat"].pk, "code": "my-csat", "name": "My CSAT", "description": "",
        "description_en": "", "description_ru": "", "metric": "csat", "channel": "", "level": "employee",
        "period": "month",
        "target": 80.0, "warning": 70.0,
        "direction": "higher", "min_sample": 1, "employee_influence": True, "points": 0, "active": True,
    }  # fmt: skip
    p, r = kpi_program["people"], kpi_program["recognitions"]["company"]
    entry = api("alice").get(f"/api/v1/recognitions/{r.pk}/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert entry == {
        "id": r.pk, "source": "peer", "giver": p["carol"].pk, "giver_name": "Carol Tester",
        "receiver": p["alice"].pk, "receiver_name": "Alice Tester", "unit": "north-store", "value": care.pk,
        "value_name": "Забота о клиенте", "message": "company", "visibility": "company", "points": 30,
        "created_at": entry["created_at"],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kpi": "my-csat"}, ["my-csat/alice", "my-csat/bob", "my-csat/alice/dec"]),
        ({"level": "unit"}, ["store-nps/north", "store-sales/north"]),
        ({"unit": "north-store"}, ["store-nps/north", "store-sales/north"]),
        ({"employee": "alice"}, ["my-csat/alice", "my-csat/alice/dec"]),
        ({"status": "missed"}, ["my-csat/bob"]),
        ({"period_start_before": "2025-12-31"}, ["my-csat/alice/dec"]),
        ({"period_start_after": "2026-01-01", "kpi": "my-csat"}, ["my-csat/alice", "my-csat/bob"]),
        ({"kpi": "my-nps"}, []),  # a KPI employees cannot influence: not on the manager's pages
    ],
)
def test_measurement_filters(api, kpi_program, params, expected):  # noqa: F811
    if "employee" in params:
        params = {"employee": kpi_program["people"][params["employee"]].pk}
    rows = api("store_manager").get("/api/v1/kpi-measurements/", params).json()["results"]
    assert names(kpi_program["measurements"], rows) == expected


INVALID_CHOICE = ["Select a valid choice. That choice is not one of the available choices."]


def not_a_choice(value: str) -> list[str]:
    return [f"Select a valid choice. {value} is not one of the available choices."]


@pytest.mark.parametrize(
    ("url", "params", "errors"),
    [
        ("kpi-measurements", {"unit": "south-store"}, {"unit": INVALID_CHOICE}),  # not the manager's
        ("kpi-measurements", {"employee": "carol"}, {"employee": INVALID_CHOICE}),
        ("kpi-measurements", {"employee": 10**30}, {"employee": INVALID_CHOICE}),
        ("kpi-measurements", {"period_start_after": "9999-01-01"},
         {"period_start_after": ["Enter a date between 1900-01-01 and 2999-12-31."]}),
        ("kpi-measurements", {"period_start_before": "soon"}, {"period_start_before": ["Enter a valid date."]}),
        ("kpi-measurements", {"status": "great"}, {"status": not_a_choice("great")}),
        ("kpi-measurements", {"kpi": "a\x00"}, {"kpi": ["Null characters are not allowed."]}),
        ("kpis", {"level": "galaxy"}, {"level": not_a_choice("galaxy")}),
        ("recognitions", {"visibility": "world"}, {"visibility": not_a_choice("world")}),
    ],
)  # fmt: skip
def test_bad_filters_are_json_400s_naming_the_field(api, kpi_program, url, params, errors):  # noqa: F811
    if params.get("employee") == "carol":
        params = {"employee": kpi_program["people"]["carol"].pk}
    response = api("store_manager").get(f"/api/v1/{url}/", params)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request has errors; see the messages per field.", "code": "invalid", "errors": errors,
    }  # fmt: skip


def test_the_wall_filters_mine_and_source(api, kpi_program):  # noqa: F811
    rows = api("alice").get("/api/v1/recognitions/", {"mine": "true"}).json()["results"]
    assert names(kpi_program["recognitions"], rows) == ["company", "unit", "private", "south_unit"]
    rows = api("alice").get("/api/v1/recognitions/", {"mine": "false"}).json()["results"]
    assert names(kpi_program["recognitions"], rows) == ["region_achievement"]
    rows = api("bob").get("/api/v1/recognitions/", {"mine": "true"}).json()["results"]
    assert rows == []
    rows = api("lead").get("/api/v1/recognitions/", {"source": "achievement"}).json()["results"]
    assert names(kpi_program["recognitions"], rows) == ["region_achievement"]
    assert api("anonymous").get("/api/v1/kpis/nope/").status_code == 401
    assert api("lead").get("/api/v1/kpis/a\x00b/").status_code == 404


# --- giving a recognition ---------------------------------------------------------------------------------------


def test_giving_a_recognition_credits_the_receiver_and_spends_the_allowance(api, kpi_program, care):  # noqa: F811
    alice, bob = api("alice"), kpi_program["people"]["bob"]
    response = alice.post(
        "/api/v1/recognitions/",
        {"receiver": bob.pk, "value": care.pk, "message": "  Helped a customer carry a sofa  ", "points": 60},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    recognition = Recognition.objects.get(pk=body["id"])
    assert {k: body[k] for k in ("giver", "receiver", "unit", "message", "visibility", "points", "source")} == {
        "giver": kpi_program["people"]["alice"].pk, "receiver": bob.pk, "unit": "north-store",
        "message": "Helped a customer carry a sofa", "visibility": "company", "points": 60, "source": "peer",
    }  # fmt: skip
    assert list(PointEntry.objects.filter(recognition=recognition).values_list("employee", "amount")) == [(bob.pk, 60)]
    assert alice.get("/api/v1/points/").json()["allowance_left"] == 35  # 100 − 5 to Carol − 60 to Bob
    assert api("bob").get("/api/v1/points/").json()["balance"] == 60
    assert api("bob").get("/api/v1/recognitions/", {"mine": "true"}).json()["results"][0]["points"] == 60


def test_the_giver_source_and_unit_cannot_be_forged(api, kpi_program, care):  # noqa: F811
    p = kpi_program["people"]
    response = api("alice").post(
        "/api/v1/recognitions/",
        {"receiver": p["carol"].pk, "value": care.pk, "message": "Forged?", "giver": p["bob"].pk,
         "source": "achievement", "unit": "north-store", "created_at": "2020-01-01T00:00:00Z", "id": 1},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    recognition = Recognition.objects.get(message="Forged?")
    assert (recognition.giver, recognition.source, recognition.unit.code) == (p["alice"], "peer", "south-store")
    assert recognition.created_at > timezone.now() - timedelta(minutes=5)
    assert response.json()["giver"] == p["alice"].pk


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"receiver": "@alice"}, {"receiver": ["You cannot recognise yourself. Choose a colleague."]}),
        ({"points": 96}, {"points": ["You have 95 points left to give this month."]}),
        ({"receiver": "@gone"}, {"receiver": ["Gone Tester is no longer with the company and cannot be recognised."]}),
        ({"value": "@retired"}, {"value": ["Choose one of the company's current values."]}),
        ({"message": "   "}, {"message": ["Write a few words about what they did."]}),
        ({"message": "x" * 1001}, {"message": ["Ensure this field has no more than 1000 characters."]}),
        ({"receiver": 999999}, {"receiver": ['Invalid pk "999999" - object does not exist.']}),
        ({"receiver": 10**30}, {"receiver": [f'Invalid pk "{10**30}" - object does not exist.']}),
        ({"value": "care"}, {"value": ["Incorrect type. Expected pk value, received str."]}),
        ({"visibility": "world"}, {"visibility": ['"world" is not a valid choice.']}),
        ({"points": -1}, {"points": ["Ensure this value is greater than or equal to 0."]}),
        ({"points": "many"}, {"points": ["A valid integer is required."]}),
    ],
)
def test_invalid_recognitions_are_400s_with_the_reason_per_field(api, kpi_program, care, change, errors):  # noqa: F811
    p = kpi_program["people"]
    gone = EmployeeFactory(user__username="gone", user__is_active=False, unit=kpi_program["units"]["north_store"])
    retired = CompanyValueFactory(code="retired", name_en="Retired", active=False)
    objects = {"@alice": p["alice"].pk, "@gone": gone.pk, "@retired": retired.pk}  # "@name": that object's id
    body = {"receiver": p["bob"].pk, "value": care.pk, "message": "Thanks!", "points": 10}
    body |= {key: objects.get(value, value) if isinstance(value, str) else value for key, value in change.items()}
    before = (Recognition.objects.count(), PointEntry.objects.count())
    response = api("alice").post("/api/v1/recognitions/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request has errors; see the messages per field.", "code": "invalid", "errors": errors,
    }  # fmt: skip
    assert (Recognition.objects.count(), PointEntry.objects.count()) == before


def test_missing_fields_and_a_body_that_is_not_an_object(api, kpi_program):  # noqa: F811
    required = ["This field is required."]
    response = api("bob").post("/api/v1/recognitions/", {}, format="json")
    assert response.json()["errors"] == {"receiver": required, "value": required, "message": required}
    response = api("bob").post("/api/v1/recognitions/", [1], format="json")
    assert response.json()["errors"] == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    response = api("bob").generic("POST", "/api/v1/recognitions/", "{oops", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")


def test_a_recognition_cannot_be_changed_or_deleted(api, kpi_program):  # noqa: F811
    url = f"/api/v1/recognitions/{kpi_program['recognitions']['company'].pk}/"
    client = api("lead")
    assert client.patch(url, {"points": 1000}, format="json").status_code == 405
    assert client.delete(url).status_code == 405
    assert client.post("/api/v1/kpi-measurements/", {"value": 100}, format="json").status_code == 405
    assert Recognition.objects.get(pk=kpi_program["recognitions"]["company"].pk).points == 30


# --- pages and query counts -------------------------------------------------------------------------------------


def test_page_sizes_are_capped(api, kpi_program, settings):  # noqa: F811
    settings.API_PAGE_SIZE, settings.API_MAX_PAGE_SIZE = 2, 4
    client = api("lead")
    default = client.get("/api/v1/kpi-measurements/").json()
    assert (default["count"], len(default["results"])) == (10, 2)
    huge = client.get("/api/v1/kpi-measurements/", {"page_size": 1000}).json()
    assert (len(huge["results"]), huge["next"].endswith("page=2&page_size=1000")) == (4, True)
    assert len(client.get("/api/v1/kpis/", {"page_size": 1000}).json()["results"]) == 4
    first = client.get("/api/v1/recognitions/", {"page_size": 1000}).json()
    assert names(kpi_program["recognitions"], first["results"]) == ["company", "unit", "private", "region_achievement"]
    second = client.get(first["next"]).json()
    assert (names(kpi_program["recognitions"], second["results"]), second["next"]) == (["south_unit"], None)


def grow(org, care, n: int) -> None:
    """n more KPIs, measurements and recognitions, all within the north store (so every role sees more)."""
    p, store = org["people"], org["units"]["north_store"]
    for i in range(n):
        kpi = KpiFactory(level=Kpi.Level.EMPLOYEE)
        unit_kpi = KpiFactory(level=Kpi.Level.UNIT)
        KpiMeasurementFactory(kpi=kpi, employee=p["alice"], period_start=JANUARY, value=50.0)
        KpiMeasurementFactory(kpi=unit_kpi, unit=store, period_start=JANUARY, value=50.0)
        colleague = EmployeeFactory(unit=UnitFactory(parent=store, kind="team"))
        RecognitionFactory(giver=colleague, receiver=p["alice"], value=care, visibility="private", points=i)
        RecognitionFactory(source="achievement", giver=None, receiver=None, unit=store, value=None, visibility="unit")


LIST_QUERIES = {"kpis": 4, "kpi-measurements": 4, "recognitions": 3, "company-values": 4, "points": 4}


@pytest.mark.parametrize("role", ["lead", "store_manager", "alice"])
@pytest.mark.parametrize("endpoint", list(LIST_QUERIES))
def test_list_query_counts_do_not_grow_with_rows(
    api,  # noqa: F811
    kpi_program,
    care,
    endpoint,
    role,
    django_assert_max_num_queries,
):
    client = api(role)
    grow(kpi_program, care, 2)
    with django_assert_max_num_queries(LIST_QUERIES[endpoint]):
        few = client.get(f"/api/v1/{endpoint}/")
    grow(kpi_program, care, 8)
    CompanyValueFactory.create_batch(8)
    with django_assert_max_num_queries(LIST_QUERIES[endpoint]):
        many = client.get(f"/api/v1/{endpoint}/")
    assert (few.status_code, many.status_code) == (200, 200)
    if endpoint != "points":
        assert len(many.json()["results"]) > len(few.json()["results"])
