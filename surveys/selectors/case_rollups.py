"""The closed loop of a results slice (how well it closes, and per channel) from the case rollups: a few rows per
month instead of every case joined to its response.

Why rollups rather than the slice's keys copied onto each case: at ten million responses a survey has some 644,000
cases; reading them all, even without the join, and sorting half a million durations twice for the exact medians
costs hundreds of milliseconds, while the case rollups give the CX lead's all-time slice in a dozen month rows
(ALL_UNITS) and a store's in a dozen more. services.case_rollups says how they are kept.

Three reads (four for a slice naming units: their ids first), whatever the slice's size: its CaseCount rows
(grouped by channel and root cause), its CaseMinutes rows (by kind, channel and whole minute), and the cases whose
deadline is still ahead (`due_at >= now`, by index: only the newest). What depends on the moment of reading comes
from the last: a case is "judged" once contacted, finished or past its deadline, and "overdue" while new and past
it, so
    overdue = new − new cases not yet due,
    judged (loop) = contacted + not contacted − not contacted and not yet due,
    judged (channel) = contacted + not contacted − open, not contacted and not yet due.
Exact medians (PostgreSQL's percentile_cont) from the minutes: the middle one or two durations are found by
counting up the whole minutes; a minute whose durations are all equal (its count × sum of squares = sum²) gives its
value without another read, any other minute's durations are read from CaseDuration by index (survey, kind,
microseconds: that minute's rows only), and the two middle values are interpolated as percentile_cont does
(lo + (hi − lo) / 2, to the microsecond, half to even). A slice by segment, value tier or employee, and SQLite,
read the cases themselves (the same figures)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Q, Sum

from cxprogram.models import Channel, Unit
from surveys.models import ALL_UNITS, CaseCount, CaseDuration, CaseMinutes, FollowUp
from surveys.selectors.channels import ChannelLoop, channel_loop_metrics
from surveys.selectors.followups import LoopMetrics, loop_metrics
from surveys.selectors.metrics import Slice, responses_in, share_from, slice_filter
from surveys.selectors.rollups import covers_slice, span_filter

COUNTS = ("cases", "open", "new", "contacted", "in_time", "same_day", "answered", "solved")
Kind = CaseMinutes.Kind


@dataclass(frozen=True)
class SliceLoop:
    metrics: LoopMetrics
    channels: list[ChannelLoop]


def slice_loop(slice_: Slice, *, now: datetime, use_rollups: bool = True) -> SliceLoop:
    """The results page's closed loop for a slice: `loop_metrics` and `channel_loop_metrics` of the cases of the
    slice's responses, equal to theirs, from the case rollups where they cover the slice."""
    if not use_rollups or connection.vendor != "postgresql" or not covers_slice(slice_):
        cases = FollowUp.objects.filter(response__in=responses_in(slice_))
        return SliceLoop(loop_metrics(cases, now=now), channel_loop_metrics(cases, now=now))
    units = unit_ids(slice_)
    place = case_rows(slice_, units)
    rows = CaseCount.objects.filter(place).values("channel", "root_cause")
    counts = list(rows.annotate(**{c: Sum(c) for c in COUNTS}).order_by())
    not_due = (
        FollowUp.objects.filter(slice_filter(slice_, "response__"), due_at__gte=now)
        .values("response__channel")
        .annotate(
            uncontacted=Count("pk", filter=Q(first_contact_at__isnull=True)),
            new=Count("pk", filter=Q(status=FollowUp.Status.NEW)),
            waiting=Count("pk", filter=Q(first_contact_at__isnull=True, status__in=FollowUp.OPEN)),
        )
        .order_by()
    )
    pending = {row["response__channel"]: row for row in not_due}
    minutes = (
        CaseMinutes.objects.filter(place)
        .values("kind", "channel", "minute")
        .annotate(n=Sum("n"), total=Sum("total"), squares=Sum("squares"))
        .order_by("minute")
    )
    histograms: dict[tuple[str, str], list[tuple[int, int, int, int]]] = {}
    for row in minutes:
        if row["n"]:
            histograms.setdefault((row["kind"], row["channel"]), []).append(
                (row["minute"], row["n"], row["total"], int(row["squares"]))
            )
    durations = duration_rows(slice_, units)
    return SliceLoop(_loop(durations, counts, pending, histograms), _channels(durations, counts, pending, histograms))


def case_rows(slice_: Slice, units: list[int] | None) -> Q:
    """The slice over case rollup rows: the same days, units, channel and touchpoint as `slice_filter`; `units` are
    `unit_ids(slice_)` (None: the ALL_UNITS rows)."""
    conditions = {"survey": slice_.survey, "channel": slice_.channel or None, "touchpoint": slice_.touchpoint or None}
    q = Q(**{key: value for key, value in conditions.items() if value is not None})
    q &= span_filter(slice_.date_from, slice_.date_to)
    return q & (Q(unit_id=ALL_UNITS) if units is None else Q(unit_id__in=units))


def unit_ids(slice_: Slice) -> list[int] | None:
    """The units of a slice's subtree and viewer's scope (None: it names neither, so every unit and none). The ids
    themselves, in one small query: with a subquery the planner cannot tell a store from the whole company and reads
    every unit's rows."""
    if slice_.unit is None and slice_.units_in_scope is None:
        return None
    units = Unit.objects.all()
    if slice_.unit is not None:
        units = units.filter(pk__in=Unit.objects.subtree_of(slice_.unit).values("pk"))
    if slice_.units_in_scope is not None:
        units = units.filter(pk__in=slice_.units_in_scope.values("pk"))
    return list(units.values_list("pk", flat=True))


