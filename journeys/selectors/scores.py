"""Reads of the journeys app: live touchpoint scores, the journey map, moments of truth, a customer's timeline.

`touchpoint_owner_unit` is also reached by the closed loop through settings, never by importing this app.
"""

import math
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast, TruncMonth

from cxprogram.models import Unit
from journeys.models import Touchpoint
from surveys.models import Answer, Question, Response, ScoreCount, Survey
from surveys.scoring import LOWER_IS_BETTER
from surveys.selectors.metrics import (
    HAPPY_SCORE,
    QT,
    Figure,
    Slice,
    answers_in,
    figure_aggregates,
    figure_for,
    mean_from,
    nps_from,
    share_from,
    slice_filter,
)
from surveys.selectors.results import verbatims
from surveys.selectors.rollups import aggregates_from_counts, covers_slice, rollup_filter, span_filter, with_unit_ids

MEASURE = "question__touchpoint_measures__"


def touchpoint_owner_unit(touchpoint_code: str) -> Unit | None:
    """The unit that owns the touchpoint with this code (the closed loop's second choice of case owner)."""
    if not touchpoint_code:
        return None
    touchpoint = Touchpoint.objects.select_related("owner_unit").filter(code=touchpoint_code).first()
    return touchpoint.owner_unit if touchpoint else None


def touchpoint_answers(slice_: Slice, touchpoint_ids: list[int] | QuerySet | None = None) -> QuerySet[Answer]:
    """The scored answers that measure touchpoints within a slice, one row per answer and touchpoint,
    annotated with `tp` (the touchpoint id). A measure marked `tagged_only` counts only responses that
    carry its touchpoint's code."""
    measured = Q(**{f"{MEASURE}tagged_only": False}) | Q(response__touchpoint=F(f"{MEASURE}touchpoint__code"))
    # Anonymous answers have figures per finished period and large enough group only (their results page); a
    # live map over any dates would let one answer be worked out.
    measured &= Q(response__anonymous=False)
    if touchpoint_ids is not None:
        measured &= Q(**{f"{MEASURE}touchpoint__in": touchpoint_ids})
    # One filter() call, so the measure join is shared by the condition and the `tp` annotation.
    return (
        Answer.objects.filter(measured & slice_filter(slice_, "response__"), number__isnull=False)
        .annotate(tp=F(f"{MEASURE}touchpoint"))
        .order_by()
    )


def sentiment(metric: str, value: float | None, scale: tuple[int, int] | None = None) -> float | None:
    """A score placed on the −2..+2 emotion scale of the journey map, so different metrics share one curve."""
    if value is None:
        return None
    if metric == QT.NPS:
        level = value / 50
    elif metric in (QT.CSAT, QT.YES_NO):
        level = (value - 50) / 25
    elif metric == QT.CES:
        level = (4 - value) / 1.5
    else:
        low, high = scale or (1, 5)
        level = 4 * (value - low) / (high - low) - 2
    return max(-2.0, min(2.0, level))


@dataclass(frozen=True)
class TouchpointScore:
    """A touchpoint's live score for a period, beside the previous period and its target."""

    touchpoint: Touchpoint
    metric: str  # the measuring questions' type; "" when nothing measures the touchpoint
    figure: Figure | None
    previous: Figure | None
    scale: tuple[int, int] | None = None

    @property
    def measured(self) -> bool:
        return bool(self.metric)

    @property
    def change(self) -> float | None:
        """The change since the previous period, when both periods have enough data."""
        if self.figure is None or self.previous is None or not (self.figure.enough and self.previous.enough):
            return None
        return self.figure.value - self.previous.value

    @property
    def improved(self) -> bool | None:
        if self.change is None or self.change == 0:
            return None
        return (self.change < 0) if self.metric in LOWER_IS_BETTER else (self.change > 0)

    @property
    def gap(self) -> float | None:
        """How far the score falls short of the target (positive: below target), in the metric's units."""
        if self.touchpoint.target is None or self.figure is None or not self.figure.enough:
            return None
        shortfall = self.touchpoint.target - self.figure.value
        return -shortfall if self.metric in LOWER_IS_BETTER else shortfall

    @property
    def status(self) -> str:
        """'unmeasured', 'no_data', 'no_target', 'met' or 'below' — the card's colour."""
        if not self.measured:
            return "unmeasured"
        if not self.figure.enough:
            return "no_data"
        if self.gap is None:
            return "no_target"
        return "met" if self.gap <= 0 else "below"

    @property
    def sentiment(self) -> float | None:
        return sentiment(self.metric, self.figure.value if self.figure else None, self.scale)


