"""The metric engine: NPS, CSAT, CES, rating averages and choice shares, computed in SQL for any slice.

Every figure carries its sample size and a 95% confidence interval; below the minimum sample it has no
value, and the pages say "not enough data" instead of a number.
"""

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from django.conf import settings
from django.db.models import Avg, Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, TruncMonth, TruncWeek
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxprogram.models import Customer, Employee, Segment, Unit
from surveys.models import ROLLUP_TYPES, Answer, ChoiceCount, Question, Response, Survey
from surveys.scoring import HAPPY as HAPPY_BAND
from surveys.scoring import UNHAPPY, band, band_q
from surveys.selectors import rollups

Z95 = 1.959963984540054
QT = Question.Type
SCORE_TYPES = (QT.NPS, QT.CSAT, QT.CES, QT.RATING)
RESPONDENTS = ChoiceCount.RESPONDENTS


@dataclass(frozen=True)
class Slice:
    """Which responses a figure is about; every part is optional and they combine with AND."""

    survey: Survey | None = None
    date_from: date | None = None
    date_to: date | None = None
    segment: Segment | None = None
    value_tier: str = ""
    unit: Unit | None = None  # the unit and every unit below it
    employee: Employee | None = None
    channel: str = ""
    touchpoint: str = ""
    units_in_scope: QuerySet | list[int] | None = None  # a viewer's visible units (or their ids); None: everything

    def but(self, **changes) -> "Slice":
        return replace(self, **changes)


def slice_filter(slice_: Slice, prefix: str = "") -> Q:
    """The slice as a filter; `prefix` reaches the response from another model (e.g. "response__" from answers),
    so aggregates join the response once instead of filtering through a subquery."""
    conditions = {
        "survey": slice_.survey,
        "submitted_at__gte": start_of(slice_.date_from) if slice_.date_from else None,
        "submitted_at__lt": start_of(slice_.date_to, next_day=True) if slice_.date_to else None,
        "customer__segment": slice_.segment,
        "customer__value_tier": slice_.value_tier or None,
        "employee": slice_.employee,
        "channel": slice_.channel or None,
        "touchpoint": slice_.touchpoint or None,
    }
    q = Q(**{f"{prefix}{key}": value for key, value in conditions.items() if value is not None})
    if slice_.unit is not None:
        q &= Q(**{f"{prefix}unit__in": Unit.objects.subtree_of(slice_.unit)})
    if slice_.units_in_scope is not None:
        q &= Q(**{f"{prefix}unit__in": slice_.units_in_scope})
    return q


def responses_in(slice_: Slice) -> QuerySet[Response]:
    """The responses of a slice, as one filterable queryset."""
    return Response.objects.filter(slice_filter(slice_))


def answers_in(slice_: Slice, question: Question) -> QuerySet[Answer]:
    return Answer.objects.filter(Q(question=question) & slice_filter(slice_, "response__"))


def start_of(day: date, next_day: bool = False) -> datetime:
    moment = timezone.make_aware(datetime.combine(day, time.min))
    return moment + timezone.timedelta(days=1) if next_day else moment


@dataclass(frozen=True)
class Figure:
    """A metric with its sample size and 95% confidence interval; `value` is None below the minimum sample."""

    value: float | None
    n: int
    low: float | None = None
    high: float | None = None
    unit: str = ""  # "" for a score, "%" for a share
    min_sample: int = field(default_factory=lambda: settings.RESULTS_MIN_SAMPLE)

    @property
    def enough(self) -> bool:
        return self.value is not None

    @property
    def margin(self) -> float | None:
        return None if self.value is None else (self.high - self.low) / 2


def _gate(value: float, n: int, low: float, high: float, unit: str = "", min_sample: int | None = None) -> Figure:
    minimum = settings.RESULTS_MIN_SAMPLE if min_sample is None else min_sample
    if n < max(minimum, 1):
        return Figure(value=None, n=n, unit=unit, min_sample=minimum)
    return Figure(value=value, n=n, low=low, high=high, unit=unit, min_sample=minimum)


# The aggregates each metric needs, so one query can compute several groups at once (see `breakdown`).
def nps_aggregates(prefix: str = "") -> dict:
    number = f"{prefix}number"
    return {
        "n": Count("pk"),
        "promoters": Count("pk", filter=band_q(HAPPY_BAND, number=number, question_type=None, types=(QT.NPS,))),
        "detractors": Count("pk", filter=band_q(UNHAPPY, number=number, question_type=None, types=(QT.NPS,))),
    }