def _total(counts: list[dict], name: str, channel: str | None = None) -> int:
    return sum(row[name] or 0 for row in counts if channel is None or row["channel"] == channel)


def _loop(durations: Q, counts: list[dict], pending: dict, histograms: dict) -> LoopMetrics:
    total = {name: _total(counts, name) for name in COUNTS}
    not_due = {name: sum(row[name] for row in pending.values()) for name in ("uncontacted", "new")}
    judged = total["contacted"] + (total["cases"] - total["contacted"]) - not_due["uncontacted"]
    causes: dict[str, int] = {}
    for row in counts:
        if row["root_cause"]:
            causes[row["root_cause"]] = causes.get(row["root_cause"], 0) + (row["cases"] or 0)
    top = sorted(((code, n) for code, n in causes.items() if n), key=lambda item: (-item[1], item[0]))[:5]
    labels = dict(FollowUp.RootCause.choices)
    medians = {
        kind: _minutes(_median(_merged(histograms, kind), lambda minute, offset, kind=kind: _exact(
            durations, kind, None, minute, offset)))
        for kind in (Kind.CONTACT, Kind.RESOLVE)
    }  # fmt: skip
    return LoopMetrics(
        cases=total["cases"],
        open=total["open"],
        overdue=total["new"] - not_due["new"],
        contacted_in_time=share_from({"n": judged, "hits": total["in_time"]}, min_sample=1),
        median_minutes_to_contact=medians[Kind.CONTACT],
        median_minutes_to_resolve=medians[Kind.RESOLVE],
        top_causes=[(labels[code], n) for code, n in top],
        recovered=share_from({"n": total["answered"], "hits": total["solved"]}, min_sample=1),
    )


def _channels(durations: Q, counts: list[dict], pending: dict, histograms: dict) -> list[ChannelLoop]:
    labels = dict(Channel.choices)
    result = []
    for channel in sorted({row["channel"] for row in counts}):
        contacted = _total(counts, "contacted", channel)
        waiting = pending.get(channel, {}).get("waiting", 0)
        n = contacted + (_total(counts, "cases", channel) - contacted) - waiting
        if n <= 0:
            continue
        median = _median(
            histograms.get((Kind.ANSWER, channel), []),
            lambda minute, offset, channel=channel: _exact(durations, Kind.ANSWER, channel, minute, offset),
        )
        result.append(
            ChannelLoop(
                channel=channel,
                label=str(labels.get(channel, channel or "—")),
                cases=n,
                same_day=share_from({"n": n, "hits": _total(counts, "same_day", channel)}, min_sample=1),
                never_answered=share_from({"n": n, "hits": n - contacted}, min_sample=1),
                median_minutes_to_answer=_minutes(median),
            )
        )
    return sorted(result, key=lambda row: (-row.cases, row.channel))


def _merged(histograms: dict, kind: str) -> list[tuple[int, int, int, int]]:
    """One kind's minutes over every channel, in order."""
    merged: dict[int, list[int]] = {}
    for (k, _channel), rows in histograms.items():
        if k != kind:
            continue
        for minute, n, total, squares in rows:
            sums = merged.setdefault(minute, [0, 0, 0])
            sums[0], sums[1], sums[2] = sums[0] + n, sums[1] + total, sums[2] + squares
    return [(minute, *sums) for minute, sums in sorted(merged.items())]


def _median(minutes: list[tuple[int, int, int, int]], exact) -> timedelta | None:
    """percentile_cont(0.5) of the durations counted by whole minute; `exact(minute, offset)` reads the duration at
    `offset` (from 0) within a minute whose durations differ."""
    n = sum(row[1] for row in minutes)
    if not n:
        return None
    values = []
    for rank in sorted({(n - 1) // 2, n // 2}):
        seen = 0
        for minute, count, total, squares in minutes:
            if rank < seen + count:
                uniform = count * squares == total * total
                values.append(timedelta(microseconds=total // count) if uniform else exact(minute, rank - seen))
                break
            seen += count
    low, high = values[0], values[-1]
    return low if low == high else low + (high - low) / 2


def duration_rows(slice_: Slice, units: list[int] | None) -> Q:
    """The slice over CaseDuration rows (one per case and kind, with its response's local day)."""
    conditions = {
        "survey": slice_.survey,
        "channel": slice_.channel or None,
        "touchpoint": slice_.touchpoint or None,
        "day__gte": slice_.date_from,
        "day__lte": slice_.date_to,
        "unit_id__in": units,
    }
    return Q(**{key: value for key, value in conditions.items() if value is not None})


def _exact(durations: Q, kind: str, channel: str | None, minute: int, offset: int) -> timedelta:
    """The duration at `offset` (from 0) among the slice's durations of `kind` in this whole minute, in order: an
    index range over the minute's few rows."""
    rows = CaseDuration.objects.filter(
        durations, kind=kind, microseconds__gte=minute * MINUTE_US, microseconds__lt=(minute + 1) * MINUTE_US
    )
    if channel is not None:
        rows = rows.filter(channel=channel)
    return timedelta(microseconds=rows.order_by("microseconds").values_list("microseconds", flat=True)[offset])


MINUTE_US = 60_000_000


def _minutes(duration: timedelta | None) -> float | None:
    return None if duration is None else duration.total_seconds() / 60