def previous_period(slice_: Slice) -> Slice:
    """The same slice over the period of the same length just before its own."""
    length = slice_.date_to - slice_.date_from + timedelta(days=1)
    return slice_.but(date_from=slice_.date_from - length, date_to=slice_.date_from - timedelta(days=1))


def touchpoint_metric(touchpoint: Touchpoint) -> tuple[str, tuple[int, int] | None]:
    """The metric a touchpoint is scored by: its first measuring question's type (the admin keeps them alike)."""
    measures = list(touchpoint.measures.all())
    if not measures:
        return "", None
    question = measures[0].question
    return question.type, question.scale


def touchpoint_scores(
    touchpoints: list[Touchpoint], slice_: Slice, previous: Slice | None = None, *, use_rollups: bool = True
) -> list[TouchpointScore]:
    """Scores of the touchpoints (their measures prefetched with questions and surveys) for the period and the one
    before: from the score rollups in one grouped query whenever they cover the slice (plus one query telling which
    surveys hold anonymous answers), else one grouped query over the raw answers per period."""
    if use_rollups and covers_slice(slice_):
        current, before = touchpoint_counts(touchpoints, slice_, previous)
        figures = {tp: figure_from_counts(touchpoint_metric(tp)[0], current.get(tp.pk, {})) for tp in touchpoints}
        earlier = {tp: figure_from_counts(touchpoint_metric(tp)[0], before.get(tp.pk, {})) for tp in touchpoints}
    else:
        current, before = _raw_rows(touchpoints, slice_), _raw_rows(touchpoints, previous)
        figures = {tp: figure_for(touchpoint_metric(tp)[0], current.get(tp.pk)) for tp in touchpoints}
        earlier = {tp: figure_for(touchpoint_metric(tp)[0], before.get(tp.pk)) for tp in touchpoints}
    scores = []
    for touchpoint in touchpoints:
        metric, scale = touchpoint_metric(touchpoint)
        if not metric:
            scores.append(TouchpointScore(touchpoint, "", None, None))
            continue
        previous_figure = earlier[touchpoint] if previous is not None else None
        scores.append(TouchpointScore(touchpoint, metric, figures[touchpoint], previous_figure, scale))
    return scores


def _raw_rows(touchpoints: list[Touchpoint], slice_: Slice | None) -> dict[int, dict]:
    ids = [t.pk for t in touchpoints]
    if slice_ is None or not ids:
        return {}
    grouped = touchpoint_answers(slice_, ids).values("tp").annotate(**figure_aggregates())
    return {row["tp"]: row for row in grouped}


def figure_from_counts(metric: str, counts: dict[int, int]) -> Figure:
    """A touchpoint's headline figure from its answers counted by score, as `figure_for` gives it from the raw
    aggregates."""
    row = aggregates_from_counts(counts, HAPPY_SCORE.get(metric))
    if metric == QT.NPS:
        return nps_from(row)
    if metric in (QT.CSAT, QT.YES_NO):
        return share_from(row)
    return mean_from(row)


