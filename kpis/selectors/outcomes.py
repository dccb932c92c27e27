"""Outcome analysis: do the units (or people) and periods that meet a behaviour KPI score better on its CX outcome?

For each behaviour KPI linked to an outcome KPI, the measurements are paired by subject and period: the
outcome's mean where the behaviour was met against where it was not (near or missed), the difference with a
95% Welch interval, and the Pearson correlation of the two KPIs' values across subjects (each subject's mean
over the paired periods). Only measurements with enough data take part, and for unit KPIs only units with no
units below them (a region's figure would count its stores' answers a second time).
"""

import math
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kpis.models import Kpi, KpiMeasurement
from kpis.models.kpi import period_bounds

PERIOD_DAYS = {Kpi.Period.WEEK: 7, Kpi.Period.MONTH: 31, Kpi.Period.QUARTER: 92}


@dataclass(frozen=True)
class OutcomeEffect:
    behaviour: Kpi
    outcome: Kpi
    pairs: int
    met_n: int
    met_mean: float | None
    other_n: int
    other_mean: float | None
    difference: float | None  # outcome where met − where not met
    low: float | None
    high: float | None
    df: float | None
    correlation: float | None  # Pearson r across subjects
    subjects: int
    note: str = ""

    @property
    def significant(self) -> bool:
        return self.low is not None and (self.low > 0 or self.high < 0)


def outcome_effects(kpis: QuerySet[Kpi] | None = None) -> list[OutcomeEffect]:
    """The effect of every active behaviour KPI on its linked outcome KPI (two queries per behaviour KPI)."""
    behaviours = (kpis if kpis is not None else Kpi.objects.active()).filter(outcome__isnull=False)
    return [outcome_effect(kpi) for kpi in behaviours.select_related("outcome").order_by("name")]


def outcome_effect(behaviour: Kpi) -> OutcomeEffect:
    """Pair the behaviour's measurements with its outcome's by subject and period and compare the outcome."""
    outcome = behaviour.outcome
    empty = {"pairs": 0, "met_n": 0, "met_mean": None, "other_n": 0, "other_mean": None, "difference": None,
             "low": None, "high": None, "df": None, "correlation": None, "subjects": 0}  # fmt: skip
    by_employee_unit = behaviour.level == Kpi.Level.EMPLOYEE and outcome.level != Kpi.Level.EMPLOYEE
    if behaviour.level != Kpi.Level.EMPLOYEE and outcome.level == Kpi.Level.EMPLOYEE:
        return OutcomeEffect(
            behaviour, outcome, note=_("A unit KPI cannot be paired with an employee outcome."), **empty
        )
    if PERIOD_DAYS[outcome.period] < PERIOD_DAYS[behaviour.period]:
        return OutcomeEffect(
            behaviour, outcome, note=_("The outcome's period must be as long as the behaviour's or longer."), **empty
        )
    outcomes = {
        (m["period_start"], m["unit_id"], m["employee_id"]): m["value"]
        for m in KpiMeasurement.objects.filter(kpi=outcome, value__isnull=False).values(
            "period_start", "unit_id", "employee_id", "value"
        )
    }
    rows = KpiMeasurement.objects.filter(kpi=behaviour, value__isnull=False)
    if behaviour.level == Kpi.Level.UNIT:  # stores and teams only: a region's figure repeats its stores' answers
        rows = rows.filter(unit__children__isnull=True)
    rows = rows.values("period_start", "unit_id", "employee_id", "employee__unit_id", "value", "status")
    met, other = [], []
    per_subject: dict[tuple, list[tuple[float, float]]] = {}
    for row in rows:
        period = period_bounds(outcome.period, row["period_start"])[0]
        subject = (row["employee__unit_id"], None) if by_employee_unit else (row["unit_id"], row["employee_id"])
        value = outcomes.get((period, *subject))
        if value is None:
            continue
        (met if row["status"] == KpiMeasurement.Status.MET else other).append(value)
        subject_key = (row["unit_id"], row["employee_id"])
        per_subject.setdefault(subject_key, []).append((row["value"], value))
    means = [
        (sum(b for b, _o in pairs) / len(pairs), sum(o for _b, o in pairs) / len(pairs))
        for pairs in per_subject.values()
    ]
    difference, low, high, df = welch(met, other)
    return OutcomeEffect(
        behaviour=behaviour,
        outcome=outcome,
        pairs=len(met) + len(other),
        met_n=len(met),
        met_mean=sum(met) / len(met) if met else None,
        other_n=len(other),
        other_mean=sum(other) / len(other) if other else None,
        difference=difference,
        low=low,
        high=high,
        df=df,
        correlation=pearson(means),
        subjects=len(means),
    )


# ---------------------------------------------------------------- statistics


def welch(a: list[float], b: list[float]) -> tuple[float | None, float | None, float | None, float | None]:
    """mean(a) − mean(b) with its 95% Welch interval and degrees of freedom; Nones below two values a side."""
    if len(a) < 2 or len(b) < 2:
        return (None, None, None, None)
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    var_a = sum((x - mean_a) ** 2 for x in a) / (len(a) - 1)
    var_b = sum((x - mean_b) ** 2 for x in b) / (len(b) - 1)
    difference = mean_a - mean_b
    va, vb = var_a / len(a), var_b / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return (difference, difference, difference, None)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    margin = t_quantile(0.975, df) * se
    return (difference, difference - margin, difference + margin, df)


def pearson(points: list[tuple[float, float]]) -> float | None:
    """Pearson's r of (x, y) points; None below three points or when either side does not vary."""
    if len(points) < 3:
        return None
    mean_x = sum(x for x, _y in points) / len(points)
    mean_y = sum(y for _x, y in points) / len(points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    sxx = sum((x - mean_x) ** 2 for x, _y in points)
    syy = sum((y - mean_y) ** 2 for _x, y in points)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def t_cdf(t: float, df: float) -> float:
    """Student's t distribution function, from the regularised incomplete beta function."""
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t value below which a share `p` (0.5 < p < 1) of the distribution lies, by bisection."""
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2
    for _step in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) by the continued fraction (modified Lentz), using the symmetry for fast convergence."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return result
