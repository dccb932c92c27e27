"""Reads of KPI measurements for the employee page and the team scorecard.

Every function reads a fixed number of queries, whatever the number of KPIs, periods or employees."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, Q, QuerySet
from django.utils import timezone

from cxprogram.models import Employee, Unit
from cxprogram.selectors import Scope
from surveys.charts import TrendChart, trend_chart
from surveys.models import Answer, FollowUp
from surveys.selectors.followups import followups_visible
from surveys.selectors.metrics import Slice
from surveys.selectors.results import verbatims

from ..models import Kpi, KpiMeasurement
from ..models.kpi import period_bounds

M = Kpi.Metric
TREND_PERIODS = {Kpi.Period.WEEK: 13, Kpi.Period.MONTH: 12, Kpi.Period.QUARTER: 8}
SCALES = {M.NPS: (-100.0, 100.0), M.CES: (1.0, 7.0), M.MEAN: (0.0, 10.0)}


@dataclass
class KpiCard:
    """One KPI of one subject: the last complete period, the one before, the period still running (on track or
    not, never judged), the best complete period of the window, and the trend."""

    kpi: Kpi
    current: KpiMeasurement | None = None
    running: KpiMeasurement | None = None
    previous: KpiMeasurement | None = None
    best: KpiMeasurement | None = None
    chart: TrendChart | None = None
    meter: dict = field(default_factory=dict)

    @property
    def change(self) -> float | None:
        """The latest value minus the one before, when both have enough data."""
        if self.current is None or self.previous is None or not (self.current.enough and self.previous.enough):
            return None
        return self.current.value - self.previous.value

    @property
    def change_is_better(self) -> bool | None:
        change = self.change
        if change is None or change == 0:
            return None
        return (change > 0) == (self.kpi.direction == Kpi.Direction.HIGHER)


def period_starts(period: str, today: date, count: int) -> list[date]:
    """The first days of the last `count` periods up to the one containing `today`, oldest first."""
    starts = [period_bounds(period, today)[0]]
    while len(starts) < count:
        starts.append(period_bounds(period, starts[-1] - timedelta(days=1))[0])
    return starts[::-1]


def kpi_cards(
    kpis: list[Kpi], measurements: QuerySet[KpiMeasurement], *, today: date | None = None, chart: bool = True
) -> list[KpiCard]:
    """Cards for `kpis` from one subject's measurements (one query), each with its trend over the last periods."""
    today = today or timezone.localdate()
    windows = {kpi.pk: period_starts(kpi.period, today, TREND_PERIODS[kpi.period]) for kpi in kpis}
    since = min((window[0] for window in windows.values()), default=today)
    by_kpi: dict[int, dict[date, KpiMeasurement]] = {kpi.pk: {} for kpi in kpis}
    for measurement in measurements.filter(kpi__in=[k.pk for k in kpis], period_start__gte=since):
        by_kpi[measurement.kpi_id][measurement.period_start] = measurement
    cards = []
    for kpi in kpis:
        window, found = windows[kpi.pk], by_kpi[kpi.pk]
        rows = [found[start] for start in window if start in found]
        card = KpiCard(kpi=kpi)
        closed = [m for m in rows if m.period_end < today]
        if rows and rows[-1].period_end >= today:
            card.running = rows[-1]
        if closed:
            card.current = closed[-1]
            card.previous = found.get(period_bounds(kpi.period, closed[-1].period_start - timedelta(days=1))[0])
            scored = [m for m in closed if m.enough]
            if scored:
                pick = max if kpi.direction == Kpi.Direction.HIGHER else min
                card.best = pick(scored, key=lambda m: m.value)
        lo, hi = kpi_scale(kpi, [m.value for m in rows if m.enough])
        if chart and any(m.enough for m in rows):
            points = [(_label(kpi.period, start), *_point(found.get(start))) for start in window]
            card.chart = trend_chart(points, lo=lo, hi=hi, width=360, height=140)
        shown = card.current if card.current is not None else card.running
        if shown is not None and shown.enough:
            card.meter = meter(kpi, shown.value, lo, hi)
        cards.append(card)
    return cards


