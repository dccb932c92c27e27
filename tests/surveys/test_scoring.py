"""The score vocabulary (surveys/scoring.py) and the places that read it: each answer's band is the same on the
thank-you page, in the API's band filter, on the case page's labels and in the results' "% satisfied" and
"% easy". CES is settled on the documented rule: 1–3 is easy (happy), 4 neutral, 5–7 unhappy."""

import pytest
from rest_framework.test import APIClient

from surveys.answer_labels import answer_band
from surveys.models import Answer, Question
from surveys.scoring import band, band_q, neutral_range, score_band
from surveys.selectors.metrics import Slice, question_result
from surveys.services.responses import response_submit
from tests.cxprogram.factories import EmployeeFactory, UnitFactory
from tests.surveys.factories import QuestionFactory

QT = Question.Type


@pytest.mark.parametrize(
    ("question_type", "bands"),
    [
        (QT.NPS, "unhappy " * 7 + "neutral " * 2 + "happy " * 2),  # 0..10
        (QT.CSAT, "unhappy unhappy neutral happy happy"),  # 1..5
        (QT.CES, "happy happy happy neutral unhappy unhappy unhappy"),  # 1..7, 1 = very little effort
    ],
)
def test_every_value_of_every_scale_has_its_band(question_type, bands):
    low, high = Question.FIXED_SCALES[question_type]
    assert [band(question_type, value) for value in range(low, high + 1)] == bands.split()


def test_the_neutral_ranges_lie_between_the_bands():
    assert [neutral_range(kind) for kind in (QT.NPS, QT.CSAT, QT.CES)] == [(7, 8), (3, 3), (4, 4)]


def test_a_response_takes_the_band_of_its_first_score_and_other_types_have_none():
    nps, ces = QuestionFactory.build(pk=1, type=QT.NPS), QuestionFactory.build(pk=2, type=QT.CES)
    assert score_band([ces, nps], {1: 0, 2: 3}) == "happy"
    assert score_band([nps, ces], {1: 0, 2: 3}) == "unhappy"
    assert score_band([nps], {}) == "neutral"
    assert band(QT.RATING, 10) == band(QT.YES_NO, 1) == band(QT.NPS, None) == ""


@pytest.mark.django_db
def test_ces_3_is_easy_on_the_thank_you_page_the_results_the_api_and_the_case_page(settings):
    settings.RESULTS_MIN_SAMPLE = 1
    ces = QuestionFactory(type=QT.CES, survey__public_id="effort")
    for value in range(1, 8):
        response_submit(survey=ces.survey, questions=[ces], answers={ces.pk: value}, language="en", source="api")
    result = question_result(Slice(survey=ces.survey), ces)
    assert (round(result.secondary.value, 2), result.secondary.n) == (42.86, 7)  # 1, 2 and 3 of 7 are easy
    happy = Answer.objects.filter(band_q("happy"))
    assert sorted(happy.values_list("number", flat=True)) == [1, 2, 3]
    assert [answer_band(ces, value) for value in (2, 3, 4, 5)] == ["happy", "happy", "neutral", "unhappy"]
    lead = EmployeeFactory(role="cx_lead", unit=UnitFactory(parent=None, kind="company"))
    api = APIClient()
    api.force_authenticate(lead.user)
    for name, expected in (("happy", [1, 2, 3]), ("neutral", [4]), ("unhappy", [5, 6, 7])):
        page = api.get("/api/v1/responses/", {"survey": "effort", "band": name}).json()
        assert sorted(r["answers"][0]["number"] for r in page["results"]) == expected
        assert {r["band"] for r in page["results"]} == {name}
