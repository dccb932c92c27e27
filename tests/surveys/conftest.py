import re

import pytest

from surveys.models import Question
from tests.surveys.factories import ChoiceFactory, QuestionFactory, SurveyFactory

QT = Question.Type


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """Tests submit at once; the minimum fill time has its own test."""
    settings.SURVEY_MIN_FILL_SECONDS = 0


@pytest.fixture
def every_type(db):
    """A one-page live survey with one question of every type (text questions optional)."""
    survey = SurveyFactory(public_id="all-types")
    q = {
        "nps": QuestionFactory(survey=survey, code="nps", type=QT.NPS),
        "csat": QuestionFactory(survey=survey, code="csat", type=QT.CSAT),
        "ces": QuestionFactory(survey=survey, code="ces", type=QT.CES),
        "rating": QuestionFactory(survey=survey, code="rating", type=QT.RATING, scale_min=1, scale_max=4),
        "single": QuestionFactory(survey=survey, code="single", type=QT.SINGLE),
        "multiple": QuestionFactory(survey=survey, code="multiple", type=QT.MULTIPLE),
        "yes_no": QuestionFactory(survey=survey, code="yes_no", type=QT.YES_NO),
        "short": QuestionFactory(survey=survey, code="short", type=QT.SHORT_TEXT, required=False),
        "long": QuestionFactory(survey=survey, code="long", type=QT.LONG_TEXT, required=False, max_length=50),
    }
    choices = {
        "single": [ChoiceFactory(question=q["single"], text_en=t, text_ru=t) for t in ("Red", "Blue")],
        "multiple": [ChoiceFactory(question=q["multiple"], text_en=t, text_ru=t) for t in ("Tea", "Coffee", "Milk")],
    }
    return survey, q, choices


def form_state(html: str) -> dict:
    """The hidden fields a browser would send back."""
    fields = {}
    for name in ("state", "lang", "csrfmiddlewaretoken", "ctx"):
        match = re.search(rf'name="{name}" value="([^"]*)"', html)
        if match:
            fields[name] = match.group(1)
    return fields


def submit(client, url, answers: dict, **extra):
    """GET the page, then POST the answers with the page's hidden fields."""
    page = client.get(url, **extra)
    data = {**form_state(page.content.decode()), "next": "1", **answers}
    return client.post(url, data, **extra)
