"""Results that invite a click: touchpoints offered by name, comments linked to their case and customer (never a
customer of an anonymous survey), charts fitted to the data, and plain counts during a pilot below the minimum
sample — never for anonymous surveys."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.models import Journey, Stage, Touchpoint
from surveys.charts import fitted_range
from surveys.models import Answer, FollowUp, Question, Response
from surveys.services.rollups import rollup_add
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


def respond(survey, score, *, comment="", customer=None, touchpoint="", days_ago=1):
    response = Response.objects.create(
        survey=survey, customer=customer, touchpoint=touchpoint, language="en", source="api",
        submitted_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    nps, text = survey.questions.get(type=QT.NPS), survey.questions.get(type=QT.LONG_TEXT)
    answers = [Answer.objects.create(response=response, question=nps, question_type=QT.NPS, number=score)]
    if comment:
        answers.append(Answer.objects.create(response=response, question=text, question_type=text.type, text=comment))
    rollup_add(response=response, answers=answers)
    return response


@pytest.fixture
def pilot(org):
    surveys = {}
    for public_id, anonymous in (("pilot", False), ("secret", True)):
        survey = SurveyFactory(public_id=public_id, anonymous=anonymous)
        QuestionFactory(survey=survey, code="nps", type=QT.NPS, order=1)
        QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, order=2, required=False)
        surveys[public_id] = survey
    vera = CustomerFactory(name="Vera Pilot")
    for score in (10, 9, 8, 3, 0):
        respond(surveys["pilot"], score, touchpoint="checkout")
        respond(surveys["secret"], score, customer=vera)
    unhappy = respond(surveys["pilot"], 2, comment="Too slow at the till", customer=vera, touchpoint="checkout")
    case = FollowUp.objects.create(response=unhappy, reason_codes=[["nps", 2]], due_at=timezone.now())
    respond(surveys["secret"], 1, comment="Secret words", customer=vera)
    journey = Journey.objects.create(name="Buy")
    Touchpoint.objects.create(stage=Stage.objects.create(journey=journey, name="Pay", order=1), code="checkout",
                              name="Paying at the till")  # fmt: skip
    return {"surveys": surveys, "vera": vera, "case": case}


def test_pilot_counts_show_below_the_minimum_sample_but_never_for_anonymous_surveys(admin_client, pilot):
    page = admin_client.get(reverse("results-detail", args=["pilot"]))
    assert page.context["results"].main.headline.value is None  # 6 answers: no score
    assert "So far: 2 promoters, 1 passives, 3 detractors — counts, not yet a score." in page.content.decode()
    secret = admin_client.get(reverse("results-detail", args=["secret"]))
    assert secret.status_code == 200 and "So far:" not in secret.content.decode()


def test_comments_link_their_case_and_customer_but_not_in_anonymous_surveys(admin_client, pilot):
    page = admin_client.get(reverse("results-detail", args=["pilot"])).content.decode()
    assert pilot["case"].get_absolute_url() in page
    assert reverse("customer-timeline", args=[pilot["vera"].pk]) in page
    secret = admin_client.get(reverse("results-detail", args=["secret"])).content.decode()
    # An anonymous survey has aggregate outputs only: six answers in a running month show no comment at all.
    assert "Secret words" not in secret and reverse("customer-timeline", args=[pilot["vera"].pk]) not in secret


def test_touchpoints_are_chosen_by_name_and_unknown_ones_refused(admin_client, pilot):
    page = admin_client.get(reverse("results-detail", args=["pilot"]) + "?touchpoint=checkout")
    assert page.status_code == 200
    assert '<option value="checkout" selected>Paying at the till</option>' in page.content.decode()
    assert page.context["results"].responses == 6
    assert admin_client.get(reverse("results-detail", args=["pilot"]) + "?touchpoint=%3Cscript%3E").status_code == 400


@pytest.mark.parametrize(
    ("points", "scale", "expected"),
    [
        ([("a", 25.0, 18.0, 31.0, 40), ("b", 33.0, 27.0, 39.0, 40)], (-100, 100), (0, 50)),
        ([("a", 4.1, 3.9, 4.3, 40)], (1, 7), (3.0, 5.0)),
        ([("a", None, None, None, 3)], (-100, 100), (-100, 100)),
        ([("a", -95.0, -100.0, -88.0, 40)], (-100, 100), (-100, -70)),
    ],
)
def test_charts_are_scaled_to_the_data(points, scale, expected):
    assert fitted_range(points, lo=scale[0], hi=scale[1]) == expected
