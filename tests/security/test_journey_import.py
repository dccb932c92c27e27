"""A CX lead's journey file, crafted: numbers where lists belong, values of the wrong type, non-finite targets, NUL
characters and deep nesting. Each is a 400 that lists the problems, and nothing is saved."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from journeys.models import Journey, Stage, Touchpoint

pytestmark = pytest.mark.django_db


def document(**touchpoint) -> dict:
    tp = {"code": "till", "name": "Till", "channel": "store", **touchpoint}
    return {"format": "cxprogram.journey/1", "name": "Buy", "stages": [{"name": "Pay", "touchpoints": [tp]}]}


def upload(client, body: bytes):
    return client.post("/admin/journeys/journey/import/", {"document": SimpleUploadedFile("j.json", body)})


@pytest.fixture
def lead_admin(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "root-pass-123"))
    return client


CRAFTED = [
    ({"format": "cxprogram.journey/1", "name": "Buy", "stages": [{"name": "Pay", "touchpoints": 5}]},
     ["journey, stages 1, touchpoints: expected a list."]),
    ({"format": "cxprogram.journey/1", "name": "Buy", "stages": 7}, ["journey, stages: expected a list."]),
    (document(measures=[5], improvements=[{"effort": "high"}]),
     ["journey, stages 1, touchpoints 1, measures 1: expected an object.",
      "journey, stages 1, touchpoints 1, improvements 1, effort: expected a whole number."]),
    (document(target=[80], moment_of_truth="yes", owner_unit={"code": "x"}),
     ["journey, stages 1, touchpoints 1, moment_of_truth: expected true or false.",
      "journey, stages 1, touchpoints 1, target: expected a number.",
      "journey, stages 1, touchpoints 1, owner_unit: expected text."]),
    (document(target=True), ["journey, stages 1, touchpoints 1, target: expected a number."]),
    ({"format": "cxprogram.journey/1", "name": "Buy", "owner": 3, "persona": {"name": "P", "segments": "vip"},
      "stages": [{"name": "Pay"}]},
     ["journey, owner: expected text.", "journey, persona, segments: expected a list."]),
]  # fmt: skip


@pytest.mark.parametrize(("data", "problems"), CRAFTED)
def test_values_of_the_wrong_type_are_listed_and_nothing_is_saved(lead_admin, data, problems):
    answer = upload(lead_admin, json.dumps(data).encode())
    assert answer.status_code == 400
    page = answer.content.decode()
    assert [p for p in problems if p not in page] == []
    assert (Journey.objects.count(), Stage.objects.count(), Touchpoint.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"format": "cxprogram.journey/1", "stages": [{"touchpoints": [{"target": Infinity}]}]}',
         "Infinity is not a number JSON allows."),
        (b'{"format": "cxprogram.journey/1", "stages": [{"touchpoints": [{"target": NaN}]}]}',
         "NaN is not a number JSON allows."),
        (json.dumps(document(target=1e400)).replace("Infinity", "1e400").encode(),
         "journey, stages 1, touchpoints 1, target: expected a finite number."),
        (json.dumps(document(name="Till\x00")).encode(),
         "The text at “stages.0.touchpoints.0.name” contains a NUL character, which is not allowed."),
        (b'{"format": "cxprogram.journey/1", "stages": ' + b"[" * 3000 + b"]" * 3000 + b"}",
         "The JSON is nested more than 10 levels deep."),
        (b'{"format": "cxprogram.journey/1", "name": "x", "persona": ' + b'{"a":' * 50 + b"1" + b"}" * 50 + b"}",
         "The JSON is nested more than 10 levels deep."),
    ],
    ids=["infinity", "nan", "overflow-to-infinity", "nul", "deep-lists", "deep-objects"],
)  # fmt: skip
def test_non_finite_numbers_nul_and_deep_nesting_are_refused(lead_admin, body, message):
    answer = upload(lead_admin, body)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert Journey.objects.count() == 0


def test_the_problems_read_in_russian(lead_admin):
    lead_admin.cookies["django_language"] = "ru"
    data = {"format": "cxprogram.journey/1", "name": "Buy", "stages": 7}
    answer = upload(lead_admin, json.dumps(data).encode())
    assert answer.status_code == 400
    assert "ожидается список." in answer.content.decode()
