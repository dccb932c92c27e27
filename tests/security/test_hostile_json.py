"""Hostile JSON against every API write endpoint (taken from the OpenAPI schema, so a new one is covered): nested a
thousand levels deep, larger than the limit, with NUL characters or NaN. Each gets a 4xx with a message, never a
500, and nothing changes."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from cxprogram.models import Customer, Employee
from kpis.models import Recognition
from surveys.models import FollowUpEvent, Invitation, Response

pytestmark = pytest.mark.django_db
WRITES = ("post", "put", "patch")


def write_endpoints() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(public=True)
    return [(method, path) for path, operations in schema["paths"].items() for method in operations if method in WRITES]


ENDPOINTS = write_endpoints()


def test_the_schema_lists_the_write_endpoints_this_suite_attacks():
    assert len(ENDPOINTS) == 14
    assert ("post", "/api/v1/feedback/") in ENDPOINTS
    assert ("post", "/api/v1/customers/{external_id}/erase/") in ENDPOINTS
    assert ("post", "/api/v1/responses/") in ENDPOINTS
    assert ("post", "/api/v1/text/analyse/") in ENDPOINTS


@pytest.fixture
def lead(api, program):
    return api("lead")


def concrete(path: str, program) -> str:
    return path.replace("{external_id}", "N1").replace("{id}", str(program["cases"]["north"].pk))


def snapshot() -> tuple:
    return (
        Customer.objects.count(), Employee.objects.count(), Response.objects.count(), Invitation.objects.count(),
        Recognition.objects.count(), FollowUpEvent.objects.count(), list(Customer.objects.values_list("name")),
    )  # fmt: skip


def send(client, method: str, url: str, body: bytes):
    return getattr(client, method)(url, data=body, content_type="application/json")


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_deeply_nested_json_is_a_400_naming_the_limit(lead, program, method, path):
    before = snapshot()
    for body in (
        "[" * 5000 + "]" * 5000,
        '{"a":' * 5000 + "1" + "}" * 5000,
        '{"customers": ' + "[" * 40 + "]" * 40 + "}",
    ):
        answer = send(lead, method, concrete(path, program), body.encode())
        assert answer.status_code == 400, (body[:20], answer.content[:300])
        assert answer.json() == {"detail": "The JSON is nested more than 20 levels deep.", "code": "parse_error"}
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_a_body_over_the_size_limit_is_a_413(lead, program, method, path, settings):
    settings.API_MAX_BODY_BYTES = 64 * 1024
    before = snapshot()
    body = json.dumps({"external_id": "N1", "name": "x" * 70_000}).encode()
    answer = send(lead, method, concrete(path, program), body)
    assert answer.status_code == 413
    assert answer.json() == {
        "detail": "The request body is larger than 64 KB; send fewer rows at a time.",
        "code": "too_large",
    }
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_nul_characters_anywhere_in_the_body_are_a_400_naming_where(lead, program, method, path):
    before = snapshot()
    body = {"external_id": "N1", "answers": {"comment": "fine\x00 thanks"}, "note": "x"}
    answer = send(lead, method, concrete(path, program), json.dumps(body).encode())
    assert answer.status_code == 400
    assert answer.json()["detail"] == "The text at “answers.comment” contains a NUL character, which is not allowed."
    assert snapshot() == before


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(lead, program, constant):
    body = f'{{"survey": "visit", "answers": {{"nps": {constant}}}}}'.encode()
    answer = send(lead, "post", "/api/v1/responses/", body)
    assert answer.status_code == 400
    assert answer.json()["detail"] == f"JSON parse error: {constant} is not a number JSON allows."


def test_the_messages_come_in_the_callers_language(lead, program):
    answer = lead.post("/api/v1/customers/", data="[" * 100 + "]" * 100, content_type="application/json",
                       HTTP_ACCEPT_LANGUAGE="ru")  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["detail"] == "Глубина вложенности JSON превышает 20."
