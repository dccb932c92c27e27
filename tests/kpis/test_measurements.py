"""KPI measurements: the same figures as the metric engine for the same slice, at every level and period;
statuses, minimum samples, idempotent recomputation, and one query per KPI whatever the number of subjects."""

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cxprogram.models import Unit
from journeys.models import Journey, Stage, Touchpoint, TouchpointMeasure
from kpis.models import Kpi, KpiMeasurement
from kpis.models.kpi import period_bounds
from kpis.services import measurements as service
from kpis.services.measurements import kpi_compute, manual_value_record
from surveys.models import Answer, FollowUp, Question, Response
from surveys.selectors.followups import loop_metrics
from surveys.selectors.metrics import (
    HAPPY,
    Slice,
    answers_in,
    mean_aggregates,
    mean_from,
    nps_aggregates,
    nps_from,
    share_aggregates,
    share_from,
)
from surveys.services.rollups import responses_delete, rollup_add
from tests.cxprogram.factories import EmployeeFactory
from tests.kpis.factories import KpiFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
S = KpiMeasurement.Status
JAN, MAR = date(2026, 1, 1), date(2026, 3, 31)


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def respond(survey, scores: dict, *, employee=None, unit=None, day: date, hour: int = 12, touchpoint: str = ""):
    response = Response.objects.create(
        survey=survey,
        employee=employee,
        unit=unit if unit is not None else (employee.unit if employee else None),
        language="en",
        source="api",
        submitted_at=at(day, hour),
        touchpoint=touchpoint,
    )
    answers = Answer.objects.bulk_create(
        [Answer(response=response, question=q, question_type=q.type, number=v) for q, v in scores.items()]
    )
    rollup_add(response=response, answers=answers)  # counted as the submission service counts them
    return response


@pytest.fixture
def visits(org):
    """A store-visit survey answered 240 times over January–March 2026 about the org's frontline employees,
    their stores without an employee, and with no unit at all; seeded, so the figures are fixed."""
    survey = SurveyFactory(public_id="visit")
    q = {
        "nps": QuestionFactory(survey=survey, code="nps", type=QT.NPS),
        "csat": QuestionFactory(survey=survey, code="csat", type=QT.CSAT),
        "ces": QuestionFactory(survey=survey, code="ces", type=QT.CES),
        "polite": QuestionFactory(survey=survey, code="polite", type=QT.YES_NO),
        "rating": QuestionFactory(survey=survey, code="rating", type=QT.RATING, scale_min=0, scale_max=10),
    }
    people = org["people"]
    servers = [people["alice"], people["bob"], people["carol"], None]
    rng = random.Random(7)
    for i in range(240):
        employee = servers[i % 4]
        unit = None if employee else (org["units"]["north_store"] if i % 8 == 3 else None)
        day = JAN + timedelta(days=rng.randint(0, 89))
        respond(
            survey,
            {
                q["nps"]: rng.randint(0, 10),
                q["csat"]: rng.randint(1, 5),
                q["ces"]: rng.randint(1, 7),
                q["polite"]: rng.randint(0, 1),
                q["rating"]: rng.randint(0, 10),
            },
            employee=employee,
            unit=unit,
            day=day,
            hour=rng.choice([0, 12, 23]),  # around midnight: the period is the local day's
        )
    return survey, q


def engine_figure(kpi: Kpi, slice_: Slice, question) -> object:
    answers = answers_in(slice_, question)
    return {
        Kpi.Metric.NPS: lambda: nps_from(answers.aggregate(**nps_aggregates()), kpi.min_sample),
        Kpi.Metric.CSAT: lambda: share_from(answers.aggregate(**share_aggregates(HAPPY[QT.CSAT])), kpi.min_sample),
        Kpi.Metric.CES: lambda: mean_from(answers.aggregate(**mean_aggregates()), kpi.min_sample),
        Kpi.Metric.MEAN: lambda: mean_from(answers.aggregate(**mean_aggregates()), kpi.min_sample),
    }[kpi.metric]()


def periods(kind: str) -> list[tuple[date, date]]:
    start, out = JAN, []
    while start <= MAR:
        bounds = period_bounds(kind, start)
        out.append(bounds)
        start = bounds[1] + timedelta(days=1)
    return out


