"""A journey exported as JSON imports back to the same journey; bad documents are refused whole, with reasons."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from journeys.models import Improvement, Journey, Persona, Touchpoint, TouchpointMeasure
from journeys.services.journeys import journey_duplicate, journey_export, journey_import
from surveys.models import Question
from tests.cxprogram.factories import SegmentFactory
from tests.journeys.factories import JourneyFactory, StageFactory, TouchpointFactory, measured_by
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(org):
    survey = SurveyFactory(public_id="delivery")
    csat = QuestionFactory(survey=survey, code="csat", type=Question.Type.CSAT)
    nps = QuestionFactory(survey=SurveyFactory(public_id="relationship"), code="nps", type=Question.Type.NPS)
    persona = Persona.objects.create(name="Family", goals="A furnished home", pains="Waiting all day")
    persona.segments.set([SegmentFactory(code="families", name="Families")])
    journey = JourneyFactory(name="Get my order delivered", persona=persona, owner=org["people"]["lead"],
                             outcome_question=nps, state="current")  # fmt: skip
    order = StageFactory(journey=journey, order=1, name="Order")
    wait = StageFactory(journey=journey, order=2, name="Wait")
    measured_by(TouchpointFactory(stage=order, code="booking", name="Booking <b>", channel="phone", target=3.0,
                                  owner_unit=org["units"]["north_store"], expected_emotion=-1,
                                  description="Call «us»", backstage="CRM"), csat, tagged_only=True)  # fmt: skip
    arrival = TouchpointFactory(stage=wait, code="arrival", name="Arrival", channel="delivery", moment_of_truth=True)
    Improvement.objects.create(touchpoint=arrival, description="Call an hour ahead", customer_value=5, effort=1,
                               owner=org["people"]["store_manager"], status="planned")  # fmt: skip
    Improvement.objects.create(touchpoint=arrival, description="Old idea", status="dropped")
    return journey


def test_export_then_import_gives_the_same_journey(journey):
    document = json.loads(json.dumps(journey_export(journey)))  # through real JSON text
    assert [s["name"] for s in document["stages"]] == ["Order", "Wait"]
    assert document["stages"][0]["touchpoints"][0]["measures"] == [
        {"survey": "delivery", "question": "csat", "tagged_only": True}
    ]
    journey.delete()
    Touchpoint.objects.all().delete()
    copy = journey_import(data=document)
    assert journey_export(copy) == document
    assert (copy.owner.user.username, copy.persona.name, copy.outcome_question.code) == ("lead", "Family", "nps")
    assert TouchpointMeasure.objects.get(touchpoint__code="booking").tagged_only is True


def test_a_document_with_problems_is_refused_whole_with_every_reason(journey):
    document = journey_export(journey)
    document["name"] = "Second"
    document["stages"][0]["touchpoints"][0]["owner_unit"] = "atlantis"
    document["stages"][0]["touchpoints"][0]["measures"][0]["question"] = "missing"
    document["stages"][1]["touchpoints"][0]["channel"] = "pigeon"
    before = (Journey.objects.count(), Touchpoint.objects.count(), Improvement.objects.count())
    with pytest.raises(ValidationError) as refused:
        journey_import(data=document)
    assert refused.value.messages == [
        "touchpoint arrival: this code is already used by another touchpoint.",
        "touchpoint booking: this code is already used by another touchpoint.",
        "stage 1, touchpoint 1: unknown unit “atlantis”.",
        "stage 1, touchpoint 1: unknown question “missing” of survey “delivery”.",
        "stage 2, touchpoint 1 (channel): Value 'pigeon' is not a valid choice.",
    ]
    assert (Journey.objects.count(), Touchpoint.objects.count(), Improvement.objects.count()) == before


@pytest.mark.parametrize("data", [None, [], {"format": "other"}, "text"])
def test_something_else_than_a_journey_is_refused(db, data):
    with pytest.raises(ValidationError) as refused:
        journey_import(data=data)
    assert refused.value.messages == [
        "document: this is not a journey exported by cxprogram (format cxprogram.journey/1)."
    ]
    assert Journey.objects.count() == 0


def test_a_journey_document_without_name_or_stages_says_what_is_missing(db):
    with pytest.raises(ValidationError) as refused:
        journey_import(data={"format": "cxprogram.journey/1", "stages": "many"})
    assert refused.value.messages == ["journey: “name” is required.", "journey, stages: expected a list."]
    assert Journey.objects.count() == 0


def test_duplicate_copies_stages_touchpoints_measures_and_open_improvements_with_free_codes(journey):
    TouchpointFactory(code="booking-2")  # taken: the copy must skip it
    copy = journey_duplicate(journey=journey)
    assert copy.name == "Get my order delivered (copy)"
    codes = list(Touchpoint.objects.filter(stage__journey=copy).order_by("stage__order").values_list("code", flat=True))
    assert codes == ["booking-3", "arrival-2"]
    assert list(Improvement.objects.filter(touchpoint__stage__journey=copy).values_list("description", flat=True)) == [
        "Call an hour ahead"
    ]
    assert TouchpointMeasure.objects.filter(touchpoint__stage__journey=copy).count() == 1


def test_admin_exports_and_imports_json(client, journey):
    lead = journey.owner.user
    lead.is_staff = lead.is_superuser = True
    lead.save()
    client.force_login(lead)
    exported = client.post(
        reverse("admin:journeys_journey_changelist"), {"action": "export_json", "_selected_action": [journey.pk]}
    )
    assert exported["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(exported.content)
    assert document["name"] == "Get my order delivered"

    url = reverse("admin:journeys_journey_import")
    upload = io.BytesIO(json.dumps(document).encode())
    upload.name = "journey.json"
    refused = client.post(url, {"document": upload})
    assert refused.status_code == 400
    assert "this code is already used by another touchpoint" in refused.content.decode()

    broken = io.BytesIO(b"{not json")
    broken.name = "broken.json"
    response = client.post(url, {"document": broken})
    assert response.status_code == 400 and "This is not a JSON file" in response.content.decode()

    journey.delete()
    upload = io.BytesIO(json.dumps(document).encode())
    upload.name = "journey.json"
    imported = client.post(url, {"document": upload})
    assert imported.status_code == 302
    assert Journey.objects.get().name == "Get my order delivered"
