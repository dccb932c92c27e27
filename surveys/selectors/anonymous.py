"""Aggregate-only results of anonymous surveys (the employee pulse and every survey marked anonymous).

Figures exist per fixed calendar period (PULSE_PERIOD: month or quarter) and per unit subtree only, and only for
the units `anonymity.published_units` lets through for that period and question; comments are given without
score, date, unit or order. Nothing here returns a response or an answer row."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from cxprogram.models import Unit
from surveys.anonymity import period_end, period_label, period_start, periods_back, published_units
from surveys.models import Answer, Question, ResponseCount, ScoreCount, Survey
from surveys.selectors.metrics import HAPPY_SCORE, QT, Figure, mean_from, nps_from, share_from, start_of
from surveys.selectors.rollups import aggregates_from_counts, span_filter
from surveys.selectors.themes import comments_matching

SCORED = (QT.NPS, QT.CSAT, QT.CES, QT.RATING, QT.YES_NO)


def period_kind() -> str:
    return settings.PULSE_PERIOD


def minimum_group() -> int:
    return max(settings.PULSE_MIN_GROUP, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date

    @property
    def end(self) -> date:
        return period_end(self.kind, self.start)

    @property
    def label(self) -> str:
        return period_label(self.kind, self.start)

    @classmethod
    def containing(cls, day: date) -> "Period":
        kind = period_kind()
        return cls(kind, period_start(kind, day))


def _in_period(period: Period, prefix: str = "") -> Q:
    return Q(
        **{f"{prefix}submitted_at__gte": start_of(period.start), f"{prefix}submitted_at__lt": start_of(period.end)}
    )


def _tree() -> dict[int, int | None]:
    return dict(Unit.objects.values_list("pk", "parent_id"))


def _rows_by_unit(
    survey: Survey, period: Period, question: Question | None, parents: dict[int, int | None]
) -> dict[int | None, dict]:
    """Per unit the answered count and the sums a figure needs, from the rollups' month rows (a period is whole
    months); unit-less answers, and those of units deleted since, count at the root as the raw answers would."""
    span = Q(survey=survey, unit_id__gte=0) & span_filter(period.start, period.end - timedelta(days=1))
    if question is None:
        rows = ResponseCount.objects.filter(span).values("unit_id").annotate(n=Sum("responses")).order_by()
        totals: dict[int | None, dict] = defaultdict(lambda: {"n": 0})
        for row in rows:
            totals[row["unit_id"] if row["unit_id"] in parents else None]["n"] += row["n"] or 0
        return {unit: row for unit, row in totals.items() if row["n"]}
    counts: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = ScoreCount.objects.filter(span, question=question).values("unit_id", "number").annotate(c=Sum("n"))
    for row in rows.order_by():
        counts[row["unit_id"] if row["unit_id"] in parents else None][row["number"]] += row["c"] or 0
    happy = HAPPY_SCORE.get(question.type, lambda score: score == 1)
    by_unit = {unit: aggregates_from_counts({k: v for k, v in c.items() if v}, happy) for unit, c in counts.items()}
    return {unit: row for unit, row in by_unit.items() if row["n"]}


def _roll_up(rows: dict[int | None, dict], parents: dict[int, int | None]) -> dict[int, dict]:
    """Per-unit sums added up the tree, so each unit carries its whole subtree (means as mean × n)."""
    roots = [unit for unit, parent in parents.items() if parent is None]
    totals: dict[int, dict] = defaultdict(lambda: defaultdict(float))
    for unit, row in rows.items():
        if unit is None:
            unit = roots[0] if len(roots) == 1 else None
        n = row.get("n") or 0
        seen = set()
        while unit is not None and unit not in seen:
            seen.add(unit)
            for field, value in row.items():
                totals[unit][field] += (value or 0) * n if field in ("mean", "mean_sq") else (value or 0)
            unit = parents.get(unit)
    rolled = {}
    for unit, total in totals.items():
        row = dict(total)
        row["n"] = int(row.get("n", 0))
        if row["n"] and "mean" in row:
            row["mean"], row["mean_sq"] = row["mean"] / row["n"], row["mean_sq"] / row["n"]
        rolled[unit] = row
    return rolled


def _own_counts(rows: dict[int | None, dict], parents: dict[int, int | None]) -> dict[int, int]:
    roots = [unit for unit, parent in parents.items() if parent is None]
    counts: dict[int, int] = defaultdict(int)
    for unit, row in rows.items():
        key = unit if unit is not None else (roots[0] if len(roots) == 1 else None)
        if key is not None:
            counts[key] += row.get("n") or 0
    return counts


def _figure(question: Question, row: dict) -> Figure:
    minimum = minimum_group()
    if question.type == QT.NPS:
        return nps_from(row, min_sample=minimum)
    if question.type in (QT.CSAT, QT.YES_NO):
        return share_from(row, min_sample=minimum)
    return mean_from(row, min_sample=minimum)


@dataclass(frozen=True)
class Published:
    """What may be shown for one survey, period and question (None: the respondents themselves)."""

    units: set[int]
    rows: dict[int, dict]  # per unit, its subtree's aggregates

    def figure(self, question: Question, unit_id: int) -> Figure | None:
        if unit_id not in self.units:
            return None
        return _figure(question, self.rows[unit_id])

    def count(self, unit_id: int) -> int | None:
        return self.rows[unit_id]["n"] if unit_id in self.units else None


def published(
    survey: Survey, period: Period, question: Question | None = None, parents: dict | None = None
) -> Published:
    """The units whose figure for this question (or whose comments and answer count) may be shown in the period."""
    parents = _tree() if parents is None else parents
    rows = _rows_by_unit(survey, period, question, parents)
    units = published_units(_own_counts(rows, parents), parents, minimum_group())
    return Published(units=units, rows=_roll_up(rows, parents))


@dataclass(frozen=True)
class QuestionFigure:
    question: Question
    figure: Figure | None  # None: hidden for this unit and period


@dataclass(frozen=True)
class BreakdownRow:
    unit: Unit
    figure: Figure | None


@dataclass(frozen=True)
class AnonymousResults:
    """Everything the results page of an anonymous survey shows for one unit subtree and one period."""

    period: Period
    unit: Unit
    respondents: int | None  # None: hidden
    questions: list[QuestionFigure]
    main: QuestionFigure | None
    trend: list[tuple[str, Figure | None]]  # (period label, figure) oldest first
    breakdown: list[BreakdownRow]  # the units directly below, each hidden or shown

    @property
    def hidden(self) -> bool:
        return self.respondents is None


def anonymous_results(*, survey: Survey, period: Period, unit: Unit, trend_periods: int = 12) -> AnonymousResults:
    """Figures of an anonymous survey for `unit`'s subtree in `period`: each question's figure where its group is
    published, the main score's trend over earlier periods and the units directly below."""
    parents = _tree()
    questions = [q for q in survey.questions.order_by("page", "order", "id") if q.type in SCORED]
    respondents = published(survey, period, None, parents)
    figures = []
    for question in questions:
        shown = published(survey, period, question, parents)
        figures.append(QuestionFigure(question, shown.figure(question, unit.pk)))
    main = next((f for f in figures if f.question.type in (QT.NPS, QT.CSAT, QT.CES)), None)
    trend, rows = [], []
    if main is not None:
        for start in reversed(periods_back(period.kind, period.start, trend_periods)):
            earlier = Period(period.kind, start)
            shown = published(survey, earlier, main.question, parents)
            figure = shown.figure(main.question, unit.pk)
            if figure is not None or trend:  # from the first period with a figure on
                trend.append((earlier.label, figure))
        shown = published(survey, period, main.question, parents)
        for child in Unit.objects.filter(parent=unit).order_by("name"):
            rows.append(BreakdownRow(child, shown.figure(main.question, child.pk)))
    return AnonymousResults(
        period=period,
        unit=unit,
        respondents=respondents.count(unit.pk),
        questions=figures,
        main=main,
        trend=trend,
        breakdown=rows,
    )


