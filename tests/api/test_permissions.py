"""Roles × endpoints: a token sees exactly what its user sees on the pages. Lists are filtered, objects outside
the scope answer 404, writes that a role may not make answer 403, and no credentials answer 401."""

import pytest

from tests.api.conftest import ROLES

pytestmark = pytest.mark.django_db

EVERY_UNIT = ["company", "north", "north-store", "south", "south-store"]

# For each list endpoint: role → (status, the visible keys in order) — None: no list in the answer.
LISTS = {
    "units": ("code", {
        "anonymous": (401, None),
        "alice": (200, ["north-store"]),
        "bob": (200, ["north-store"]),
        "store_manager": (200, ["north-store"]),
        "south_manager": (200, ["south-store"]),
        "lead": (200, EVERY_UNIT),
    }),
    "employees": ("username", {
        "anonymous": (401, None),
        "alice": (200, ["alice"]),
        "bob": (200, ["bob"]),
        "store_manager": (200, ["alice", "bob", "store.manager"]),
        "south_manager": (200, ["carol", "south.manager"]),
        "lead": (200, ["alice", "bob", "carol", "lead", "north.manager", "south.manager", "store.manager"]),
    }),
    "customers": ("external_id", {
        "anonymous": (401, None),
        "alice": (200, []),
        "bob": (200, []),
        "store_manager": (200, ["N1"]),
        "south_manager": (200, ["S1"]),
        "lead": (200, ["N1", "S1"]),
    }),
    "segments": ("code", {
        "anonymous": (401, None),
        "alice": (200, ["loyal", "new"]),
        "bob": (200, ["loyal", "new"]),
        "store_manager": (200, ["loyal", "new"]),
        "south_manager": (200, ["loyal", "new"]),
        "lead": (200, ["loyal", "new"]),
    }),
    "surveys": ("public_id", {
        "anonymous": (401, None),
        "alice": (200, ["pulse", "visit"]),
        "bob": (200, ["pulse", "visit"]),
        "store_manager": (200, ["pulse", "visit"]),
        "south_manager": (200, ["pulse", "visit"]),
        "lead": (200, ["draft", "pulse", "visit"]),
    }),
    "responses": ("id", {
        "anonymous": (401, None),
        "alice": (200, []),
        "bob": (200, []),
        "store_manager": (200, ["north"]),
        "south_manager": (200, ["south"]),
        "lead": (200, ["south", "north"]),  # newest first; the anonymous pulse answer is read by nobody
    }),
    "invitations": ("id", {
        "anonymous": (401, None),
        "alice": (403, None),
        "bob": (403, None),
        "store_manager": (200, ["north"]),
        "south_manager": (200, ["south"]),
        "lead": (200, ["south", "north"]),  # newest first
    }),
    "followups": ("id", {
        "anonymous": (401, None),
        "alice": (200, []),
        "bob": (200, []),
        "store_manager": (200, ["north"]),
        "south_manager": (200, ["south"]),
        "lead": (200, ["north", "south"]),  # NPS 3 comes before NPS 5 (same value tier): higher priority
    }),
}  # fmt: skip


def names_of(program, endpoint, key, rows):
    """Turn ids of program objects back into their fixture names, so expectations read as names."""
    if key != "id":
        return [row[key] for row in rows]
    objects = {"responses": "responses", "invitations": "invitations", "followups": "cases"}[endpoint]
    by_id = {obj.pk: name for name, obj in program[objects].items()}
    return [by_id[row["id"]] for row in rows]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(LISTS))
def test_list_endpoints_show_each_role_its_own_scope(api, program, endpoint, role):
    key, expected = LISTS[endpoint]
    code, visible = expected[role]
    response = api(role).get(f"/api/v1/{endpoint}/")
    assert response.status_code == code, response.content
    if visible is None:
        assert set(response.json()) == {"detail", "code"}
        return
    rows = response.json()["results"]
    assert names_of(program, endpoint, key, rows) == visible


def detail_urls(program):
    org = program["org"]
    units, people = org["units"], org["people"]
    return {
        "unit": (f"/api/v1/units/{units['north_store'].pk}/", f"/api/v1/units/{units['south_store'].pk}/"),
        "employee": (f"/api/v1/employees/{people['alice'].pk}/", f"/api/v1/employees/{people['carol'].pk}/"),
        "customer": ("/api/v1/customers/N1/", "/api/v1/customers/S1/"),
        "response": tuple(f"/api/v1/responses/{program['responses'][k].pk}/" for k in ("north", "south")),
        "invitation": tuple(f"/api/v1/invitations/{program['invitations'][k].pk}/" for k in ("north", "south")),
        "followup": tuple(f"/api/v1/followups/{program['cases'][k].pk}/" for k in ("north", "south")),
        "survey": ("/api/v1/surveys/visit/", "/api/v1/surveys/draft/"),  # (live, draft) rather than (north, south)
    }


