"""The themes report on a hand-built fixture: volume, share negative, monthly trend and the impact of a theme
on NPS (customers mentioning it against the rest, with n and the 95% interval), and anonymity."""

from datetime import datetime

import pytest
from django.utils import timezone

from surveys.models import Answer, Question, Response
from surveys.selectors.metrics import Slice
from surveys.selectors.themes import theme_report, top_themes
from surveys.services.text import comments_store, taxonomy_seed_retail
from tests.surveys.factories import QuestionFactory, SurveyFactory

QT = Question.Type


def build(survey, scores_and_comments):
    nps = survey.questions.get(code="nps")
    comment = survey.questions.get(code="why")
    rows = []
    for index, (score, text) in enumerate(scores_and_comments):
        month = 10 if index % 2 else 11
        response = Response.objects.create(
            survey=survey, language="ru", source="api",
            submitted_at=timezone.make_aware(datetime(2026, month, 5, 12)),
        )  # fmt: skip
        Answer.objects.create(response=response, question=nps, question_type=QT.NPS, number=score)
        if text:
            answer = Answer.objects.create(response=response, question=comment, question_type=QT.LONG_TEXT, text=text)
            rows.append((answer.pk, response.pk, text))
    comments_store(rows, replace=False)


def make_survey(**kwargs):
    survey = SurveyFactory(**kwargs)
    QuestionFactory(survey=survey, code="nps", type=QT.NPS, order=1)
    QuestionFactory(survey=survey, code="why", type=QT.LONG_TEXT, order=2, required=False)
    return survey


@pytest.fixture
def fixture(db, settings):
    settings.RESULTS_MIN_SAMPLE = 1
    taxonomy_seed_retail()
    survey = make_survey(public_id="impact")
    build(
        survey,
        [
            # Four customers complain about couriers: one promoter, three detractors -> NPS −50.
            (0, "Курьер опоздал на три часа"),
            (2, "курьеры опаздывают"),
            (6, "The courier was late"),
            (9, "Курьер опоздал, но в целом всё хорошо"),
            # Six do not mention delivery: three promoters, one detractor -> NPS +33.3.
            (10, "Всё отлично"),
            (10, "Great store"),
            (9, ""),
            (8, ""),
            (7, "Нормально"),
            (3, "Скучно"),
        ],
    )
    return survey


def test_impact_of_a_theme_on_nps(fixture):
    report = theme_report(slice_=Slice(survey=fixture))
    assert report.metric == "nps"
    assert report.overall.value == 0  # 4 promoters, 4 detractors of 10
    assert report.commented == 8
    delivery = next(row for row in report.rows if row.theme.code == "delivery")
    assert delivery.responses == 4
    assert delivery.share == 50.0  # of the 8 responses with a comment
    assert (delivery.with_theme.n, round(delivery.with_theme.value, 1)) == (4, -50.0)
    assert (delivery.without.n, round(delivery.without.value, 1)) == (6, 33.3)
    # without − with = 83.3 points; 95% interval from sqrt(7500/4 + 5555.6/6) × 1.96 = ±103.7.
    assert (delivery.difference, delivery.difference_low, delivery.difference_high) == (83.3, -20.4, 187.1)
    assert delivery.drag == 33.3  # 83.3 × 4/10: the points the survey's NPS loses to delivery
    # Each comment counts once, however many of delivery's sub-themes it names («курьер» and «опоздал»).
    assert (delivery.negative.n, delivery.negative.value) == (4, 100.0)
    assert delivery.trend == [(datetime(2026, 10, 1).date(), 2, 2), (datetime(2026, 11, 1).date(), 2, 2)]
    assert report.rows[0].theme.code == "delivery"  # ranked first: it costs the most


def test_report_takes_six_queries_whatever_the_data(fixture, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        theme_report(slice_=Slice(survey=fixture))


def test_anonymous_survey_hides_small_groups(db, settings):
    settings.RESULTS_MIN_SAMPLE = 1
    settings.PULSE_MIN_GROUP = 5
    taxonomy_seed_retail()
    survey = make_survey(public_id="pulse", anonymous=True)
    # Three mention parking (a group under five), seven do not.
    build(survey, [(2, "Парковка забита")] * 3 + [(9, "Хорошо")] * 7)
    report = theme_report(slice_=Slice(survey=survey))
    assert [row.theme.code for row in report.rows] == []
    assert report.hidden == 1
    # With five mentioning and five not, the groups are big enough to show.
    build(survey, [(2, "Парковка забита")] * 2)
    shown = theme_report(slice_=Slice(survey=survey))
    assert [(row.theme.code, row.responses) for row in shown.rows] == [("store", 5)]
    assert shown.rows[0].trend == []  # no months: anonymous answers keep no dates worth showing


def test_top_themes(fixture):
    top = top_themes(Response.objects.filter(survey=fixture))
    assert [(theme.code, n, negative) for theme, n, negative in top] == [("delivery", 4, 4)]