def anonymous_comments(
    *, survey: Survey, period: Period, unit: Unit, search: str = "", personal_data: bool = False
) -> QuerySet | list:
    """The free-text answers of a published group, as bare texts in alphabetical order (no score, date, unit
    or order of arrival that could tie one to a person); an empty list when the group is hidden."""
    if unit.pk not in published(survey, period).units:
        return []
    in_units = Q(response__unit__in=Unit.objects.subtree_of(unit))
    if unit.parent_id is None:
        in_units |= Q(response__unit__isnull=True)
    texts = Answer.objects.filter(
        in_units, _in_period(period, "response__"), response__survey=survey, question_type__in=list(Question.TEXT_TYPES)
    )
    if search:
        texts = comments_matching(texts, search, personal_data=personal_data)
    return texts.order_by("text", "question_id").values_list("text", flat=True)


def latest_published(
    survey: Survey, unit: Unit, question: Question, *, periods: int = 6, today: date | None = None
) -> tuple[Period, Figure | None]:
    """The newest period (of the last `periods`) in which the unit's figure for the question is published."""
    today = today or timezone.localdate()
    parents = _tree()
    kind = period_kind()
    starts = periods_back(kind, today, periods)
    for start in starts:
        period = Period(kind, start)
        figure = published(survey, period, question, parents).figure(question, unit.pk)
        if figure is not None:
            return period, figure
    return Period(kind, starts[0]), None
