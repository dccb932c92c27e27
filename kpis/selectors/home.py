"""Reads of the home pages: the program's (or a manager's subtree's) scores with trend and interval, how the loop
closes, the touchpoints to fix first and the newest comments — a fixed number of queries whatever the data."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import QueryDict
from django.utils import timezone

from journeys.models import Journey
from journeys.selectors.importance import StoredImportance
from journeys.selectors.maps import MapCard, fix_first_cards
from surveys.charts import TrendChart, fitted_range, trend_chart
from surveys.models import ALL_UNITS, Answer, FollowUp, Question, ScoreCount, Survey
from surveys.selectors.case_rollups import slice_loop
from surveys.selectors.followups import LoopMetrics, followup_queue, loop_metrics
from surveys.selectors.metrics import HAPPY_SCORE, Figure, Slice, headline_from, start_of
from surveys.selectors.results import with_first_score
from surveys.selectors.rollups import aggregates_from_counts, span_filter

HOME_DAYS = 90  # the headline window: long enough for a store to reach the minimum sample
TREND_MONTHS = 6
SCORED = (Question.Type.NPS, Question.Type.CSAT, Question.Type.CES)
Y_RANGE = {Question.Type.NPS: (-100, 100), Question.Type.CSAT: (0, 100), Question.Type.CES: (1, 7)}


@dataclass(frozen=True)
class ScoreTile:
    """One survey's main score over the window, the window before, and its months, as its results page shows them."""

    survey: Survey
    question: Question
    current: Figure
    previous: Figure
    trend: TrendChart | None
    date_from: date
    date_to: date

    @property
    def change(self) -> float | None:
        if not (self.current.enough and self.previous.enough):
            return None
        return self.current.value - self.previous.value

    @property
    def improved(self) -> bool | None:
        """Whether the change is for the better (CES: less effort is better)."""
        if self.change is None or self.change == 0:
            return None
        return self.change < 0 if self.question.type == Question.Type.CES else self.change > 0

    @property
    def results_query(self) -> str:
        query = QueryDict(mutable=True)
        query.update({"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()})
        return query.urlencode()


def main_questions(*, include_pulse: bool = False) -> list[Question]:
    """The first NPS, CSAT or CES question of every live or closed survey — the one its results page leads with."""
    surveys = Survey.objects.exclude(status=Survey.Status.DRAFT)
    # Anonymous surveys have figures per finished period only (surveys.selectors.anonymous), never rolling windows.
    surveys = surveys.exclude(anonymous=True)
    if not include_pulse:
        surveys = surveys.exclude(kind=Survey.Kind.EMPLOYEE_PULSE)
    questions = (
        Question.objects.filter(survey__in=surveys, type__in=SCORED)
        .select_related("survey")
        .order_by("survey__name", "survey_id", "page", "order", "id")
    )
    first: dict[int, Question] = {}
    for question in questions:
        first.setdefault(question.survey_id, question)
    return list(first.values())


def score_tiles(*, units: list[int] | None, today: date, days: int = HOME_DAYS) -> list[ScoreTile]:
    """Each survey's main score for the last `days` days and the `days` before, and its last months: two queries
    over the score rollups (their local days are the results pages' date filters); `units`: a manager's unit ids."""
    questions = main_questions()
    if not questions:
        return []
    date_from = today - timedelta(days=days - 1)
    previous_from = date_from - timedelta(days=days)
    months_back = today.year * 12 + today.month - 1 - (TREND_MONTHS - 1)
    trend_from = date(months_back // 12, months_back % 12 + 1, 1)
    base = ScoreCount.objects.filter(question__in=[q.pk for q in questions])
    # A manager's units as a list of ids, not a subquery: the rollups' (question, unit, day) index narrows to them.
    base = base.filter(unit_id=ALL_UNITS) if units is None else base.filter(unit_id__in=units)
    windows: dict[int, dict[str, dict[int, int]]] = {q.pk: {"cur": {}, "prev": {}} for q in questions}
    current, previous = span_filter(date_from, today), span_filter(previous_from, date_from - timedelta(days=1))
    rows = base.filter(current | previous).values("question_id", "number")
    for row in rows.annotate(cur=Sum("n", filter=current), prev=Sum("n", filter=previous)).order_by():
        for window in ("cur", "prev"):
            if row[window]:
                windows[row["question_id"]][window][row["number"]] = row[window]
    months: dict[int, dict[date, dict[int, int]]] = {q.pk: {} for q in questions}
    monthly = (
        base.filter(span_filter(trend_from, today))
        .annotate(month=TruncMonth("day"))
        .values("question_id", "month", "number")
        .annotate(count=Sum("n"))
        .order_by()
    )
    for row in monthly:
        months[row["question_id"]].setdefault(row["month"], {})[row["number"]] = row["count"]
    tiles = []
    for question in questions:
        current_figure = _figure(question, windows[question.pk]["cur"])
        previous_figure = _figure(question, windows[question.pk]["prev"])
        points = []
        for month, counts in sorted(months[question.pk].items()):
            figure = _figure(question, counts)
            points.append((month.strftime("%Y-%m"), figure.value, figure.low, figure.high, figure.n))
        lo, hi = Y_RANGE[question.type]
        chart = trend_chart(points, *fitted_range(points, lo=lo, hi=hi), width=320, height=120) if points else None
        tiles.append(ScoreTile(question.survey, question, current_figure, previous_figure, chart, date_from, today))
    return tiles


def _figure(question: Question, counts: dict[int, int]) -> Figure:
    row = aggregates_from_counts({score: n for score, n in counts.items() if n}, HAPPY_SCORE.get(question.type))
    return headline_from(question, row, None)


@dataclass(frozen=True)
class FixFirst:
    """The touchpoints to fix first across current journeys, and each journey's importance as stored."""

    cards: list[tuple[Journey, MapCard]]
    importance: list[tuple[Journey, StoredImportance]]

    @property
    def pending(self) -> list[Journey]:
        """Journeys whose importance is being computed (their touchpoints cannot be ranked yet)."""
        return [journey for journey, stored in self.importance if stored.pending]

    @property
    def as_of(self) -> datetime | None:
        """The oldest moment the shown importance figures are true of."""
        moments = [stored.computed_at for _journey, stored in self.importance if stored.computed_at]
        return min(moments) if moments else None


def fix_first(
    *,
    units: list[int] | None,
    today: date,
    scope_unit_id: int | None = None,
    days: int = HOME_DAYS,
    limit: int = 5,
) -> FixFirst:
    """The touchpoints to fix first across current-state journeys (important to customers' NPS and below target),
    most important first, over the same window as the scores; importance as stored for the window and the viewer's
    units (`units` their ids, `scope_unit_id` the unit whose subtree they are), see journeys.selectors.importance."""
    date_from = today - timedelta(days=days - 1)
    slice_ = Slice(date_from=date_from, date_to=today, units_in_scope=units)
    journeys = Journey.objects.filter(state=Journey.State.CURRENT).select_related("outcome_question").order_by("pk")
    cards, importance = fix_first_cards(list(journeys), slice_, scope_unit_id)
    return FixFirst(cards[:limit], importance)


def newest_comments(*, units: list[int] | None, limit: int = 6) -> list[Answer]:
    """The newest customer comments in scope with their score, response, case and customer (never anonymous or
    employee-pulse comments, which are read only as a group on the results page), in two short queries: which
    comments, then what is shown beside them (one seven-table join took PostgreSQL longer to plan than both run)."""
    texts = Answer.objects.filter(question_type__in=list(Question.TEXT_TYPES), response__anonymous=False).exclude(
        response__survey__kind=Survey.Kind.EMPLOYEE_PULSE
    )
    if units is not None:
        texts = texts.filter(response__unit__in=units)
    newest = list(texts.order_by("-response__submitted_at", "-pk").values_list("pk", flat=True)[:limit])
    comments = Answer.objects.filter(pk__in=newest).select_related(
        "response__survey", "response__unit", "response__customer", "response__followup"
    )
    return sorted(with_first_score(comments), key=lambda answer: newest.index(answer.pk))


def home_loop(cases: QuerySet[FollowUp], *, every_case: bool, now: datetime) -> LoopMetrics:
    """How the loop closes over the cases a person sees; over every case (a CX lead's) from the case rollups, the
    same figures as reading the cases (at ten million responses, 60 ms instead of 185); SQLite keeps none."""
    if every_case and connection.vendor == "postgresql":
        return slice_loop(Slice(), now=now).metrics
    return loop_metrics(cases, now=now)


def cases_due_today(cases: QuerySet[FollowUp], *, now: datetime, limit: int = 10) -> tuple[list[FollowUp], int]:
    """Open cases whose first contact is overdue or due by the end of today, overdue first; and how many there are."""
    end_of_today = start_of(timezone.localdate(now), next_day=True)
    due = followup_queue(cases, now=now).filter(status=FollowUp.Status.NEW, due_at__lt=end_of_today)
    return list(due[:limit]), due.count()