def mean_aggregates() -> dict:
    value = Cast(F("number"), FloatField())
    return {"n": Count("pk"), "mean": Avg(value), "mean_sq": Avg(value * value)}


def share_aggregates(q: Q) -> dict:
    return {"n": Count("pk"), "hits": Count("pk", filter=q)}


def nps_from(row: dict, min_sample: int | None = None) -> Figure:
    """NPS = % promoters (9–10) − % detractors (0–6); its standard error from the −1/0/+1 scores."""
    n = row["n"] or 0
    if not n:
        return _gate(0, 0, 0, 0, min_sample=min_sample)
    p, d = row["promoters"] / n, row["detractors"] / n
    score = 100 * (p - d)
    variance = p + d - (p - d) ** 2
    margin = 100 * Z95 * math.sqrt(variance / n)
    return _gate(score, n, max(-100.0, score - margin), min(100.0, score + margin), min_sample=min_sample)


def mean_from(row: dict, min_sample: int | None = None) -> Figure:
    """A mean with a normal-approximation interval from the sample variance."""
    n = row["n"] or 0
    if not n:
        return _gate(0, 0, 0, 0, min_sample=min_sample)
    mean = row["mean"]
    variance = max(0.0, row["mean_sq"] - mean * mean) * n / (n - 1) if n > 1 else 0.0
    margin = Z95 * math.sqrt(variance / n)
    return _gate(mean, n, mean - margin, mean + margin, min_sample=min_sample)


def share_from(row: dict, min_sample: int | None = None) -> Figure:
    """A percentage with the Wilson score interval (honest near 0% and 100%)."""
    n = row["n"] or 0
    if not n:
        return _gate(0, 0, 0, 0, "%", min_sample=min_sample)
    p = row["hits"] / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return _gate(100 * p, n, 100 * max(0.0, centre - half), 100 * min(1.0, centre + half), "%", min_sample=min_sample)


# CSAT's "% satisfied" and CES's "% easy": the happy band of surveys.scoring.
HAPPY = {kind: band_q(HAPPY_BAND, question_type=None, types=(kind,)) for kind in (QT.CSAT, QT.CES)}


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    headline: Figure  # NPS; CSAT % satisfied; CES mean; rating mean; yes share
    secondary: Figure | None = None  # CSAT mean; CES % easy
    distribution: list[tuple[str, int, Figure]] = field(default_factory=list)  # label, count, share

    @property
    def text(self) -> str:
        """The question as the reader's language words it."""
        return self.question.localized("text", translation.get_language() or "en") or self.question.code

    @property
    def labels(self) -> tuple[str, str]:
        """What the headline and the secondary figure mean, for the page."""
        return {
            QT.NPS: (_("NPS: % promoters − % detractors"), ""),
            QT.CSAT: (_("satisfied (4–5)"), _("mean of 1–5")),
            QT.CES: (_("mean effort, 1 = very little"), _("easy (1–3)")),
            QT.RATING: (_("mean"), ""),
            QT.YES_NO: (_("answered yes"), ""),
        }.get(self.question.type, ("", ""))


HAPPY_SCORE = {
    QT.CSAT: lambda score: band(QT.CSAT, score) == HAPPY_BAND,
    QT.CES: lambda score: band(QT.CES, score) == HAPPY_BAND,
    QT.YES_NO: lambda score: score == 1,
}


def result_from_counts(question: Question, counts: dict[int, int]) -> "QuestionResult":
    """A score question's figures from its answers counted by score (the rollups' form)."""
    row = rollups.aggregates_from_counts(counts, HAPPY_SCORE.get(question.type))
    if question.type == QT.NPS:
        return QuestionResult(question, nps_from(row))
    if question.type == QT.CSAT:
        return QuestionResult(question, share_from(row), mean_from(row))
    if question.type == QT.CES:
        return QuestionResult(question, mean_from(row), share_from(row))
    if question.type == QT.RATING:
        return QuestionResult(question, mean_from(row))
    return QuestionResult(question, share_from(row))