def answer_kinds(survey_ids: set[int]) -> tuple[set[int], set[int]]:
    """Of these surveys, those whose every response is anonymous, and those holding anonymous and named responses
    both (a survey whose anonymity was switched after it had answers); one query of two index probes per survey."""
    if not survey_ids:
        return set(), set()
    kinds = Survey.objects.filter(pk__in=survey_ids).values_list(
        "pk",
        Exists(Response.objects.filter(survey=OuterRef("pk"), anonymous=True)),
        Exists(Response.objects.filter(survey=OuterRef("pk"), anonymous=False)),
    )
    kinds = list(kinds)
    return {pk for pk, anonymous, named in kinds if anonymous and not named}, {
        pk for pk, anonymous, named in kinds if anonymous and named
    }


def touchpoint_counts(
    touchpoints: list[Touchpoint], slice_: Slice, previous: Slice | None
) -> tuple[dict[int, dict[int, int]], dict[int, dict[int, int]]]:
    """Per touchpoint, its measuring answers counted by score in the period and in the one before, as
    `touchpoint_answers` would count them: from the score rollups (one grouped query for both periods), a
    `tagged_only` measure reading only the rows of its touchpoint's code. The rollups do not tell anonymous answers
    apart: the questions of surveys with anonymous responses only are left out (the raw path excludes every such
    answer), and those of a survey holding both kinds are counted from the raw answers instead."""
    measures = [(tp, m) for tp in touchpoints for m in tp.measures.all()]
    only_anonymous, mixed = answer_kinds({m.question.survey_id for _tp, m in measures})
    counted = [(tp, m) for tp, m in measures if m.question.survey_id not in only_anonymous | mixed]
    current: dict[int, dict[int, int]] = {}
    before: dict[int, dict[int, int]] = {}
    if counted:
        # Every row of the questions, grouped by touchpoint code too: a tagged-only measure takes its own code's.
        wanted = Q(question_id__in=sorted({m.question_id for _tp, m in counted}))
        narrowed = with_unit_ids(slice_)
        periods = rollup_filter(narrowed)
        if previous is not None:
            same_filters = previous.but(date_from=slice_.date_from, date_to=slice_.date_to) == slice_
            before_narrowed = narrowed if same_filters else with_unit_ids(previous)
            periods |= rollup_filter(before_narrowed.but(date_from=previous.date_from, date_to=previous.date_to))
        now = span_filter(slice_.date_from, slice_.date_to)
        sums = {"cur": Sum("n", filter=now)}
        if previous is not None:
            sums["prev"] = Sum("n", filter=span_filter(previous.date_from, previous.date_to))
        rows = (
            ScoreCount.objects.filter(wanted & periods)
            .values("question_id", "touchpoint", "number")
            .annotate(**sums)
            .order_by()
        )
        for row in rows:
            for tp, m in counted:
                if m.question_id != row["question_id"] or (m.tagged_only and row["touchpoint"] != tp.code):
                    continue
                for name, into in (("cur", current), ("prev", before)):
                    if row.get(name):
                        into.setdefault(tp.pk, Counter())[row["number"]] += row[name]
    if mixed:
        raw = [(slice_, current), (previous, before)] if previous is not None else [(slice_, current)]
        for period, into in raw:
            grouped = (
                touchpoint_answers(period, [t.pk for t in touchpoints])
                .filter(question__survey__in=mixed)
                .values("tp", "number")
                .annotate(count=Count("pk"))
            )
            for row in grouped:
                into.setdefault(row["tp"], Counter())[row["number"]] += row["count"]
    return current, before


@dataclass(frozen=True)
class Importance:
    """How strongly a touchpoint's score goes with the same customers' overall NPS (Pearson r over customers)."""

    r: float | None
    pairs: int
    min_pairs: int

    @property
    def enough(self) -> bool:
        return self.r is not None


def pearson(n: int, sx: float, sy: float, sxy: float, sxx: float, syy: float) -> float | None:
    """Pearson's r from sums; None when either side does not vary."""
    spread = (n * sxx - sx * sx) * (n * syy - sy * sy)
    if n < 2 or spread <= 0:
        return None
    return (n * sxy - sx * sy) / math.sqrt(spread)