@pytest.mark.parametrize("metric, question", [("nps", "nps"), ("csat", "csat"), ("ces", "ces"), ("mean", "rating")])
def test_employee_kpi_equals_the_engine_for_each_employee_and_month(org, visits, metric, question):
    _survey, q = visits
    kpi = KpiFactory(metric=metric, level="employee", period="month", min_sample=5, questions=[q[question]])
    result = kpi_compute(kpi=kpi, date_from=JAN, date_to=MAR)

    checked = 0
    for name in ("alice", "bob", "carol"):
        employee = org["people"][name]
        for start, end in periods("month"):
            expected = engine_figure(kpi, Slice(employee=employee, date_from=start, date_to=end), q[question])
            m = KpiMeasurement.objects.get(kpi=kpi, employee=employee, period_start=start)
            assert (m.value, m.n, m.low, m.high, m.period_end) == (expected.value, expected.n, expected.low,
                                                                   expected.high, end)  # fmt: skip
            checked += 1
    assert checked == 9
    assert result.created == KpiMeasurement.objects.filter(kpi=kpi).count() == 9  # nobody else served


@pytest.mark.parametrize(
    "metric, question, period", [("nps", "nps", "quarter"), ("csat", "csat", "month"), ("ces", "ces", "week")]
)
def test_unit_kpi_covers_the_subtree_like_the_engine(org, visits, metric, question, period):
    _survey, q = visits
    kpi = KpiFactory(metric=metric, level="unit", period=period, min_sample=3, questions=[q[question]])
    kpi_compute(kpi=kpi, date_from=JAN, date_to=MAR)

    stored = {(m.unit_id, m.period_start): m for m in KpiMeasurement.objects.filter(kpi=kpi)}
    expected_rows = 0
    for unit in Unit.objects.all():
        for start, end in periods(period):
            expected = engine_figure(kpi, Slice(unit=unit, date_from=start, date_to=end), q[question])
            if expected.n == 0:
                assert (unit.pk, start) not in stored
                continue
            expected_rows += 1
            m = stored[(unit.pk, start)]
            assert m.n == expected.n
            for got, want in ((m.value, expected.value), (m.low, expected.low), (m.high, expected.high)):
                # sums carried up the tree may differ from the engine's AVG in the last bits
                assert got == (None if want is None else pytest.approx(want, rel=1e-12, abs=1e-12))
    assert len(stored) == expected_rows
    # The company unit's figure holds every answer with a unit: the two stores together
    company = org["units"]["company"]
    stores = [org["units"]["north_store"].pk, org["units"]["south_store"].pk]
    for (unit_id, start), m in stored.items():
        if unit_id == company.pk:
            assert m.n == sum(stored[(s, start)].n for s in stores if (s, start) in stored)


def test_company_kpi_counts_every_response_including_those_without_a_unit(org, visits):
    _survey, q = visits
    kpi = KpiFactory(metric="yes_share", level="company", period="quarter", min_sample=30, questions=[q["polite"]])
    kpi_compute(kpi=kpi, date_from=JAN, date_to=MAR)

    m = KpiMeasurement.objects.get(kpi=kpi)
    slice_ = Slice(date_from=JAN, date_to=MAR)
    expected = share_from(answers_in(slice_, q["polite"]).aggregate(**share_aggregates(Q(number=1))), 30)
    assert (m.unit_id, m.employee_id, m.period_start, m.period_end) == (org["units"]["company"].pk, None, JAN, MAR)
    assert (m.value, m.n, m.low, m.high) == (expected.value, expected.n, expected.low, expected.high)
    assert m.n == 240


def test_touchpoint_kpi_reads_the_measuring_questions_tagged_answers(org, visits):
    survey, q = visits
    stage = Stage.objects.create(journey=Journey.objects.create(name="Buy"), name="Visit")
    till = Touchpoint.objects.create(stage=stage, code="till", name="Till", channel="store")
    TouchpointMeasure.objects.create(touchpoint=till, question=q["nps"], tagged_only=True)
    TouchpointMeasure.objects.create(touchpoint=till, question=q["csat"], tagged_only=True)  # not an NPS: skipped
    alice = org["people"]["alice"]
    for score in (10, 9, 2):
        respond(survey, {q["nps"]: score, q["csat"]: 5}, employee=alice, day=date(2026, 2, 10), touchpoint="till")
    kpi = KpiFactory(metric="nps", level="employee", period="month", min_sample=1)
    kpi.touchpoints.set([till])
    kpi_compute(kpi=kpi, date_from=JAN, date_to=MAR)

    m = KpiMeasurement.objects.get(kpi=kpi)
    expected = engine_figure(kpi, Slice(employee=alice, touchpoint="till", date_from=date(2026, 2, 1),
                                         date_to=date(2026, 2, 28)), q["nps"])  # fmt: skip
    assert (m.employee_id, m.period_start, m.n, m.value) == (alice.pk, date(2026, 2, 1), 3, expected.value)
    assert round(m.value, 2) == 33.33  # 2 promoters, 1 detractor of 3


