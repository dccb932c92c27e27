"""Where KPI figures come from when no rollup holds them: the raw answers, theme mentions, responses and cases a KPI
reads (each leaving out what a person typed in and anonymous answers), and unit figures added up the unit tree."""

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime

from django.db.models import Count, F, Q, QuerySet

from cxprogram.models import Unit
from journeys.selectors.scores import touchpoint_answers
from surveys.models import Answer, Response, Sentiment, Survey, ThemeMention
from surveys.selectors.metrics import Slice, slice_filter
from surveys.selectors.themes import subtree_ids

from ..models import Kpi

M = Kpi.Metric
Key = tuple[date, int | None, int | None]  # period start, unit id, employee id


def day_of(moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def survey_answers(kpi: Kpi, slice_: Slice, types: list[str]) -> QuerySet[Answer]:
    """The answers a survey KPI reads: its questions' answers and those measuring its touchpoints, each once."""
    chosen = Q(question__in=[q.pk for q in kpi.questions.all()])  # ids, so the planner sees the values
    touchpoints = list(kpi.touchpoints.all())
    if touchpoints:
        chosen |= Q(pk__in=touchpoint_answers(slice_, [t.pk for t in touchpoints]).values("pk"))
    # What a person typed in counts toward nobody's KPIs; anonymous answers (the pulse among them) feed no KPI,
    # whose subjects and weekly periods could single out a person.
    return Answer.objects.filter(chosen & slice_filter(slice_, "response__"), question_type__in=types).exclude(
        Q(response__source=Response.Source.STAFF) | Q(response__anonymous=True)
    )


def theme_mentions(kpi: Kpi, slice_: Slice) -> QuerySet[ThemeMention]:
    """Mentions of the KPI's theme (and the themes below it), in its questions' surveys when it names any."""
    mentions = ThemeMention.objects.filter(
        slice_filter(slice_, "response__"), theme_id__in=subtree_ids(kpi.theme.code) if kpi.theme else []
    ).exclude(Q(response__source=Response.Source.STAFF) | Q(response__anonymous=True))  # as survey_answers
    surveys = {q.survey_id for q in kpi.questions.all()}
    return mentions.filter(response__survey__in=surveys) if surveys else mentions


def theme_aggregates() -> dict:
    """Comments mentioning the theme, and those mentioning it negatively (a comment counts once)."""
    return {
        "n": Count("analysis", distinct=True),
        "hits": Count("analysis", distinct=True, filter=Q(sentiment=Sentiment.NEGATIVE)),
    }


def counted_responses(kpi: Kpi, slice_: Slice) -> QuerySet[Response]:
    """Responses of the KPI's questions' surveys, or tagged with its touchpoints, or of every customer survey."""
    responses = Response.objects.filter(slice_filter(slice_)).exclude(
        Q(source=Response.Source.STAFF) | Q(anonymous=True)
    )
    questions = list(kpi.questions.all())
    touchpoints = list(kpi.touchpoints.all())
    if questions or touchpoints:
        chosen = Q(survey__in={q.survey_id for q in questions}) if questions else Q()
        if touchpoints:
            tagged = Q(touchpoint__in=[t.code for t in touchpoints])
            chosen = (chosen | tagged) if questions else tagged
        return responses.filter(chosen)
    return responses.exclude(survey__kind=Survey.Kind.EMPLOYEE_PULSE)


def loop_aggregates(metric: str, now: datetime) -> Callable[[], dict]:
    """The closed loop's shares as `surveys.selectors.results.loop_metrics` counts them, per group."""
    if metric == M.CONTACTED_IN_TIME:
        return lambda: {
            "n": Count("pk", filter=Q(first_contact_at__isnull=False) | Q(due_at__lt=now)),
            "hits": Count("pk", filter=Q(first_contact_at__isnull=False, first_contact_at__lte=F("due_at"))),
        }
    return lambda: {"n": Count("pk", filter=Q(recovered__isnull=False)), "hits": Count("pk", filter=Q(recovered=True))}


def roll_up(grouped) -> dict[Key, dict]:
    """Per-unit aggregates added up to every unit above: a unit's figure covers its whole subtree.

    Counts add up; means are carried as sums (mean × n) and divided again, so the engine's `mean_from` gets the
    subtree's mean and mean of squares. Scores are whole numbers, so mean × n is a whole sum: rounded, it drops
    AVG's float error, and the subtree's sums are exact in whatever order the units come."""
    parents = dict(Unit.objects.values_list("pk", "parent_id"))
    totals: dict[Key, dict] = defaultdict(lambda: defaultdict(float))
    for row in grouped:
        day, n = day_of(row["period"]), row["n"] or 0
        unit = row["subject"]
        seen = set()
        while unit is not None and unit not in seen:  # `seen` guards against a cycle slipping past the admin
            seen.add(unit)
            total = totals[(day, unit, None)]
            for field, value in row.items():
                if field in ("period", "subject"):
                    continue
                total[field] += round((value or 0) * n) if field in ("mean", "mean_sq") else (value or 0)
            unit = parents.get(unit)
    rolled = {}
    for key, total in totals.items():
        row = {field: int(value) if field in ("n", "promoters", "detractors", "hits") else value
               for field, value in total.items()}  # fmt: skip
        if "mean" in row and row["n"]:
            row["mean"], row["mean_sq"] = total["mean"] / row["n"], total["mean_sq"] / row["n"]
        rolled[key] = row
    return rolled
