"""Reading the rollups: whether they cover a slice; a question's answers counted by score or by choice; a slice's
responses and comments counted."""

from datetime import date, timedelta

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth

from cxprogram.models import Unit
from surveys.models import ALL_UNITS, ROLLUP_TYPES, ChoiceCount, Question, ResponseCount, ScoreCount


def covers_slice(slice_) -> bool:
    """Whether the rollups' grain (day, unit, channel, touchpoint) is as fine as the slice's filters.

    A slice by segment, value tier or employee is not kept (a customer's segment and tier may change after
    they answered, and the raw engine reads today's), so those read the raw answers."""
    return slice_.segment is None and not slice_.value_tier and slice_.employee is None


def covers(slice_, question) -> bool:
    """Whether the score rollups hold this question's answers for the slice."""
    return question.type in ROLLUP_TYPES and covers_slice(slice_)


def covers_choices(slice_, question) -> bool:
    """Whether the choice rollups hold this choice or text question's answers for the slice."""
    return (question.type in Question.CHOICE_TYPES or question.type in Question.TEXT_TYPES) and covers_slice(slice_)


def span_filter(date_from: date | None, date_to: date | None) -> Q:
    """The rollup rows that count every local day from `date_from` to `date_to` (either open) exactly once: month
    rows for the whole months inside, day rows for the days at the edges."""
    first = None if date_from is None else date_from if date_from.day == 1 else _next_month(date_from)
    after = None if date_to is None else date_to + ONE_DAY if (date_to + ONE_DAY).day == 1 else date_to.replace(day=1)
    if first is not None and after is not None and first >= after:  # no whole month inside: days only
        return Q(monthly=False, **_range(date_from, date_to))
    q = Q(monthly=True, **_range(first, None if after is None else after - ONE_DAY))
    if date_from is not None and date_from < first:
        q |= Q(monthly=False, day__gte=date_from, day__lt=first)
    if date_to is not None and after <= date_to:
        q |= Q(monthly=False, day__gte=after, day__lte=date_to)
    return q


