"""Customers by external id: idempotent upsert (one and in bulk), the CSV import's validation with a message per
field, blank values that never erase, and fields a client cannot set."""

import pytest

from cxprogram.models import Customer

pytestmark = pytest.mark.django_db


def test_upsert_creates_then_updates_the_same_customer(api, program):
    client = api("lead")
    body = {"external_id": "C-77", "name": "Olga", "email": "olga@example.com", "segment": "loyal",
            "home_unit": "north-store", "language": "en", "value_tier": "high", "consent": True}  # fmt: skip
    first = client.post("/api/v1/customers/", body, format="json")
    again = client.post("/api/v1/customers/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() | {"updated_at": None} == again.json() | {"updated_at": None}
    assert {k: first.json()[k] for k in ("external_id", "name", "segment", "home_unit", "value_tier", "consent")} == {
        "external_id": "C-77", "name": "Olga", "segment": "loyal", "home_unit": "north-store",
        "value_tier": "high", "consent": True,
    }  # fmt: skip
    assert Customer.objects.filter(external_id="C-77").count() == 1


def test_put_by_external_id_writes_only_what_is_sent_and_blank_never_erases(api, program):
    client = api("lead")
    client.put("/api/v1/customers/C-8/", {"name": "Ivan", "email": "ivan@example.com", "phone": "+7 900 1"},
               format="json")  # fmt: skip
    response = client.put("/api/v1/customers/C-8/", {"name": "Ivan Petrov", "email": "", "phone": None}, format="json")
    assert response.status_code == 200
    customer = Customer.objects.get(external_id="C-8")
    assert (customer.name, customer.email, customer.phone) == ("Ivan Petrov", "ivan@example.com", "+7 900 1")


def test_a_client_cannot_set_opt_out_or_the_id(api, program):
    client = api("lead")
    response = client.post(
        "/api/v1/customers/",
        {"external_id": "C-9", "opted_out_at": "2020-01-01T00:00:00Z", "id": 999, "created_at": "2000-01-01"},
        format="json",
    )
    assert response.status_code == 201
    customer = Customer.objects.get(external_id="C-9")
    assert (customer.opted_out_at, customer.pk == 999, customer.created_at.year > 2000) == (None, False, True)


def test_each_bad_field_gets_its_own_message(api, program):
    response = api("lead").post(
        "/api/v1/customers/",
        {"external_id": "C-1", "email": "not-an-address", "phone": "call me", "segment": "vip", "home_unit": "moon",
         "language": "de", "value_tier": "gold", "consent": "maybe"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "The request has errors; see the messages per field."
    assert body["errors"] == {
        "language": ['"de" is not a valid choice.'],
        "value_tier": ['"gold" is not a valid choice.'],
        "consent": ["Must be a valid boolean."],
    }
    response = api("lead").post(
        "/api/v1/customers/",
        {"external_id": "C-1", "email": "not-an-address", "phone": "call me", "segment": "vip", "home_unit": "moon"},
        format="json",
    )
    assert response.json()["errors"] == {
        "email": ["Enter a valid email address."],
        "phone": ["Enter a phone number of digits, spaces, ( ) - and +."],
        "segment": ["Unknown segment “vip”; create it in the admin first."],
        "home_unit": ["Unknown unit code “moon”."],
    }
    assert not Customer.objects.filter(external_id="C-1").exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"external_id": ["This field is required."]}),
        ({"external_id": "x" * 101}, {"external_id": ["Ensure this field has no more than 100 characters."]}),
        ([1, 2], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
    ],
)
def test_malformed_bodies_are_400_with_messages(api, program, body, errors):
    response = api("lead").post("/api/v1/customers/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == errors


def test_put_with_a_list_is_refused_and_creates_nothing(api, program):
    response = api("lead").put("/api/v1/customers/L-1/", [{"name": "x"}], format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    assert not Customer.objects.filter(external_id="L-1").exists()


def test_a_body_that_is_not_json_is_a_400(api, program):
    response = api("lead").generic("POST", "/api/v1/customers/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_bulk_upsert_is_idempotent_and_counts_created_and_updated(api, program):
    client = api("lead")
    rows = [{"external_id": f"B-{i}", "name": f"Bulk {i}", "segment": "new"} for i in range(5)]
    first = client.post("/api/v1/customers/bulk/", {"customers": rows}, format="json")
    assert (first.status_code, first.json()) == (200, {"created": 5, "updated": 0})
    rows[0]["name"] = "Renamed"
    second = client.post("/api/v1/customers/bulk/", {"customers": [*rows, {"external_id": "B-9"}]}, format="json")
    assert second.json() == {"created": 1, "updated": 5}
    assert Customer.objects.filter(external_id__startswith="B-").count() == 6
    assert Customer.objects.get(external_id="B-0").name == "Renamed"
    assert Customer.objects.get(external_id="B-1").segment.code == "new"


def test_bulk_with_one_bad_row_saves_nothing_and_names_the_row(api, program):
    rows = [{"external_id": "G-1"}, {"external_id": "G-2", "email": "nope"}, {"external_id": "G-1"}]
    response = api("lead").post("/api/v1/customers/bulk/", {"customers": rows}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"customers.1.email": ["Enter a valid email address."]}
    rows[1]["email"] = ""
    response = api("lead").post("/api/v1/customers/bulk/", {"customers": rows}, format="json")
    assert response.json()["errors"] == {
        "customers.2.external_id": ["external_id “G-1” appears earlier in the request (row 0)."]
    }
    assert not Customer.objects.filter(external_id__startswith="G-").exists()


def test_bulk_refuses_more_than_1000_rows(api, program):
    rows = [{"external_id": f"M-{i}"} for i in range(1001)]
    response = api("lead").post("/api/v1/customers/bulk/", {"customers": rows}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"customers": ["Ensure this field has no more than 1000 elements."]}


def test_employee_upsert_by_username(api, program):
    client = api("lead")
    body = {"username": "dave", "first_name": "Dave", "role": "frontline", "unit": "north-store"}
    assert client.post("/api/v1/employees/", body, format="json").status_code == 201
    response = client.post("/api/v1/employees/", body | {"role": "manager", "title": "Lead cashier"}, format="json")
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("username", "role", "title", "unit")} == {
        "username": "dave", "role": "manager", "title": "Lead cashier", "unit": "north-store",
    }  # fmt: skip
    bad = client.post("/api/v1/employees/", {"username": "x y", "role": "boss", "unit": "moon"}, format="json")
    assert bad.json()["errors"] == {
        "username": ["This value does not match the required pattern."],
        "role": ['"boss" is not a valid choice.'],
        "unit": ["Object with code=moon does not exist."],
    }


def test_employee_upsert_cannot_touch_a_superuser(api, program, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123")
    response = api("lead").post(
        "/api/v1/employees/", {"username": "root", "role": "frontline", "unit": "north-store"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"username": ["This user is a superuser; change them in the admin."]}
    assert django_user_model.objects.get(username="root").is_staff