def test_closed_loop_kpi_by_case_owner_equals_loop_metrics(org, visits):
    survey, q = visits
    manager, north_manager = org["people"]["store_manager"], org["people"]["north_manager"]
    now = at(date(2026, 4, 15))
    cases = []
    # (owner, opened, due, first contact): in time, late, never contacted and overdue, not yet due (not judged)
    plan = [
        (manager, date(2026, 2, 2), date(2026, 2, 2), date(2026, 2, 2)),
        (manager, date(2026, 2, 3), date(2026, 2, 3), date(2026, 2, 5)),
        (manager, date(2026, 2, 4), date(2026, 2, 4), None),
        (manager, date(2026, 2, 20), date(2026, 2, 20), date(2026, 2, 20)),
        (north_manager, date(2026, 2, 9), date(2026, 2, 9), date(2026, 2, 9)),
        (manager, date(2026, 3, 30), date(2026, 4, 30), None),
    ]
    for owner, opened, due, contacted in plan:
        response = respond(survey, {q["nps"]: 3}, unit=owner.unit, day=opened)
        case = FollowUp.objects.create(
            response=response, owner=owner, unit=owner.unit, reason_codes=[["nps", 3]], due_at=at(due, 18),
            first_contact_at=at(contacted, 15) if contacted else None,
        )  # fmt: skip
        FollowUp.objects.filter(pk=case.pk).update(created_at=at(opened, 10))
        cases.append(case)
    kpi = KpiFactory(metric="contacted_in_time", level="employee", period="month", min_sample=1, target=80,
                     warning=60)  # fmt: skip
    kpi_compute(kpi=kpi, date_from=JAN, date_to=MAR, now=now)

    february = FollowUp.objects.filter(owner=manager, created_at__gte=at(date(2026, 2, 1), 0),
                                       created_at__lt=at(date(2026, 3, 1), 0))  # fmt: skip
    expected = loop_metrics(february, now=now).contacted_in_time
    m = KpiMeasurement.objects.get(kpi=kpi, employee=manager, period_start=date(2026, 2, 1))
    assert (m.value, m.n, m.low, m.high) == (expected.value, expected.n, expected.low, expected.high)
    assert (m.value, m.n, m.status) == (50.0, 4, S.MISSED)
    march = KpiMeasurement.objects.get(kpi=kpi, employee=manager, period_start=date(2026, 3, 1))
    assert (march.n, march.value, march.status) == (0, None, S.NO_DATA)  # not due yet: not judged
    other = KpiMeasurement.objects.get(kpi=kpi, employee=north_manager)
    assert (other.value, other.status) == (100.0, S.MET)

    unit_kpi = KpiFactory(metric="contacted_in_time", level="unit", period="quarter", min_sample=1)
    kpi_compute(kpi=unit_kpi, date_from=JAN, date_to=MAR, now=now)
    north = KpiMeasurement.objects.get(kpi=unit_kpi, unit=org["units"]["north"])  # both managers' cases
    assert (north.n, north.value) == (5, 60.0)


def test_response_count_and_manual_values(org, visits):
    _survey, q = visits
    count = KpiFactory(metric="response_count", level="unit", period="quarter", target=50, warning=40, min_sample=100)
    count.questions.set([q["nps"]])
    kpi_compute(kpi=count, date_from=JAN, date_to=MAR)
    north = KpiMeasurement.objects.get(kpi=count, unit=org["units"]["north_store"])
    expected = Response.objects.filter(unit=org["units"]["north_store"]).count()
    assert (north.value, north.n, north.low) == (float(expected), expected, None)  # no minimum, no interval
    assert north.status == (S.MET if expected >= 50 else S.NEAR if expected >= 40 else S.MISSED)

    mystery = KpiFactory(metric="manual", level="unit", period="quarter", target=85, warning=75)
    manager = org["people"]["store_manager"]
    manual_value_record(kpi=mystery, day=date(2026, 2, 17), value=80, entered_by=manager,
                        unit=org["units"]["north_store"])  # fmt: skip
    m = KpiMeasurement.objects.get(kpi=mystery)
    assert (m.period_start, m.value, m.n, m.status) == (JAN, 80.0, 1, S.NEAR)
    manual_value_record(kpi=mystery, day=date(2026, 3, 2), value=90, entered_by=manager,
                        unit=org["units"]["north_store"])  # fmt: skip
    assert list(KpiMeasurement.objects.filter(kpi=mystery).values_list("pk", "value", "status")) == [
        (m.pk, 90.0, S.MET)
    ]
    with pytest.raises(ValueError):
        manual_value_record(kpi=mystery, day=JAN, value=1, entered_by=manager, employee=org["people"]["alice"])


