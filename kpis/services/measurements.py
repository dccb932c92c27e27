"""Computing KPI measurements for all subjects of a period at once.

One grouped query per KPI gives the metric engine's aggregates (surveys.selectors.metrics) per subject and period
bucket. Survey KPIs by month or quarter read them from the KPI score counts (surveys.models.KpiScoreCount: answers
by score per month, unit and employee, only those that count toward KPIs), others the raw answers. Unit KPIs group
by the response's unit and add the additive aggregates up the unit tree, so a unit's figure covers its subtree
exactly as `Slice(unit=...)` does. Measurements are then inserted or updated by their natural key (KPI, period,
subject), so recomputing is idempotent and keeps row ids.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import BigIntegerField, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncQuarter, TruncWeek
from django.utils import timezone

from cxprogram.models import Employee, Unit
from surveys.models import FollowUp, KpiScoreCount, Question, Response
from surveys.scoring import HAPPY as HAPPY_BAND
from surveys.scoring import UNHAPPY, band_q
from surveys.selectors.metrics import (
    HAPPY,
    Figure,
    Slice,
    mean_aggregates,
    mean_from,
    nps_aggregates,
    nps_from,
    share_aggregates,
    share_from,
    start_of,
)

from ..models import Kpi, KpiManualValue, KpiMeasurement
from ..models.kpi import period_bounds
from . import recognition
from .channel_loop import channel_loop_cases, loop_share_aggregates, median_hours_figures
from .sources import (
    Key,
    counted_responses,
    day_of,
    loop_aggregates,
    roll_up,
    survey_answers,
    theme_aggregates,
    theme_mentions,
)

QT = Question.Type
M = Kpi.Metric
TRUNC = {Kpi.Period.WEEK: TruncWeek, Kpi.Period.MONTH: TruncMonth, Kpi.Period.QUARTER: TruncQuarter}

# Which answers a survey metric reads, the engine's aggregates for it, and the engine's figure.
SURVEY_METRICS: dict[str, tuple[list[str], Callable[[], dict], Callable]] = {
    M.NPS: ([QT.NPS], nps_aggregates, nps_from),
    M.CSAT: ([QT.CSAT], lambda: share_aggregates(HAPPY[QT.CSAT]), share_from),
    M.CES: ([QT.CES], mean_aggregates, mean_from),
    M.MEAN: ([QT.NPS, QT.CSAT, QT.CES, QT.RATING], mean_aggregates, mean_from),
    M.YES_SHARE: ([QT.YES_NO], lambda: share_aggregates(Q(number=1)), share_from),
}


def _summed(q: Q | None = None) -> Coalesce:
    return Coalesce(Sum("n", filter=q), 0)


def _mean_sums() -> dict:
    """Counts by score carry a mean as its sums: of the scores and of their squares (divided in `_from_sums`)."""
    score = F("n") * F("number")
    return {
        "answers": _summed(),
        "total": Sum(score, output_field=BigIntegerField()),
        "total_sq": Sum(score * F("number"), output_field=BigIntegerField()),
    }


# The same aggregates as SURVEY_METRICS' over KpiScoreCount rows (answers counted by score); `answers` is their n
# (an aggregate cannot take the name of the column it sums).
ROLLUP_SUMS: dict[str, Callable[[], dict]] = {
    M.NPS: lambda: {
        "answers": _summed(),
        "promoters": _summed(band_q(HAPPY_BAND, question_type=None, types=(QT.NPS,))),
        "detractors": _summed(band_q(UNHAPPY, question_type=None, types=(QT.NPS,))),
    },
    M.CSAT: lambda: {"answers": _summed(), "hits": _summed(HAPPY[QT.CSAT])},
    M.CES: _mean_sums,
    M.MEAN: _mean_sums,
    M.YES_SHARE: lambda: {"answers": _summed(), "hits": _summed(Q(number=1))},
}
ROLLUP_PERIODS = {Kpi.Period.MONTH, Kpi.Period.QUARTER}  # whole months; a week needs the answers' days


@dataclass(frozen=True)
class ComputeResult:
    created: int
    updated: int
    unchanged: int
    newly_met: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def kpi_compute(*, kpi: Kpi, date_from: date, date_to: date, now: datetime | None = None) -> ComputeResult:
    """Compute the KPI for every subject and every period that overlaps `date_from`..`date_to`, in one grouped
    query, and insert or update its measurements. Idempotent: the same data gives the same rows; a subject that
    no longer has data keeps its row as “not enough data”. A period still running is only on track or not: each
    measurement met in a closed period (the first computation after it closes), of a KPI employees can
    influence, is passed to `recognition.achievement_record` (which is idempotent itself)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    start = period_bounds(kpi.period, date_from)[0]
    end = period_bounds(kpi.period, date_to)[1]
    figures = kpi_figures(kpi=kpi, start=start, end=end, now=now)
    # Integration accounts collect answers; they are nobody to measure or reward.
    machines = set(Employee.objects.filter(integration=True).values_list("pk", flat=True))
    figures = {key: figure for key, figure in figures.items() if key[2] not in machines}
    with transaction.atomic():
        Kpi.objects.select_for_update().filter(pk=kpi.pk).first()  # one computation of a KPI at a time
        existing = {
            (m.period_start, m.unit_id, m.employee_id): m
            for m in KpiMeasurement.objects.filter(kpi=kpi, period_start__gte=start, period_start__lte=end)
        }
        new, changed, met = [], [], []
        for key in figures.keys() | existing.keys():
            figure = figures.get(key) or Figure(value=None, n=0, min_sample=kpi.min_sample)
            status = kpi.status_of(figure.value)
            row = existing.get(key)
            values = {"value": figure.value, "n": figure.n, "low": figure.low, "high": figure.high, "status": status}
            if row is None:
                period_start, unit_id, employee_id = key
                row = KpiMeasurement(
                    kpi=kpi,
                    period_start=period_start,
                    period_end=period_bounds(kpi.period, period_start)[1],
                    unit_id=unit_id,
                    employee_id=employee_id,
                    computed_at=now,
                    **values,
                )
                new.append(row)
                if status == KpiMeasurement.Status.MET and row.period_end < today:
                    met.append(row)
            elif any(getattr(row, field) != value for field, value in values.items()):
                if status == KpiMeasurement.Status.MET and row.status != status and row.period_end < today:
                    met.append(row)
                for field, value in values.items():
                    setattr(row, field, value)
                row.computed_at = now
                changed.append(row)
            elif _closed_since_computed(row, today):
                # Judged once, when its period has closed: a target met while the period ran is celebrated now.
                if row.status == KpiMeasurement.Status.MET:
                    met.append(row)
                row.computed_at = now
                changed.append(row)
        KpiMeasurement.objects.bulk_create(new, batch_size=2000)
        KpiMeasurement.objects.bulk_update(
            changed, ["value", "n", "low", "high", "status", "computed_at"], batch_size=500
        )
        if kpi.employee_influence:  # nobody is rewarded (or celebrated) for what they cannot influence
            _achievements_record(kpi, met)
    return ComputeResult(
        created=len(new), updated=len(changed), unchanged=len(existing) - len(changed), newly_met=len(met)
    )