def question_result(
    slice_: Slice, question: Question, language: str = "en", *, use_rollups: bool = True
) -> QuestionResult:
    """The figures of one question for a slice, in at most two aggregate queries; from the rollups in one
    small query whenever they cover the slice."""
    if use_rollups and rollups.covers(slice_, question):
        return result_from_counts(question, rollups.score_counts(slice_, question))
    if use_rollups and rollups.covers_choices(slice_, question):
        return choice_result(question, rollups.choice_counts_by_question(slice_, [question])[question.pk], language)
    answers = answers_in(slice_, question)
    if question.type == QT.NPS:
        return QuestionResult(question, nps_from(answers.aggregate(**nps_aggregates())))
    if question.type in (QT.CSAT, QT.CES):
        row = answers.aggregate(**mean_aggregates(), hits=Count("pk", filter=HAPPY[question.type]))
        share, mean = share_from(row), mean_from(row)
        return (
            QuestionResult(question, share, mean) if question.type == QT.CSAT else QuestionResult(question, mean, share)
        )
    if question.type == QT.RATING:
        return QuestionResult(question, mean_from(answers.aggregate(**mean_aggregates())))
    if question.type == QT.YES_NO:
        return QuestionResult(question, share_from(answers.aggregate(**share_aggregates(Q(number=1)))))
    if question.type in Question.CHOICE_TYPES:
        respondents = answers.values("response").distinct().count()
        counts = dict(answers.values_list("choice").annotate(c=Count("pk")).values_list("choice", "c"))
        return choice_result(question, {**counts, RESPONDENTS: respondents}, language)
    count = answers.count()
    return QuestionResult(question, Figure(value=float(count), n=count))


def choice_result(question: Question, counts: dict[int, int], language: str) -> QuestionResult:
    """A choice (or text) question's figures from its answers counted per choice (`RESPONDENTS`: the responses
    answering it)."""
    respondents = counts.get(RESPONDENTS, 0)
    if question.type in Question.TEXT_TYPES:  # a text question's figure: how many answered it
        return QuestionResult(question, Figure(value=float(respondents), n=respondents))
    rows = [
        (
            c.localized("text", language),
            counts.get(c.pk, 0),
            share_from({"n": respondents, "hits": counts.get(c.pk, 0)}),
        )
        for c in question.choices.all()
    ]
    return QuestionResult(question, Figure(value=float(respondents), n=respondents), distribution=rows)