KINDS = ["unit", "employee", "customer", "response", "invitation", "followup", "survey"]
# role → kind → (status of the north store's object, status of the south store's object)
DETAILS = {
    "anonymous": dict.fromkeys(KINDS, (401, 401)),
    "alice": {"unit": (200, 404), "employee": (200, 404), "customer": (404, 404), "response": (404, 404),
              "invitation": (403, 403), "followup": (404, 404), "survey": (200, 404)},
    "bob": {"unit": (200, 404), "employee": (404, 404), "customer": (404, 404), "response": (404, 404),
            "invitation": (403, 403), "followup": (404, 404), "survey": (200, 404)},
    "store_manager": {"unit": (200, 404), "employee": (200, 404), "customer": (200, 404), "response": (200, 404),
                      "invitation": (200, 404), "followup": (200, 404), "survey": (200, 404)},
    "south_manager": {"unit": (404, 200), "employee": (404, 200), "customer": (404, 200), "response": (404, 200),
                      "invitation": (404, 200), "followup": (404, 200), "survey": (200, 404)},
    "lead": dict.fromkeys(KINDS, (200, 200)),
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", KINDS)
def test_objects_outside_the_scope_answer_404(api, program, kind, role):
    north_url, south_url = detail_urls(program)[kind]
    client = api(role)
    assert (client.get(north_url).status_code, client.get(south_url).status_code) == DETAILS[role][kind]


def test_draft_survey_is_seen_by_cx_leads_only(api, program):
    assert api("lead").get("/api/v1/surveys/draft/").status_code == 200
    assert api("store_manager").get("/api/v1/surveys/draft/").status_code == 404
    assert api("alice").get("/api/v1/surveys/visit/").status_code == 200


NEW_CUSTOMER = {"external_id": "NEW-1", "name": "Nina New"}
NEW_EMPLOYEE = {"username": "dave", "role": "frontline", "unit": "north-store"}

# role → status of: upsert a customer, PUT one, bulk customers, upsert an employee, invite, record a response
WRITES = {
    "anonymous": (401, 401, 401, 401, 401, 401),
    "alice": (403, 403, 403, 403, 403, 403),  # no answers recorded by frontline staff: they could rate themselves
    "bob": (403, 403, 403, 403, 403, 403),
    "store_manager": (403, 403, 403, 403, 201, 201),
    "south_manager": (403, 403, 403, 403, 400, 400),  # the north store's customer and unit are not theirs to use
    "lead": (201, 200, 200, 201, 201, 201),
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_write(api, program, role):
    client = api(role)
    statuses = (
        client.post("/api/v1/customers/", NEW_CUSTOMER, format="json").status_code,
        client.put("/api/v1/customers/N1/", {"name": "Renamed"}, format="json").status_code,
        client.post("/api/v1/customers/bulk/", {"customers": [NEW_CUSTOMER]}, format="json").status_code,
        client.post("/api/v1/employees/", NEW_EMPLOYEE, format="json").status_code,
        client.post(
            "/api/v1/invitations/",
            {"survey": "visit", "customer": "N1", "unit": "north-store", "transaction_ref": "T-1"},
            format="json",
        ).status_code,
        client.post(
            "/api/v1/responses/", {"survey": "visit", "answers": {"nps": 9}, "unit": "north-store"}, format="json"
        ).status_code,
    )
    assert statuses == WRITES[role]


CASE_ACTIONS = {
    "anonymous": (401, 401),
    "alice": (404, 404),
    "bob": (404, 404),
    "store_manager": (200, 404),
    "south_manager": (404, 200),
    "lead": (200, 200),
}


ACTION_BODIES = {
    "contacted": {"note": "Called"},
    "notes": {"text": "Called back"},
    "resolve": {"root_cause": "staff", "action_taken": "Apologised"},
    "close": {"reason": "No phone number"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTION_BODIES))
def test_case_actions_only_on_visible_cases(api, program, role, action):
    client = api(role)
    statuses = tuple(
        client.post(
            f"/api/v1/followups/{program['cases'][k].pk}/{action}/", ACTION_BODIES[action], format="json"
        ).status_code
        for k in ("north", "south")
    )
    assert statuses == CASE_ACTIONS[role]
    untouched = [k for k, code in zip(("north", "south"), statuses, strict=True) if code != 200]
    for key in untouched:
        case = program["cases"][key]
        case.refresh_from_db()
        assert (case.status, case.events.count()) == ("new", 2)


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("alice", 403), ("bob", 403), ("store_manager", 200), ("south_manager", 200), ("lead", 200)],
)
def test_metrics_for_leads_and_managers_with_their_own_answers(api, program, role, status):
    response = api(role).get("/api/v1/metrics/", {"survey": "visit", "question": "nps"})
    assert response.status_code == status
    if status == 200:
        expected = {"store_manager": (1, -100.0), "south_manager": (1, -100.0), "lead": (2, -100.0)}[role]
        headline = response.json()["questions"][0]["headline"]
        assert (headline["n"], headline["value"]) == expected


def test_frontline_employee_sees_cases_about_customers_they_served_when_allowed(api, program, settings):
    settings.FOLLOWUP_FRONTLINE_SEES_OWN = True
    alice_sees = [row["id"] for row in api("alice").get("/api/v1/followups/").json()["results"]]
    bob_sees = [row["id"] for row in api("bob").get("/api/v1/followups/").json()["results"]]
    assert alice_sees == [program["cases"]["north"].pk]
    assert bob_sees == []


def test_user_without_employee_record_is_refused_with_a_reason(program, django_user_model):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    stranger = django_user_model.objects.create_user("stranger", password="pw-stranger-123")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=stranger).key}")
    response = client.get("/api/v1/units/")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your user is not linked to an employee record, so it can see nothing here.",
        "code": "permission_denied",
    }


def test_regional_manager_sees_the_stores_below(api, program):
    org = program["org"]
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token = Token.objects.create(user=org["people"]["north_manager"].user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert [u["code"] for u in client.get("/api/v1/units/").json()["results"]] == ["north", "north-store"]
    assert [c["external_id"] for c in client.get("/api/v1/customers/").json()["results"]] == ["N1"]
    assert [r["id"] for r in client.get("/api/v1/responses/").json()["results"]] == [program["responses"]["north"].pk]