def _closed_since_computed(row: KpiMeasurement, today: date) -> bool:
    """The row was last computed while its period ran, and the period has closed since."""
    return row.period_end < today and timezone.localtime(row.computed_at).date() <= row.period_end


def _achievements_record(kpi: Kpi, met: list[KpiMeasurement]) -> None:
    """Hand each newly met measurement to the recognition work, its KPI and employee already loaded (one query
    for all employees instead of one each); a set-based `achievements_record(measurements=...)`, when the
    recognition work offers one, takes them all at once."""
    if not met:
        return
    employees = Employee.objects.in_bulk({m.employee_id for m in met if m.employee_id})
    for measurement in met:
        measurement.kpi = kpi
        if measurement.employee_id:
            measurement.employee = employees[measurement.employee_id]
    batch = getattr(recognition, "achievements_record", None)
    if batch is not None:
        batch(measurements=met)
        return
    for measurement in met:
        recognition.achievement_record(measurement=measurement)


def kpis_compute_recent(*, today: date | None = None, periods: int = 2, kpis: QuerySet[Kpi] | None = None) -> int:
    """Compute every active KPI for its current period and the `periods - 1` before it (late answers and case
    updates still count). Returns the number of measurements written or confirmed."""
    today = today or timezone.localdate()
    total = 0
    for kpi in (kpis if kpis is not None else Kpi.objects.active()).prefetch_related("questions", "touchpoints"):
        total += kpi_compute(kpi=kpi, date_from=periods_back(kpi.period, today, periods), date_to=today).total
    return total


def periods_back(period: str, today: date, count: int) -> date:
    """The first day of the period `count - 1` periods before the one containing `today`."""
    start = period_bounds(period, today)[0]
    for _ in range(max(count, 1) - 1):
        start = period_bounds(period, start - timedelta(days=1))[0]
    return start


