"""GET /api/v1/journeys/ and the live map of one journey: permissions as on the pages, the same figures, JSON errors."""

from datetime import date

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from journeys.selectors.maps import journey_map
from surveys.models import Question
from surveys.selectors.metrics import Slice
from tests.journeys.factories import JourneyFactory, StageFactory, TouchpointFactory, measured_by, respond
from tests.surveys.factories import QuestionFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


@pytest.fixture
def mapped(org, settings):
    settings.RESULTS_MIN_SAMPLE = 1
    csat = QuestionFactory(type=QT.CSAT)
    journey = JourneyFactory(name="Get my order delivered")
    stage = StageFactory(journey=journey, order=1, name="Receive")
    measured_by(TouchpointFactory(stage=stage, code="courier", name="Courier", target=50), csat)
    TouchpointFactory(stage=stage, code="sms", name="SMS")
    units = org["units"]
    for value, unit in [(5, "north_store"), (4, "north_store"), (1, "south_store")]:
        respond({csat: value}, unit=units[unit])
    return {"journey": journey, **org}


def client_for(mapped, who):
    client = APIClient()
    if who:
        token, _ = Token.objects.get_or_create(user=mapped["people"][who].user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize(
    ("who", "list_status", "map_status", "n"),
    [(None, 401, 401, None), ("alice", 403, 403, None), ("north_manager", 200, 200, 2),
     ("south_manager", 200, 200, 1), ("lead", 200, 200, 3)],
)  # fmt: skip
def test_journeys_api_permissions_and_scoped_scores(mapped, who, list_status, map_status, n):
    client = client_for(mapped, who)
    listed = client.get("/api/v1/journeys/")
    assert listed.status_code == list_status
    detail = client.get(f"/api/v1/journeys/{mapped['journey'].pk}/")
    assert detail.status_code == map_status
    if map_status != 200:
        return
    assert [j["name"] for j in listed.json()["results"]] == ["Get my order delivered"]
    courier, sms = detail.json()["stages"][0]["touchpoints"]
    assert (courier["code"], courier["metric"], courier["score"]["n"]) == ("courier", "csat", n)
    assert (sms["status"], sms["score"]) == ("unmeasured", None)


def test_the_api_map_carries_the_selector_figures(mapped):
    body = client_for(mapped, "lead").get(
        f"/api/v1/journeys/{mapped['journey'].pk}/", {"date_from": "2020-01-01", "date_to": "2030-12-31"}
    )
    assert body.status_code == 200
    courier = body.json()["stages"][0]["touchpoints"][0]
    expected = (
        journey_map(
            journey=mapped["journey"],
            slice_=Slice(date_from=date(2020, 1, 1), date_to=date(2030, 12, 31)),
            previous=None,
        )
        .columns[0]
        .cards[0]
        .score.figure
    )
    assert courier["score"]["value"] == expected.value == pytest.approx(66.6667, abs=1e-4)
    assert (courier["status"], courier["target"], body.json()["period"]) == (
        "met",
        50.0,
        {"date_from": "2020-01-01", "date_to": "2030-12-31"},
    )


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to", "The end date is before the start date."),
     ({"unit": "south-store"}, "unit", "Unknown unit “south-store”, or not yours to use."),
     ({"date_from": "soon"}, "date_from", None)],
)  # fmt: skip
def test_bad_map_parameters_are_json_400s(mapped, params, field, message):
    response = client_for(mapped, "north_manager").get(f"/api/v1/journeys/{mapped['journey'].pk}/", params)
    assert response.status_code == 400
    body = response.json()
    errors = body.get("errors", body)
    assert field in errors
    if message:
        assert message in str(errors[field])


def test_an_unknown_journey_is_404(mapped):
    assert client_for(mapped, "lead").get("/api/v1/journeys/999999/").status_code == 404