def raw_counts_by_question(slice_: Slice, questions: list[Question]) -> dict[int, dict[int, int]]:
    """The score questions' answers counted by score in one grouped pass over the raw answers of the slice (for
    slices off the rollups' grain)."""
    rows = (
        Answer.objects.filter(Q(question__in=[q.pk for q in questions]) & slice_filter(slice_, "response__"))
        .exclude(number__isnull=True)
        .values("question_id", "number")
        .annotate(c=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[int, int]] = {q.pk: {} for q in questions}
    for row in rows:
        counts[row["question_id"]][row["number"]] = row["c"]
    return counts


def question_results(
    slice_: Slice, questions: list[Question], language: str = "en", scores: dict | None = None
) -> list[QuestionResult]:
    """The figures of a survey's questions for a slice: the score questions in one grouped query (over the rollups
    when they cover the slice, else over the raw answers), the choice questions in one more when the rollups
    cover them (texts too), the others off the rollups' grain one by one; `scores`: the counts already read."""
    scored = [q for q in questions if q.type in ROLLUP_TYPES]
    if not scored or scores is not None:
        counts = scores or {}
    elif rollups.covers_slice(slice_):
        counts = rollups.score_counts_by_question(slice_, scored)
    else:
        counts = raw_counts_by_question(slice_, scored)
    chosen = [q for q in questions if rollups.covers_choices(slice_, q)]
    choices = rollups.choice_counts_by_question(slice_, chosen) if chosen else {}
    return [
        result_from_counts(q, counts[q.pk])
        if q.pk in counts
        else choice_result(q, choices[q.pk], language)
        if q.pk in choices
        else question_result(slice_, q, language)
        for q in questions
    ]


def metric_aggregates(metric: str, *, key: str = "", when: Q | None = None) -> dict:
    """The aggregates of a metric's headline figure (the metric is a question type), named so that one query can
    hold several: `key` prefixes their names, `when` counts only the rows it matches (a period, a group)."""
    counted = when if when is not None else Q()
    value = Cast(F("number"), FloatField())
    n = {f"{key}n": Count("pk", filter=when)}
    if metric == QT.NPS:
        promoters = band_q(HAPPY_BAND, question_type=None, types=(QT.NPS,))
        detractors = band_q(UNHAPPY, question_type=None, types=(QT.NPS,))
        return {
            **n,
            f"{key}promoters": Count("pk", filter=counted & promoters),
            f"{key}detractors": Count("pk", filter=counted & detractors),
        }
    if metric == QT.CSAT:
        return {**n, f"{key}satisfied": Count("pk", filter=counted & HAPPY[QT.CSAT])}
    if metric == QT.YES_NO:
        return {**n, f"{key}yes": Count("pk", filter=counted & Q(number=1))}
    return {**n, f"{key}mean": Avg(value, filter=when), f"{key}mean_sq": Avg(value * value, filter=when)}


def figure_aggregates(*, key: str = "", when: Q | None = None) -> dict:
    """Every aggregate a headline figure may need, so one grouped query serves groups of any metric (touchpoints
    measured by NPS, CSAT, CES, ratings or yes/no; each survey's main question)."""
    metrics = (QT.NPS, QT.CSAT, QT.YES_NO, QT.RATING)
    return {name: value for metric in metrics for name, value in metric_aggregates(metric, key=key, when=when).items()}


def figure_for(metric: str, row: dict | None, min_sample: int | None = None, *, key: str = "") -> Figure:
    """The headline figure of a metric from its aggregates (`key`: their names' prefix), as `question_result` gives
    it: NPS, CSAT % satisfied, % yes, or the mean (CES, ratings)."""
    row = {name[len(key) :]: value for name, value in (row or {}).items() if name.startswith(key)}
    row["n"] = row.get("n") or 0
    if metric == QT.NPS:
        return nps_from(row, min_sample)
    if metric == QT.CSAT:
        return share_from({"n": row["n"], "hits": row.get("satisfied") or 0}, min_sample)
    if metric == QT.YES_NO:
        return share_from({"n": row["n"], "hits": row.get("yes") or 0}, min_sample)
    return mean_from(row, min_sample)


BREAKDOWNS = {
    "month": TruncMonth("response__submitted_at"),
    "week": TruncWeek("response__submitted_at"),
    "unit": F("response__unit"),
    "employee": F("response__employee"),
    "segment": F("response__customer__segment"),
    "value_tier": F("response__customer__value_tier"),
    "channel": F("response__channel"),
    "touchpoint": F("response__touchpoint"),
}


def breakdown(
    slice_: Slice, question: Question, by: str, min_sample: int | None = None, *, use_rollups: bool = True
) -> list[tuple[object, Figure]]:
    """The question's headline figure per group (month, unit, segment...), in one grouped query (over the rollups
    when they cover the slice and the grouping)."""
    if use_rollups and by in rollups.GROUPS and rollups.covers(slice_, question):
        groups = rollups.score_counts_by_group(slice_, question, by)
        happy = HAPPY_SCORE.get(question.type)
        if by == "month":  # the raw engine's month starts are local midnights
            groups = {start_of(month): counts for month, counts in groups.items()}
        elif by == "unit":  # no unit is 0 in the rollups, None in the raw answers
            groups = {unit or None: counts for unit, counts in groups.items()}
        return [
            (key, headline_from(question, rollups.aggregates_from_counts(groups[key], happy), min_sample))
            for key in sorted(groups, key=lambda k: (k is None, k))
        ]
    answers = answers_in(slice_, question).annotate(group=BREAKDOWNS[by]).values("group").order_by("group")
    rows = answers.annotate(**metric_aggregates(question.type))
    return [(row["group"], figure_for(question.type, row, min_sample)) for row in rows]


def headline_from(question: Question, row: dict, min_sample: int | None) -> Figure:
    """A breakdown group's headline figure from its aggregate row, as `breakdown` computes it."""
    if question.type == QT.NPS:
        return nps_from(row, min_sample)
    if question.type in (QT.CSAT, QT.YES_NO):
        return share_from(row, min_sample)
    return mean_from(row, min_sample)


def group_labels(by: str, keys: list) -> dict:
    """Readable names for breakdown keys, one query at most."""
    keys = [k for k in keys if k is not None]
    if by == "unit":
        return dict(Unit.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "employee":
        return {e.pk: str(e) for e in Employee.objects.filter(pk__in=keys).select_related("user")}
    if by == "segment":
        return dict(Segment.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "value_tier":
        return dict(Customer.ValueTier.choices)
    if by in ("month",):
        return {k: k.strftime("%Y-%m") for k in keys}
    if by == "week":
        return {k: k.strftime("%Y-%m-%d") for k in keys}
    return {k: k or "—" for k in keys}
