"""KPI figures from the closed loop measured per channel as the seeds measure service on complaints: the share of
cases answered the same local day the customer spoke, the share never answered, and the median hours to the first
answer — exactly as `surveys.selectors.channels` counts them for the results pages, per subject and period."""

from collections import defaultdict
from datetime import date, datetime
from statistics import median

from django.db.models import QuerySet

from cxprogram.models import Unit
from surveys.models import FollowUp, Response
from surveys.selectors.channels import loop_counts, loop_judged, minutes_to_answer
from surveys.selectors.metrics import Figure, start_of

from ..models import Kpi

Key = tuple[date, int | None, int | None]  # period start, unit id, employee id


def channel_loop_cases(kpi: Kpi, start: date, end: date, now: datetime) -> QuerySet[FollowUp]:
    """Judged cases whose customer spoke between `start` and `end` (in the KPI's channel when it names one); staff
    entries count toward nobody's KPIs."""
    cases = FollowUp.objects.filter(
        response__submitted_at__gte=start_of(start), response__submitted_at__lt=start_of(end, next_day=True)
    ).exclude(response__source=Response.Source.STAFF)
    if kpi.channel:
        cases = cases.filter(response__channel=kpi.channel)
    return loop_judged(cases, now=now)


def loop_share_aggregates(metric: str) -> dict:
    """n and hits for the share metrics, from `surveys.selectors.channels.loop_counts`."""
    counts = loop_counts()
    return {"n": counts["n"], "hits": counts["same_day" if metric == Kpi.Metric.LOOP_SAME_DAY else "never"]}


def median_hours_figures(
    kpi: Kpi, cases: QuerySet[FollowUp], period, subject: str | None, company: int | None
) -> dict[Key, Figure]:
    """The median hours from the customer's message to the first answer per period and subject, over answered
    cases (n = answered cases). A unit's median covers its subtree, so the durations (one per answered case,
    far fewer than responses) are grouped here rather than added up."""
    answered = cases.filter(first_contact_at__isnull=False).annotate(period=period, waited=minutes_to_answer())
    fields = ["period", "waited"] + ([subject] if subject else [])
    groups: dict[Key, list[float]] = defaultdict(list)
    parents = dict(Unit.objects.values_list("pk", "parent_id")) if kpi.level == Kpi.Level.UNIT else {}
    for row in answered.values_list(*fields).order_by():
        day = row[0].date() if isinstance(row[0], datetime) else row[0]
        hours = row[1].total_seconds() / 3600
        if kpi.level == Kpi.Level.COMPANY:
            groups[(day, company, None)].append(hours)
        elif kpi.level == Kpi.Level.EMPLOYEE:
            if row[2] is not None:
                groups[(day, None, row[2])].append(hours)
        else:
            unit, seen = row[2], set()
            while unit is not None and unit not in seen:
                seen.add(unit)
                groups[(day, unit, None)].append(hours)
                unit = parents.get(unit)
    return {
        key: Figure(value=median(values) if len(values) >= kpi.min_sample else None, n=len(values),
                    min_sample=kpi.min_sample)
        for key, values in groups.items()
    }  # fmt: skip
