"""An integration that sends only what changed must not erase what it left out: the employee upsert keeps every
field it was not sent (names, e-mail, title, role, unit), as the customer upsert already does."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_employee_upsert_without_names_keeps_the_stored_ones(api, org):
    lead = api("lead")
    full = {"username": "dave", "first_name": "Dave", "last_name": "Doe", "email": "dave@example.com",
            "title": "Cashier", "role": "frontline", "unit": "north-store"}  # fmt: skip
    assert lead.post("/api/v1/employees/", full, format="json").status_code == 201
    moved = lead.post("/api/v1/employees/", {"username": "dave", "unit": "south-store"}, format="json")
    assert moved.status_code == 200, moved.content
    assert {k: moved.json()[k] for k in ("first_name", "last_name", "email", "title", "role", "unit")} == {
        "first_name": "Dave", "last_name": "Doe", "email": "dave@example.com", "title": "Cashier",
        "role": "frontline", "unit": "south-store",
    }  # fmt: skip
    blanked = lead.post("/api/v1/employees/", {"username": "dave", "title": ""}, format="json")
    assert (blanked.json()["title"], blanked.json()["first_name"]) == ("", "Dave")  # sent blank: blanked on purpose


def test_a_new_employee_still_needs_a_role_and_a_unit(api, org):
    refused = api("lead").post("/api/v1/employees/", {"username": "erin", "first_name": "Erin"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "role": ["A new employee needs this field."],
        "unit": ["A new employee needs this field."],
    }