def _question_ids(touchpoint: Touchpoint) -> set[int]:
    return {measure.question_id for measure in touchpoint.measures.all()}


def touchpoint_importance(
    touchpoints: list[Touchpoint], slice_: Slice, outcome: Question | None, *, min_pairs: int | None = None
) -> dict[int, Importance]:
    """Per touchpoint, the correlation between each customer's mean touchpoint score and their mean answer to the
    outcome (overall NPS) question in the same period and segment, over customers who answered both; one query
    over the raw answers (heavy at scale: the map reads it as computed in the background, see importance.py).
    For CES (lower is better) the sign is turned, so a positive r always means "better here, more loyal".
    `min_pairs` (default RESULTS_MIN_SAMPLE): fewer customers give no r."""
    minimum = settings.RESULTS_MIN_SAMPLE if min_pairs is None else min_pairs
    # A touchpoint measured by the outcome question itself would correlate perfectly with it: it has no importance.
    touchpoints = [t for t in touchpoints if outcome is not None and outcome.pk not in _question_ids(t)]
    if not touchpoints:
        return {}
    value = Cast(F("number"), FloatField())
    per_customer = (
        touchpoint_answers(slice_, [t.pk for t in touchpoints])
        .filter(response__customer__isnull=False)
        .values("tp", customer=F("response__customer"))
        .annotate(x=Avg(value))
    )
    outcome_slice = Slice(
        date_from=slice_.date_from, date_to=slice_.date_to, segment=slice_.segment, value_tier=slice_.value_tier
    )
    overall = (
        answers_in(outcome_slice, outcome)
        .filter(response__customer__isnull=False)
        .values(customer=F("response__customer"))
        .annotate(y=Avg(value))
        .order_by()
    )
    x_sql, x_params = per_customer.query.sql_with_params()
    y_sql, y_params = overall.query.sql_with_params()
    # Both inner queries are ORM-built with their values as parameters; only their SQL text is nested here.
    sums_of = "SELECT t.tp, COUNT(*), SUM(t.x), SUM(o.y), SUM(t.x * o.y), SUM(t.x * t.x), SUM(o.y * o.y)"
    sql = f"{sums_of} FROM ({x_sql}) t INNER JOIN ({y_sql}) o ON t.customer = o.customer GROUP BY t.tp"  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, (*x_params, *y_params))
        sums = {row[0]: row[1:] for row in cursor.fetchall()}
    result = {}
    for touchpoint in touchpoints:
        n, *rest = sums.get(touchpoint.pk, (0,))
        r = pearson(n, *rest) if n >= max(minimum, 2) else None
        if r is not None and touchpoint_metric(touchpoint)[0] in LOWER_IS_BETTER:
            r = -r  # less effort going with a higher NPS is the same strength of relation
        result[touchpoint.pk] = Importance(r=r, pairs=n, min_pairs=minimum)
    return result


def touchpoint_trend(touchpoint: Touchpoint, slice_: Slice) -> list[tuple[str, Figure]]:
    """The touchpoint's figure per month of the slice (one grouped query)."""
    metric, _scale = touchpoint_metric(touchpoint)
    if not metric:
        return []
    months = (
        touchpoint_answers(slice_, [touchpoint.pk])
        .annotate(month=TruncMonth("response__submitted_at"))
        .values("month")
        .annotate(**figure_aggregates())
        .order_by("month")
    )
    return [(row["month"].strftime("%Y-%m"), figure_for(metric, row)) for row in months]


def touchpoint_comments(touchpoint: Touchpoint, slice_: Slice) -> QuerySet[Answer]:
    """The comments behind a touchpoint's score: text answers of the responses that measured it, newest first."""
    measured = touchpoint_answers(slice_, [touchpoint.pk]).values("response")
    return verbatims(slice_=slice_).filter(response__in=measured)
