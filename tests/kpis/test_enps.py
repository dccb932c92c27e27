"""Employee NPS from the anonymous pulse: shown from 5 answers, hidden below, beside the customers' NPS."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from kpis.selectors.recognition import unit_enps
from surveys.models import Answer, Question, Response, Survey
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


def answer(question, unit, score, days_ago=1):
    response = Response.objects.create(
        survey=question.survey, unit=unit, language="ru", source="public_link",
        submitted_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    Answer.objects.create(response=response, question=question, question_type=question.type, number=score)


def test_four_answers_show_nothing(org, pulse):
    store = org["units"]["north_store"]
    for score in (10, 10, 9, 3):
        answer(pulse, store, score)
    result = unit_enps(store)
    assert (result.hidden, result.employee.value, result.employee.n) == (True, None, 4)
    html = render_to_string("kpis/_enps.html", {"enps": result, "unit": store})
    assert '<span class="figure-missing">Hidden</span>' in html
    assert "fewer than 5 answers" in html
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
    answer(pulse, u["south_store"], 10)  # another region
    answer(pulse, u["north_store"], 0, days_ago=120)  # too long ago
    for _ in range(3):
        answer(store_nps, u["north_store"], 10)  # customers, not employees

    region = unit_enps(u["north"])
    assert (region.employee.value, region.employee.n) == (40.0, 5)  # (3 − 1) / 5
    assert unit_enps(u["north_store"]).employee.n == 4
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