@pytest.mark.parametrize(
    "direction, target, warning, value, status",
    [
        ("higher", 50, 30, 50.0, S.MET),
        ("higher", 50, 30, 49.9, S.NEAR),
        ("higher", 50, 30, 30.0, S.NEAR),
        ("higher", 50, 30, 29.9, S.MISSED),
        ("higher", 50, None, 49.9, S.MISSED),
        ("lower", 3.0, 3.5, 3.0, S.MET),
        ("lower", 3.0, 3.5, 2.1, S.MET),
        ("lower", 3.0, 3.5, 3.5, S.NEAR),
        ("lower", 3.0, 3.5, 3.6, S.MISSED),
        ("lower", 3.0, 3.5, None, S.NO_DATA),
    ],
)
def test_status_from_target_warning_and_direction(direction, target, warning, value, status):
    kpi = Kpi(direction=direction, target=target, warning=warning)
    assert kpi.status_of(value) == status


def test_lower_is_better_end_to_end(org, visits):
    survey, q = visits
    alice = org["people"]["alice"]
    kpi = KpiFactory(metric="ces", level="employee", period="month", direction="lower", target=2.0, warning=3.0,
                     min_sample=2, questions=[q["ces"]])  # fmt: skip
    dave = EmployeeFactory(unit=alice.unit)
    for effort in (2, 1, 2, 3):
        respond(survey, {q["ces"]: effort}, employee=dave, day=date(2026, 4, 4))
    kpi_compute(kpi=kpi, date_from=date(2026, 4, 1), date_to=date(2026, 4, 30))
    m = KpiMeasurement.objects.get(kpi=kpi, employee=dave)
    assert (m.value, m.n, m.status) == (2.0, 4, S.MET)  # mean of 2, 1, 2, 3


def test_below_the_minimum_sample_there_is_no_value_but_the_count(org, visits):
    survey, q = visits
    alice = org["people"]["alice"]
    april = date(2026, 4, 1)
    kpi = KpiFactory(metric="nps", level="employee", period="month", min_sample=5, questions=[q["nps"]])
    for _ in range(4):
        respond(survey, {q["nps"]: 10}, employee=alice, day=april)
    kpi_compute(kpi=kpi, date_from=april, date_to=april)
    m = KpiMeasurement.objects.get(kpi=kpi, period_start=april)
    assert (m.value, m.n, m.low, m.high, m.status) == (None, 4, None, None, S.NO_DATA)

    respond(survey, {q["nps"]: 10}, employee=alice, day=april)
    kpi_compute(kpi=kpi, date_from=april, date_to=april)
    m.refresh_from_db()
    assert (m.value, m.n, m.status) == (100.0, 5, S.MET)


def test_recomputation_is_idempotent_and_follows_changes(org, visits, monkeypatch):
    survey, q = visits
    awarded = []
    monkeypatch.setattr(
        service.recognition, "achievements_record", lambda *, measurements: awarded.extend(m.pk for m in measurements)
    )
    kpi = KpiFactory(metric="nps", level="employee", period="month", min_sample=1, target=-40, warning=-60,
                     questions=[q["nps"]])  # fmt: skip
    first = kpi_compute(kpi=kpi, date_from=JAN, date_to=MAR)
    rows = sorted(KpiMeasurement.objects.filter(kpi=kpi).values_list("pk", "employee_id", "period_start", "value",
                                                                     "n", "status"))  # fmt: skip
    met = [r[0] for r in rows if r[5] == S.MET]
    assert (first.created, first.updated, len(rows)) == (9, 0, 9)
    assert sorted(awarded) == met and len(met) == 4  # each met measurement passed once to the recognition work

    second = kpi_compute(kpi=kpi, date_from=JAN, date_to=MAR)
    assert (second.created, second.updated, second.unchanged, second.newly_met) == (0, 0, 9, 0)
    assert sorted(KpiMeasurement.objects.filter(kpi=kpi).values_list("pk", "employee_id", "period_start", "value",
                                                                     "n", "status")) == rows  # fmt: skip
    assert sorted(awarded) == met  # nothing awarded twice

    alice = org["people"]["alice"]
    january = KpiMeasurement.objects.get(kpi=kpi, employee=alice, period_start=JAN)
    for _ in range(30):
        respond(survey, {q["nps"]: 0}, employee=alice, day=date(2026, 1, 20))
    third = kpi_compute(kpi=kpi, date_from=JAN, date_to=MAR)
    assert (third.created, third.updated) == (0, 1)
    changed = KpiMeasurement.objects.get(pk=january.pk)
    expected = engine_figure(kpi, Slice(employee=alice, date_from=JAN, date_to=date(2026, 1, 31)), q["nps"])
    assert (changed.n, changed.value, changed.status) == (january.n + 30, expected.value, S.MISSED)

    responses_delete(responses=Response.objects.filter(employee=alice, submitted_at__lt=at(date(2026, 2, 1), 0)))
    kpi_compute(kpi=kpi, date_from=JAN, date_to=JAN)
    gone = KpiMeasurement.objects.get(pk=january.pk)
    assert (gone.n, gone.value, gone.status) == (0, None, S.NO_DATA)
    assert KpiMeasurement.objects.filter(kpi=kpi).count() == 9


