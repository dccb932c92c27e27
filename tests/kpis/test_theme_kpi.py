"""A KPI whose source is the share of negative mentions of a theme: per unit (with its subtree) and per
employee, a comment counted once however many of the theme's sub-themes it names."""

from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kpis.models import KpiMeasurement
from kpis.services.measurements import kpi_compute
from surveys.models import Answer, Question, Response, Survey, Theme
from surveys.services.text import comments_store, taxonomy_seed_retail
from tests.kpis.factories import KpiFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


def comment(survey, question, text, *, employee, day):
    response = Response.objects.create(
        survey=survey, employee=employee, unit=employee.unit, language="ru", source="api",
        submitted_at=timezone.make_aware(datetime.combine(day, time(12))),
    )  # fmt: skip
    answer = Answer.objects.create(response=response, question=question, question_type=QT.LONG_TEXT, text=text)
    return (answer.pk, response.pk, text)


@pytest.fixture
def mentions(org):
    taxonomy_seed_retail()
    survey = SurveyFactory(public_id="visit")
    why = QuestionFactory(survey=survey, code="why", type=QT.LONG_TEXT, required=False)
    alice, carol = org["people"]["alice"], org["people"]["carol"]
    rows = [
        comment(survey, why, "Курьер опоздал", employee=alice, day=date(2026, 1, 5)),  # negative (2 sub-themes)
        comment(survey, why, "Курьер очень вежливый", employee=alice, day=date(2026, 1, 6)),  # positive
        comment(survey, why, "Доставка сорвана, ужас", employee=alice, day=date(2026, 1, 7)),  # negative
        comment(survey, why, "Курьеры опаздывают", employee=carol, day=date(2026, 1, 8)),  # negative
        comment(survey, why, "Всё отлично", employee=carol, day=date(2026, 1, 9)),  # no delivery theme
        comment(survey, why, "Курьер опоздал", employee=carol, day=date(2026, 2, 9)),  # next month
    ]
    comments_store(rows, replace=False)
    return org


def test_share_of_negative_delivery_mentions_per_unit_and_employee(mentions):
    org = mentions
    delivery = Theme.objects.get(code="delivery")
    unit_kpi = KpiFactory(metric="theme_negative", theme=delivery, level="unit", period="month", min_sample=1,
                          target=20, direction="lower")  # fmt: skip
    kpi_compute(kpi=unit_kpi, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
    by_unit = {m.unit_id: m for m in KpiMeasurement.objects.filter(kpi=unit_kpi)}
    north, company = by_unit[org["units"]["north_store"].pk], by_unit[org["units"]["company"].pk]
    assert (north.n, round(north.value, 1)) == (3, 66.7)  # 2 of alice's 3 delivery comments are negative
    assert (company.n, company.value) == (4, 75.0)  # both stores: 3 of 4
    assert north.status == KpiMeasurement.Status.MISSED

    employee_kpi = KpiFactory(metric="theme_negative", theme=delivery, level="employee", period="month",
                              min_sample=1, target=20, direction="lower")  # fmt: skip
    kpi_compute(kpi=employee_kpi, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
    by_employee = {m.employee_id: (m.n, m.value) for m in KpiMeasurement.objects.filter(kpi=employee_kpi)}
    assert by_employee == {org["people"]["alice"].pk: (3, pytest.approx(66.667, abs=1e-3)),
                           org["people"]["carol"].pk: (1, 100.0)}  # fmt: skip


def test_a_theme_kpi_needs_its_theme(mentions):
    kpi = KpiFactory.build(metric="theme_negative", theme=None, code="no-theme")
    with pytest.raises(ValidationError) as error:
        kpi.full_clean()
    assert error.value.message_dict["theme"] == ["Choose the theme whose mentions count."]


def test_anonymous_and_typed_in_comments_move_no_theme_kpi(mentions):
    """A pulse comment is nobody's to be judged on, and what a manager types in counts toward nobody."""
    org = mentions
    pulse = SurveyFactory(public_id="pulse", anonymous=True)
    why = QuestionFactory(survey=pulse, code="why", type=QT.LONG_TEXT, required=False)
    rows = [comment(pulse, why, "Курьер опоздал", employee=org["people"]["alice"], day=date(2026, 1, 10))]
    Response.objects.filter(pk=rows[0][1]).update(employee=None, anonymous=True)
    visit = Survey.objects.get(public_id="visit")
    typed = comment(visit, visit.questions.get(), "Курьер опоздал", employee=org["people"]["alice"],
                    day=date(2026, 1, 11))  # fmt: skip
    Response.objects.filter(pk=typed[1]).update(source=Response.Source.STAFF)
    comments_store([*rows, typed], replace=False)
    kpi = KpiFactory(metric="theme_negative", theme=Theme.objects.get(code="delivery"), level="unit",
                     period="month", min_sample=1, target=20, direction="lower")  # fmt: skip
    kpi_compute(kpi=kpi, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
    north = KpiMeasurement.objects.get(kpi=kpi, unit=org["units"]["north_store"])
    assert (north.n, round(north.value, 1)) == (3, 66.7)  # alice's three comments only, as without these two