ONE_DAY = timedelta(days=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _range(date_from: date | None, date_to: date | None) -> dict:
    return {key: value for key, value in (("day__gte", date_from), ("day__lte", date_to)) if value is not None}


def rollup_filter(slice_, *, by_unit: bool = False) -> Q:
    """The slice over rollup rows: the same days, units, channel and touchpoint as `slice_filter`. A slice that names
    no unit reads the rows of all units together, unless its counts are wanted per unit (`by_unit`)."""
    conditions = {
        "survey": slice_.survey,
        "channel": slice_.channel or None,
        "touchpoint": slice_.touchpoint or None,
    }
    q = Q(**{key: value for key, value in conditions.items() if value is not None}) & span_filter(
        slice_.date_from, slice_.date_to
    )
    if slice_.unit is None and slice_.units_in_scope is None:
        return q & (Q(unit_id__gte=0) if by_unit else Q(unit_id=ALL_UNITS))
    if slice_.unit is not None:
        q &= Q(unit_id__in=Unit.objects.subtree_of(slice_.unit).values("pk"))
    if slice_.units_in_scope is not None:
        scope = slice_.units_in_scope
        q &= Q(unit_id__in=scope if isinstance(scope, list) else scope.values("pk"))
    return q


def with_unit_ids(slice_):
    """The slice with its unit subtree and the viewer's units resolved into one list of unit ids (one small query):
    a list lets the rollups' (question, unit, day) index narrow to those units, where a subquery makes PostgreSQL
    read every unit's rows of the days and filter them."""
    scope = slice_.units_in_scope
    if slice_.unit is None and (scope is None or isinstance(scope, list)):
        return slice_
    units = Unit.objects.all()
    if slice_.unit is not None:
        units = units.filter(pk__in=Unit.objects.subtree_of(slice_.unit).values("pk"))
    if scope is not None:
        units = units.filter(pk__in=scope if isinstance(scope, list) else scope.values("pk"))
    return slice_.but(unit=None, units_in_scope=sorted(units.values_list("pk", flat=True)))


def score_counts(slice_, question) -> dict[int, int]:
    """How many answers of each score the question got in the slice, in one query."""
    rows = (
        ScoreCount.objects.filter(rollup_filter(slice_), question=question)
        .values("number")
        .annotate(count=Sum("n"))
        .order_by()
    )
    return {row["number"]: row["count"] for row in rows if row["count"]}


def aggregates_from_counts(counts: dict[int, int], happy=None) -> dict:
    """The engine's aggregate row (n, promoters, detractors, mean, mean_sq, hits) from counts by score."""
    n = sum(counts.values())
    if not n:
        return {"n": 0, "promoters": 0, "detractors": 0, "mean": None, "mean_sq": None, "hits": 0}
    return {
        "n": n,
        "promoters": sum(c for score, c in counts.items() if score >= 9),
        "detractors": sum(c for score, c in counts.items() if score <= 6),
        "mean": sum(score * c for score, c in counts.items()) / n,
        "mean_sq": sum(score * score * c for score, c in counts.items()) / n,
        "hits": sum(c for score, c in counts.items() if happy is not None and happy(score)),
    }


def score_counts_by_question(slice_, questions) -> dict[int, dict[int, int]]:
    """Every given question's answers counted by score in the slice, in one grouped query."""
    rows = (
        ScoreCount.objects.filter(rollup_filter(slice_), question__in=[q.pk for q in questions])
        .values("question_id", "number")
        .annotate(count=Sum("n"))
        .order_by()
    )
    counts: dict[int, dict[int, int]] = {q.pk: {} for q in questions}
    for row in rows:
        if row["count"]:
            counts[row["question_id"]][row["number"]] = row["count"]
    return counts


# Breakdowns the rollups can answer: the group's expression over ScoreCount rows.
GROUPS = {"month": "month", "unit": "unit_id", "channel": "channel", "touchpoint": "touchpoint"}


def score_counts_by_group(slice_, question, by: str) -> dict[object, dict[int, int]]:
    """The question's answers counted by score per group (month, unit, channel, touchpoint), in one query."""
    rows = ScoreCount.objects.filter(rollup_filter(slice_, by_unit=by == "unit"), question=question)
    if by == "month":
        rows = rows.annotate(month=TruncMonth("day"))
    rows = rows.values(GROUPS[by], "number").annotate(count=Sum("n")).order_by()
    counts: dict[object, dict[int, int]] = {}
    for row in rows:
        if row["count"]:
            counts.setdefault(row[GROUPS[by]], {})[row["number"]] = row["count"]
    return counts


def choice_counts_by_question(slice_, questions) -> dict[int, dict[int, int]]:
    """Every given choice (or text) question's answers counted per choice in the slice, in one grouped query; the
    key `ChoiceCount.RESPONDENTS` (0) holds how many responses answered the question."""
    rows = (
        ChoiceCount.objects.filter(rollup_filter(slice_), question__in=[q.pk for q in questions])
        .values("question_id", "choice_id")
        .annotate(count=Sum("n"))
        .order_by()
    )
    counts: dict[int, dict[int, int]] = {q.pk: {} for q in questions}
    for row in rows:
        if row["count"]:
            counts[row["question_id"]][row["choice_id"]] = row["count"]
    return counts


def response_totals(slice_) -> tuple[int, int]:
    """How many responses the slice holds, and how many comments of responses that are not anonymous."""
    row = ResponseCount.objects.filter(rollup_filter(slice_)).aggregate(r=Sum("responses"), c=Sum("comments"))
    return row["r"] or 0, row["c"] or 0


def score_counts_by_question_and_month(slice_, questions) -> dict[int, dict[object, dict[int, int]]]:
    """Every given score question's answers counted by score per month in the slice, in one grouped query (the
    results page's figures and its trend from one pass over the rows)."""
    rows = (
        ScoreCount.objects.filter(rollup_filter(slice_), question__in=[q.pk for q in questions])
        .annotate(month=TruncMonth("day"))
        .values("question_id", "month", "number")
        .annotate(count=Sum("n"))
        .order_by()
    )
    counts: dict[int, dict[object, dict[int, int]]] = {q.pk: {} for q in questions}
    for row in rows:
        if row["count"]:
            counts[row["question_id"]].setdefault(row["month"], {})[row["number"]] = row["count"]
    return counts