# ---------------------------------------------------------------- figures per subject and period


def kpi_figures(*, kpi: Kpi, start: date, end: date, now: datetime, use_rollups: bool = True) -> dict[Key, Figure]:
    """The KPI's figure for every subject with data in every period bucket between `start` and `end`; from the
    KPI score counts where they cover the KPI (`use_rollups=False`: always from the raw answers)."""
    if kpi.metric == M.MANUAL:
        return _manual_figures(kpi, start, end)
    company = Unit.objects.filter(parent__isnull=True).values_list("pk", flat=True).first()
    if kpi.level == Kpi.Level.COMPANY and company is None:
        return {}
    if use_rollups and _rollups_cover(kpi, start, end):
        return _rollup_figures(kpi, start, end, company)
    if kpi.metric in SURVEY_METRICS:
        types, aggregates, figure_from = SURVEY_METRICS[kpi.metric]
        rows = survey_answers(kpi, Slice(date_from=start, date_to=end), types)
        prefix, time_field = "response__", "response__submitted_at"
        make = lambda row: figure_from(row, kpi.min_sample)  # noqa: E731
    elif kpi.metric == M.LOOP_MEDIAN_HOURS:
        subject = {Kpi.Level.COMPANY: None, Kpi.Level.EMPLOYEE: "owner", Kpi.Level.UNIT: "response__unit"}[kpi.level]
        cases = channel_loop_cases(kpi, start, end, now)
        return median_hours_figures(kpi, cases, TRUNC[kpi.period]("response__submitted_at"), subject, company)
    elif kpi.metric in Kpi.CHANNEL_LOOP_METRICS:
        rows = channel_loop_cases(kpi, start, end, now)
        prefix, time_field = "", "response__submitted_at"
        aggregates = lambda: loop_share_aggregates(kpi.metric)  # noqa: E731
        make = lambda row: share_from(row, kpi.min_sample)  # noqa: E731
    elif kpi.metric in Kpi.LOOP_METRICS:
        rows = FollowUp.objects.filter(
            created_at__gte=start_of(start), created_at__lt=start_of(end, next_day=True)
        ).exclude(response__source=Response.Source.STAFF)
        prefix, time_field = "", "created_at"
        aggregates = loop_aggregates(kpi.metric, now)
        make = lambda row: share_from(row, kpi.min_sample)  # noqa: E731
    elif kpi.metric == M.THEME_NEGATIVE:
        rows = theme_mentions(kpi, Slice(date_from=start, date_to=end))
        prefix, time_field = "response__", "response__submitted_at"
        aggregates = theme_aggregates
        make = lambda row: share_from(row, kpi.min_sample)  # noqa: E731
    else:  # response count
        rows = counted_responses(kpi, Slice(date_from=start, date_to=end))
        prefix, time_field = "", "submitted_at"
        aggregates = lambda: {"n": Count("pk")}  # noqa: E731
        make = lambda row: Figure(value=float(row["n"]), n=row["n"], min_sample=kpi.min_sample)  # noqa: E731

    period = TRUNC[kpi.period](time_field)
    if kpi.level == Kpi.Level.COMPANY:
        grouped = rows.annotate(period=period).values("period").annotate(**aggregates()).order_by()
        return {(day_of(row["period"]), company, None): make(row) for row in grouped}
    if kpi.level == Kpi.Level.EMPLOYEE:
        subject = F("owner") if kpi.metric in Kpi.LOOP_METRICS else F(f"{prefix}employee")
        grouped = (
            rows.annotate(period=period, subject=subject)
            .filter(subject__isnull=False)
            .values("period", "subject")
            .annotate(**aggregates())
            .order_by()
        )
        return {(day_of(row["period"]), None, row["subject"]): make(row) for row in grouped}
    unit = F("response__unit") if kpi.metric in Kpi.LOOP_METRICS else F(f"{prefix}unit")
    grouped = (
        rows.annotate(period=period, subject=unit)
        .filter(subject__isnull=False)
        .values("period", "subject")
        .annotate(**aggregates())
        .order_by()
    )
    return {key: make(row) for key, row in roll_up(grouped).items()}


def _rollups_cover(kpi: Kpi, start: date, end: date) -> bool:
    """Whether the KPI score counts hold the KPI's answers: a survey metric over whole months, by month or quarter,
    of its questions only (answers measuring a touchpoint are not counted by touchpoint)."""
    whole_months = start.day == 1 and (end + timedelta(days=1)).day == 1
    return (
        kpi.metric in ROLLUP_SUMS and kpi.period in ROLLUP_PERIODS and whole_months and not list(kpi.touchpoints.all())
    )