def _point(measurement: KpiMeasurement | None) -> tuple:
    if measurement is None or not measurement.enough:
        return (None, None, None, measurement.n if measurement else 0)
    low = measurement.low if measurement.low is not None else measurement.value
    high = measurement.high if measurement.high is not None else measurement.value
    return (measurement.value, low, high, measurement.n)


def _label(period: str, start: date) -> str:
    if period == Kpi.Period.QUARTER:
        return f"Q{(start.month - 1) // 3 + 1}'{start:%y}"
    if period == Kpi.Period.MONTH:
        return f"{start:%Y-%m}"
    return f"{start:%m-%d}"


def kpi_scale(kpi: Kpi, values: list[float]) -> tuple[float, float]:
    """The y range of a KPI's chart and progress bar: the metric's own scale, or 0 to a little above the data."""
    if kpi.is_share:
        return (0.0, 100.0)
    if kpi.metric in SCALES:
        return SCALES[kpi.metric]
    marks = [kpi.target, *values] + ([kpi.warning] if kpi.warning is not None else [])
    top = max(marks)
    return (0.0, max(1.0, top * 1.2))


def meter(kpi: Kpi, value: float, lo: float, hi: float) -> dict:
    """Attributes of an HTML <meter>: the browser colours the bar by the target and warning bands."""
    clamp = lambda v: min(max(v, lo), hi)  # noqa: E731
    target = clamp(kpi.target)
    warning = clamp(kpi.warning) if kpi.warning is not None else target
    if kpi.direction == Kpi.Direction.HIGHER:
        low, high, optimum = warning, target, hi
    else:
        low, high, optimum = target, warning, lo
    return {"min": lo, "max": hi, "low": low, "high": high, "optimum": optimum, "value": clamp(value)}


def employee_kpi_cards(employee: Employee, *, today: date | None = None) -> list[KpiCard]:
    """The employee's own KPIs (employee level, ones they can influence) with their latest value and trend."""
    kpis = list(Kpi.objects.own_for_employees().filter(level=Kpi.Level.EMPLOYEE).order_by("name"))
    return kpi_cards(kpis, KpiMeasurement.objects.filter(employee=employee), today=today)


def unit_kpi_cards(unit: Unit, *, influence_only: bool, today: date | None = None) -> list[KpiCard]:
    """The unit's KPIs (unit level; company level too for the company itself) with the latest value and trend."""
    levels = [Kpi.Level.UNIT] + ([Kpi.Level.COMPANY] if unit.parent_id is None else [])
    kpis = Kpi.objects.active().filter(level__in=levels).order_by("name")
    if influence_only:
        kpis = kpis.filter(employee_influence=True)
    return kpi_cards(list(kpis), KpiMeasurement.objects.filter(unit=unit), today=today)


@dataclass(frozen=True)
class TeamRow:
    subject: object  # an Employee or a Unit
    cells: list  # per column: (Kpi, its latest KpiMeasurement or None)


@dataclass(frozen=True)
class TeamGrid:
    kpis: list
    rows: list


def latest_grid(kpis: list[Kpi], subjects: list, field: str, *, today: date | None = None) -> TeamGrid:
    """Each subject's measurement of each KPI for its last complete period within the trend window, else the
    period still running (shown as in progress, never judged), in one query."""
    today = today or timezone.localdate()
    if not kpis or not subjects:
        return TeamGrid(kpis=kpis, rows=[TeamRow(s, [(k, None) for k in kpis]) for s in subjects])
    since = min(period_starts(k.period, today, TREND_PERIODS[k.period])[0] for k in kpis)
    latest: dict[tuple[int, int], KpiMeasurement] = {}
    measurements = KpiMeasurement.objects.filter(
        kpi__in=[k.pk for k in kpis],
        period_start__gte=since,
        **{f"{field}__in": [s.pk for s in subjects]},
    ).order_by("period_start")
    for measurement in measurements:
        key = (measurement.kpi_id, getattr(measurement, f"{field}_id"))
        if measurement.period_end < today or key not in latest:
            latest[key] = measurement
    rows = [TeamRow(s, [(k, latest.get((k.pk, s.pk))) for k in kpis]) for s in subjects]
    return TeamGrid(kpis=kpis, rows=rows)


