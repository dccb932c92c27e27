"""Reads of the surveys app for the hosted pages."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from surveys.charts import fitted_range, trend_chart
from surveys.models import Answer, Invitation, Question, Response, Survey
from surveys.scoring import HAPPY, UNHAPPY, band_q
from surveys.selectors import rollups
from surveys.selectors.metrics import (
    HAPPY_SCORE,
    Slice,
    breakdown,
    group_labels,
    headline_from,
    question_results,
    responses_in,
    start_of,
)
from surveys.selectors.themes import comments_matching


@dataclass(frozen=True)
class SurveyResults:
    """Everything the results page shows for one slice."""

    responses: int
    invitations: int
    responded: int
    questions: list
    main: object | None  # the QuestionResult of the first score question
    trend: object | None  # TrendChart of the main question by month
    breakdown_rows: list
    hidden_groups: int
    comments: int | None = None  # the slice's comments from the rollups; None when they do not cover it


def survey_results(*, slice_: Slice, by: str, sort: str, language: str) -> SurveyResults:
    """Headline figures per question, the main score's monthly trend and a breakdown, all by SQL aggregates."""
    survey = slice_.survey
    questions = list(survey.questions.prefetch_related("choices").order_by("page", "order", "id"))
    scored = [q for q in questions if rollups.covers(slice_, q)]
    by_month = rollups.score_counts_by_question_and_month(slice_, scored) if scored else None
    totals = None if by_month is None else {pk: _summed(months.values()) for pk, months in by_month.items()}
    results = question_results(slice_, questions, language, scores=totals)
    main = next(
        (r for r in results if r.question.type in (Question.Type.NPS, Question.Type.CSAT, Question.Type.CES)), None
    )
    minimum_group = settings.PULSE_MIN_GROUP if survey.kind == Survey.Kind.EMPLOYEE_PULSE else None
    trend, rows, hidden = None, [], 0
    if main is not None:
        if by_month is not None and main.question.pk in by_month:  # the trend from the same pass
            happy = HAPPY_SCORE.get(main.question.type)
            months = [
                (
                    start_of(month),
                    headline_from(main.question, rollups.aggregates_from_counts(counts, happy), minimum_group),
                )
                for month, counts in sorted(by_month[main.question.pk].items())
            ]
        else:
            months = breakdown(slice_, main.question, "month", min_sample=minimum_group)
        lo, hi = {"nps": (-100, 100), "csat": (0, 100), "ces": (1, 7)}[main.question.type]
        points = [(k.strftime("%Y-%m"), f.value, f.low, f.high, f.n) for k, f in months if k is not None]
        trend = trend_chart(points, *fitted_range(points, lo=lo, hi=hi)) if points else None
        groups = breakdown(slice_, main.question, by, min_sample=minimum_group)
        labels = group_labels(by, [key for key, _figure in groups])
        for key, figure in groups:
            if minimum_group and figure.n < minimum_group:
                hidden += 1
                continue
            rows.append({"key": key, "label": labels.get(key, key) if key is not None else None, "figure": figure})
        rows = sort_rows(rows, sort)
    if rollups.covers_slice(slice_):
        responses, comments = rollups.response_totals(slice_)
    else:
        responses, comments = responses_in(slice_).count(), None
    invitations = Invitation.objects.filter(survey=survey)
    if slice_.date_from:
        invitations = invitations.filter(created_at__gte=start_of(slice_.date_from))
    if slice_.date_to:
        invitations = invitations.filter(created_at__lt=start_of(slice_.date_to, next_day=True))
    counts = invitations.aggregate(total=Count("pk"), responded=Count("pk", filter=Q(responded_at__isnull=False)))
    return SurveyResults(
        responses=responses,
        invitations=counts["total"],
        responded=counts["responded"],
        questions=results,
        main=main,
        trend=trend,
        breakdown_rows=rows,
        hidden_groups=hidden,
        comments=comments,
    )


def _summed(counts_by_month) -> dict[int, int]:
    total: dict[int, int] = {}
    for counts in counts_by_month:
        for score, n in counts.items():
            total[score] = total.get(score, 0) + n
    return total


def responses_count(slice_: Slice) -> int:
    """How many responses the slice holds: from the rollups when they cover it."""
    return rollups.response_totals(slice_)[0] if rollups.covers_slice(slice_) else responses_in(slice_).count()


def sort_rows(rows: list[dict], sort: str) -> list[dict]:
    """Sort breakdown rows by label, score or sample size; groups without enough data go last on score."""
    reverse = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "n":
        return sorted(rows, key=lambda r: r["figure"].n, reverse=reverse)
    if key == "score":
        scored = sorted((r for r in rows if r["figure"].enough), key=lambda r: r["figure"].value, reverse=reverse)
        return scored + [r for r in rows if not r["figure"].enough]
    return sorted(rows, key=lambda r: str(r["label"] or ""), reverse=reverse)


def verbatims(*, slice_: Slice, search: str = "", band: str = "", personal_data: bool = False) -> "QuerySet[Answer]":
    """Text answers of a slice with the response's first score beside them, newest first; `search` as
    `comments_matching` finds it for a reader who sees `personal_data` or not."""
    responses = responses_in(slice_)
    texts = with_first_score(
        Answer.objects.filter(
            response__in=responses.filter(anonymous=False),  # anonymous comments: surveys.selectors.anonymous
            question_type__in=list(Question.TEXT_TYPES),
        )
        .select_related("response__unit", "response__customer", "question")
        .order_by("-response__submitted_at", "-pk")
    )
    if search:
        texts = comments_matching(texts, search, personal_data=personal_data)
    bands = {name: band_q(name, number="score", question_type="score_type") for name in (UNHAPPY, HAPPY)}
    if band in bands:
        texts = texts.filter(bands[band])
    return texts


def with_first_score(answers: "QuerySet[Answer]") -> "QuerySet[Answer]":
    """The answers with their response's first score beside them: `score` and `score_type` (None without one)."""
    scores = Answer.objects.filter(
        response=OuterRef("response"), question_type__in=[Question.Type.NPS, Question.Type.CSAT, Question.Type.CES]
    ).order_by("question__page", "question__order", "question_id")
    return answers.annotate(
        score=Subquery(scores.values("number")[:1]), score_type=Subquery(scores.values("question_type")[:1])
    )


def allies(*, slice_: Slice, kind: str) -> QuerySet[Response]:
    """High-value customers' responses: promoters (NPS 9–10) to turn into allies, or detractors (0–6) at risk.

    Each carries its NPS score and first comment; newest first."""
    nps = Answer.objects.filter(response=OuterRef("pk"), question_type=Question.Type.NPS).order_by("question_id")
    comment = Answer.objects.filter(response=OuterRef("pk"), question_type__in=list(Question.TEXT_TYPES)).order_by(
        "question__page", "question__order"
    )
    band = Q(nps__gte=9) if kind == "promoters" else Q(nps__lte=6)
    return (
        responses_in(slice_)
        .filter(customer__value_tier="high")
        .annotate(nps=Subquery(nps.values("number")[:1]), comment=Subquery(comment.values("text")[:1]))
        .filter(band)
        .select_related("customer__segment", "unit")
        .order_by("-submitted_at")
    )