def test_one_grouped_query_per_kpi_whatever_the_number_of_employees(org, visits):
    survey, q = visits
    # (no awards here: employees cannot influence these, so only the figures and the writes are counted)
    kpi = KpiFactory(metric="nps", level="employee", period="month", employee_influence=False, questions=[q["nps"]])
    unit_kpi = KpiFactory(metric="nps", level="unit", period="month", employee_influence=False, questions=[q["nps"]])

    def queries(k):
        KpiMeasurement.objects.filter(kpi=k).delete()
        with CaptureQueriesContext(connection) as captured:
            kpi_compute(kpi=k, date_from=JAN, date_to=MAR)
        return len(captured)

    before = (queries(kpi), queries(unit_kpi))
    store = org["units"]["south_store"]
    for i in range(25):
        respond(survey, {q["nps"]: i % 11}, employee=EmployeeFactory(unit=store), day=date(2026, 2, 1 + i))
    assert (queries(kpi), queries(unit_kpi)) == before
    assert KpiMeasurement.objects.filter(kpi=kpi).count() == 9 + 25


def test_awards_only_for_kpis_employees_can_influence_and_in_one_batch_when_offered(org, visits, monkeypatch):
    _survey, q = visits
    calls = []
    monkeypatch.delattr(service.recognition, "achievements_record")  # first the one-by-one path
    monkeypatch.setattr(service.recognition, "achievement_record", lambda *, measurement: calls.append(measurement))
    hidden = KpiFactory(metric="nps", employee_influence=False, target=-100, warning=None, questions=[q["nps"]])
    assert kpi_compute(kpi=hidden, date_from=JAN, date_to=MAR).newly_met == 9
    assert calls == []  # met, but nobody is rewarded for what they cannot influence

    own = KpiFactory(metric="nps", target=-100, warning=None, questions=[q["nps"]])
    kpi_compute(kpi=own, date_from=JAN, date_to=MAR)
    assert len(calls) == 9 and {m.kpi for m in calls} == {own}
    calls.clear()
    batch = lambda *, measurements: calls.append(sorted(m.employee.user.username for m in measurements))  # noqa: E731
    monkeypatch.setattr(service.recognition, "achievements_record", batch, raising=False)
    KpiMeasurement.objects.filter(kpi=own).delete()
    kpi_compute(kpi=own, date_from=JAN, date_to=MAR)
    assert calls == [["alice"] * 3 + ["bob"] * 3 + ["carol"] * 3]


def test_beat_task_computes_the_current_and_previous_period(org, visits, monkeypatch):
    from kpis import tasks

    _survey, q = visits
    kpi = KpiFactory(metric="nps", level="unit", period="month", questions=[q["nps"]])
    monkeypatch.setattr(service.timezone, "localdate", lambda: date(2026, 3, 15))
    assert tasks.compute_recent_kpis() == KpiMeasurement.objects.filter(kpi=kpi).count() > 0
    assert set(KpiMeasurement.objects.filter(kpi=kpi).values_list("period_start", flat=True)) == {
        date(2026, 2, 1),
        date(2026, 3, 1),
    }
    assert tasks.compute_kpi(kpi.pk, "2026-01-01", "2026-01-31") > 0
    assert tasks.compute_kpi(10**6, "2026-01-01", "2026-01-31") == 0