def team_employee_grid(unit: Unit, scope: Scope, *, today: date | None = None) -> TeamGrid:
    """The latest value of every employee KPI (those employees can influence) for the unit's own people."""
    employees = list(scope.employees().filter(unit=unit).select_related("user").order_by("role", "user__last_name"))
    kpis = list(Kpi.objects.own_for_employees().filter(level=Kpi.Level.EMPLOYEE).order_by("name"))
    return latest_grid(kpis, employees, "employee", today=today)


def child_unit_grid(unit: Unit, scope: Scope, *, today: date | None = None) -> TeamGrid:
    """The latest value of every unit KPI for the units directly below `unit` that the viewer may see."""
    children = list(scope.units().filter(parent=unit).order_by("name"))
    kpis = list(Kpi.objects.active().filter(level=Kpi.Level.UNIT).order_by("name")) if children else []
    return latest_grid(kpis, children, "unit", today=today)


def customer_comments(employee: Employee, *, limit: int = 10) -> list[Answer]:
    """The latest comments of customers this employee served, with the response's first score beside them."""
    return list(verbatims(slice_=Slice(employee=employee))[:limit])


def open_cases(employee: Employee, viewer: Scope, *, limit: int = 20) -> list[FollowUp]:
    """Open follow-up cases the employee owns (and, with FOLLOWUP_FRONTLINE_SEES_OWN, those about customers they
    served) that the viewer may see, overdue first."""
    mine = Q(owner=employee)
    if settings.FOLLOWUP_FRONTLINE_SEES_OWN:
        mine |= Q(response__employee=employee)
    return list(
        followups_visible(viewer)
        .filter(mine, status__in=FollowUp.OPEN)
        .select_related("response__customer", "unit")
        .order_by("due_at")[:limit]
    )


def _root_unit_seen(scope: Scope) -> Q:
    """Company KPIs are measured on the root unit; the pages show them only to who sees that unit's page."""
    if scope.is_manager:
        return Q(Exists(scope.units().filter(parent__isnull=True)))
    return Q(pk__in=[]) if scope.employee.unit.parent_id is not None else Q()


def kpis_visible(scope: Scope) -> QuerySet[Kpi]:
    """KPI definitions a person meets on the KPI pages: CX leads all; managers the active unit KPIs, the employee
    KPIs employees can influence, and company KPIs if their subtree holds the company; frontline employees only
    active KPIs they can influence (company ones only when they work at the company itself)."""
    if scope.is_lead:
        return Kpi.objects.all()
    if scope.employee is None:
        return Kpi.objects.none()
    company = Q(level=Kpi.Level.COMPANY) & _root_unit_seen(scope)
    if scope.is_manager:
        return Kpi.objects.active().filter(
            Q(level=Kpi.Level.UNIT) | Q(level=Kpi.Level.EMPLOYEE, employee_influence=True) | company
        )
    return Kpi.objects.own_for_employees().filter(Q(level__in=[Kpi.Level.EMPLOYEE, Kpi.Level.UNIT]) | company)


def measurements_visible(scope: Scope) -> QuerySet[KpiMeasurement]:
    """Measurements the KPI pages show a person. CX leads: all. Managers: those of the units in their subtree (unit
    KPIs; company KPIs on the company unit) and of the people there (KPIs employees can influence). Frontline
    employees: their own (KPIs they can influence) and their unit's KPIs they can influence. Only active KPIs
    for all but CX leads."""
    if scope.is_lead:
        return KpiMeasurement.objects.all()
    me = scope.employee
    if me is None:
        return KpiMeasurement.objects.none()
    own_kpis = Q(kpi__active=True, kpi__employee_influence=True)
    people = own_kpis & Q(kpi__level=Kpi.Level.EMPLOYEE, employee__in=scope.employees())
    unit_levels = Q(kpi__level=Kpi.Level.UNIT) | Q(kpi__level=Kpi.Level.COMPANY, unit__parent__isnull=True)
    if scope.is_manager:
        units = Q(kpi__active=True, unit__in=scope.units()) & unit_levels
    else:
        units = own_kpis & Q(unit=me.unit_id) & unit_levels
    return KpiMeasurement.objects.filter(people | units)
