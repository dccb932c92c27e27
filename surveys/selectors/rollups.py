"""Reading the score rollups: whether they cover a slice, and a question's answers counted by score."""

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth

from cxprogram.models import Unit
from surveys.models import ROLLUP_TYPES, ScoreCount


def covers(slice_, question) -> bool:
    """Whether the rollups hold this question's answers at a grain as fine as the slice's filters.

    A slice by segment, value tier or employee is not kept (a customer's segment and tier may change after
    they answered, and the raw engine reads today's), so those read the raw answers."""
    return (
        question.type in ROLLUP_TYPES and slice_.segment is None and not slice_.value_tier and slice_.employee is None
    )


def rollup_filter(slice_) -> Q:
    """The slice over ScoreCount rows: the same days, units, channel and touchpoint as `slice_filter`."""
    conditions = {
        "survey": slice_.survey,
        "day__gte": slice_.date_from,
        "day__lte": slice_.date_to,
        "channel": slice_.channel or None,
        "touchpoint": slice_.touchpoint or None,
    }
    q = Q(**{key: value for key, value in conditions.items() if value is not None})
    if slice_.unit is not None:
        q &= Q(unit_id__in=Unit.objects.subtree_of(slice_.unit).values("pk"))
    if slice_.units_in_scope is not None:
        q &= Q(unit_id__in=slice_.units_in_scope.values("pk"))
    return q


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
    rows = ScoreCount.objects.filter(rollup_filter(slice_), question=question)
    if by == "month":
        rows = rows.annotate(month=TruncMonth("day"))
    rows = rows.values(GROUPS[by], "number").annotate(count=Sum("n")).order_by()
    counts: dict[object, dict[int, int]] = {}
    for row in rows:
        if row["count"]:
            counts.setdefault(row[GROUPS[by]], {})[row["number"]] = row["count"]
    return counts
