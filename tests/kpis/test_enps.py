"""Employee NPS from the anonymous pulse: for the latest finished month, shown from 5 answers where no smaller
group can be worked out, hidden otherwise, beside the customers' NPS of the same month."""

from datetime import datetime, time, timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from kpis.selectors.recognition import unit_enps
from surveys.models import Answer, Question, Response, Survey
from surveys.services.responses import anonymous_moment
from surveys.services.rollups import rollup_add
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


@pytest.fixture
def pulse(db):
    survey = SurveyFactory(public_id="pulse", kind=Survey.Kind.EMPLOYEE_PULSE, anonymous=True)
    return QuestionFactory(survey=survey, code="enps", type=QT.NPS)


@pytest.fixture
def store_nps(db):
    survey = SurveyFactory(public_id="store-visit", kind=Survey.Kind.TRANSACTIONAL)
    return QuestionFactory(survey=survey, code="nps", type=QT.NPS)


def last_month():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def answer(question, unit, score, days_ago=None):
    """An answer on the 10th of last month (the latest finished period), or `days_ago` days before today."""
    day = timezone.localdate() - timedelta(days=days_ago) if days_ago is not None else last_month() + timedelta(9)
    moment = timezone.make_aware(datetime.combine(day, time(12)))
    anonymous = question.survey.anonymous
    response = Response.objects.create(
        survey=question.survey, unit=unit, language="ru", source="public_link", anonymous=anonymous,
        submitted_at=anonymous_moment(question.survey, moment) if anonymous else moment,
    )  # fmt: skip
    rows = [Answer(response=response, question=question, question_type=question.type, number=score)]
    rollup_add(response=response, answers=Answer.objects.bulk_create(rows))  # the figures read the rollups


def test_four_answers_show_nothing(org, pulse):
    store = org["units"]["north_store"]
    for score in (10, 10, 9, 3):
        answer(pulse, store, score)
    result = unit_enps(store)
    assert (result.hidden, result.employee) == (True, None)
    html = render_to_string("kpis/_enps.html", {"enps": result, "unit": store})
    assert '<span class="figure-missing">Hidden</span>' in html
    assert "fewer than 5 answers, or a smaller group could be worked out" in html
    assert "n = 4" not in html


def test_five_answers_show_the_exact_enps(org, pulse):
    store = org["units"]["north_store"]
    for score in (10, 10, 9, 7, 3):  # 3 promoters, 1 detractor of 5
        answer(pulse, store, score)
    result = unit_enps(store)
    assert result.hidden is False
    assert (result.employee.value, result.employee.n) == (40.0, 5)
    html = render_to_string("kpis/_enps.html", {"enps": result, "unit": store})
    assert '<span class="figure-value">40</span>' in html
    assert "Hidden" not in html


def test_enps_counts_the_subtree_the_period_and_only_the_pulse(org, pulse, store_nps):
    u = org["units"]
    for score in (10, 9, 9, 8):
        answer(pulse, u["north_store"], score)
    answer(pulse, u["north"], 0)  # the region's own people
    for _ in range(5):  # another region, big enough that the company minus the north isolates nobody
        answer(pulse, u["south_store"], 10)
    answer(pulse, u["north_store"], 0, days_ago=0)  # this month: not over, in no figure yet
    for _ in range(3):
        answer(store_nps, u["north_store"], 10)  # customers, not employees

    region = unit_enps(u["north"])
    assert (region.employee.value, region.employee.n) == (40.0, 5)  # (3 − 1) / 5
    assert region.period == last_month().strftime("%Y-%m")
    assert unit_enps(u["north_store"]).hidden is True


def test_customer_nps_stands_beside_it_with_its_own_minimum(org, pulse, store_nps, settings):
    settings.RESULTS_MIN_SAMPLE = 30
    store = org["units"]["north_store"]
    for score in (10, 10, 10, 10, 0):
        answer(pulse, store, score)
    for score in [10] * 15 + [8] * 10 + [0] * 5:
        answer(store_nps, store, score)
    result = unit_enps(store)
    assert (result.employee.value, result.employee.n) == (pytest.approx(60.0), 5)
    assert result.customer.n == 30
    assert round(result.customer.value, 2) == 33.33
    html = render_to_string("kpis/_enps.html", {"enps": result, "unit": store})
    assert '<span class="figure-value">60</span>' in html
    assert '<span class="figure-value">33</span>' in html


def test_the_threshold_follows_the_setting(org, pulse, settings):
    settings.PULSE_MIN_GROUP = 7
    store = org["units"]["north_store"]
    for score in (10, 10, 9, 7, 3, 9):
        answer(pulse, store, score)
    result = unit_enps(store)
    assert result.hidden is True
    assert "fewer than 7 answers" in render_to_string("kpis/_enps.html", {"enps": result, "unit": store})


def test_a_store_of_five_is_hidden_when_its_region_would_give_away_two(org, pulse):
    u = org["units"]
    for score in (10, 10, 9, 7, 3):
        answer(pulse, u["north_store"], score)
    for score in (0, 0):  # two people working on the region itself
        answer(pulse, u["north"], score)
    assert unit_enps(u["north"]).employee.n == 7
    assert unit_enps(u["north_store"]).hidden is True  # else region − store = the two on the region


def test_the_team_page_shows_enps_to_the_manager_only(org, pulse):
    store = org["units"]["north_store"]
    for score in (10, 10, 9, 7, 3):
        answer(pulse, store, score)
    manager = Client()
    manager.force_login(org["people"]["store_manager"].user)
    page = manager.get(f"/team/{store.pk}/")
    assert page.status_code == 200
    assert "Employee NPS (pulse)" in page.content.decode()
    frontline = Client()
    frontline.force_login(org["people"]["alice"].user)
    assert frontline.get(f"/team/{store.pk}/").status_code == 404
    other = Client()
    other.force_login(org["people"]["south_manager"].user)
    assert other.get(f"/team/{store.pk}/").status_code == 404