def _rollup_figures(kpi: Kpi, start: date, end: date, company: int | None) -> dict[Key, Figure]:
    """`kpi_figures` from KpiScoreCount: one grouped query by month (and employee or unit), its sums added up
    into quarters where the KPI is quarterly and up the unit tree for unit KPIs, as the raw path does."""
    types, _aggregates, figure_from = SURVEY_METRICS[kpi.metric]
    questions = [q.pk for q in kpi.questions.all() if q.type in types]
    rows = KpiScoreCount.objects.filter(question_id__in=questions, month__gte=start, month__lte=end, n__gt=0)
    subject = {Kpi.Level.EMPLOYEE: "employee_id", Kpi.Level.UNIT: "unit_id"}.get(kpi.level)
    if kpi.level == Kpi.Level.EMPLOYEE:  # ids of deleted employees stay on their rows; their responses name nobody
        rows = rows.filter(employee_id__in=Employee.objects.values("pk"))
    elif kpi.level == Kpi.Level.UNIT:
        rows = rows.filter(unit_id__in=Unit.objects.values("pk"))
    grouped = rows.values("month", *([subject] if subject else [])).annotate(**ROLLUP_SUMS[kpi.metric]()).order_by()
    sums: dict[tuple, dict] = {}
    for row in grouped:
        month = row.pop("month")
        bucket = period_bounds(kpi.period, month)[0] if kpi.period != Kpi.Period.MONTH else month
        total = sums.setdefault((bucket, row.pop(subject) if subject else None), dict.fromkeys(row, 0))
        for field, value in row.items():
            total[field] += value or 0
    rows = [{"period": bucket, "subject": who, **_from_sums(total)} for (bucket, who), total in sums.items()]
    make = lambda row: figure_from(row, kpi.min_sample)  # noqa: E731
    if kpi.level == Kpi.Level.COMPANY:
        return {(row["period"], company, None): make(row) for row in rows}
    if kpi.level == Kpi.Level.EMPLOYEE:
        return {(row["period"], None, row["subject"]): make(row) for row in rows}
    return {key: make(row) for key, row in roll_up(rows).items()}


def _from_sums(total: dict) -> dict:
    """The engine's aggregate row from summed counts: a mean and mean of squares as SQL's AVG gives them."""
    row = {"n": total.pop("answers"), **total}
    if "total" in row:
        n, total, total_sq = row["n"], row.pop("total"), row.pop("total_sq")
        row |= {"mean": total / n, "mean_sq": total_sq / n}
    return row


def _manual_figures(kpi: Kpi, start: date, end: date) -> dict[Key, Figure]:
    values = KpiManualValue.objects.filter(kpi=kpi, period_start__gte=start, period_start__lte=end)
    if kpi.level == Kpi.Level.EMPLOYEE:
        values = values.filter(employee__isnull=False)
    else:
        values = values.filter(unit__isnull=False)
    return {
        (period_start, unit_id, employee_id): Figure(value=value, n=1, min_sample=1)
        for period_start, unit_id, employee_id, value in values.values_list(
            "period_start", "unit_id", "employee_id", "value"
        )
    }


# ---------------------------------------------------------------- values entered by hand


@transaction.atomic
def manual_value_record(
    *,
    kpi: Kpi,
    day: date,
    value: float,
    entered_by: Employee | None,
    employee: Employee | None = None,
    unit: Unit | None = None,
    note: str = "",
) -> KpiManualValue:
    """Store (or correct) a hand-entered value for the period containing `day` and recompute that period.

    The caller has checked that the person may enter it; the subject must fit the KPI's level."""
    if kpi.metric != M.MANUAL:
        raise ValueError("Only KPIs entered by hand take manual values.")
    if (kpi.level == Kpi.Level.EMPLOYEE) != (employee is not None) or (employee is None) == (unit is None):
        raise ValueError("An employee KPI takes an employee; a unit or company KPI takes a unit.")
    period_start = period_bounds(kpi.period, day)[0]
    subject = {"employee": employee} if employee is not None else {"unit": unit}
    record, _created = KpiManualValue.objects.update_or_create(
        kpi=kpi,
        period_start=period_start,
        **subject,
        defaults={"value": value, "note": note, "entered_by": entered_by},
    )
    kpi_compute(kpi=kpi, date_from=period_start, date_to=period_start)
    return record
