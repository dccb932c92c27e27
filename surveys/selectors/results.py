"""Reads of the surveys app for the hosted pages."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from cxprogram.models import Channel, Employee, Unit
from surveys.charts import fitted_range, trend_chart
from surveys.models import Answer, Choice, FollowUp, Invitation, Question, Response, Survey
from surveys.selectors.metrics import (
    Figure,
    Slice,
    breakdown,
    group_labels,
    question_results,
    responses_in,
    share_from,
    start_of,
)
from surveys.services.responses import CONTEXT_SALT, ResponseContext

_DEFINITIONS: dict[str, tuple[tuple, Survey]] = {}
_DEFINITIONS_MAX = 500


def survey_with_questions(*, public_id: str) -> Survey | None:
    """The survey with its questions and choices in display order, or None.

    The loaded definition is kept per process and reused while the survey row's (id, updated_at) stays the
    same, so a hosted page costs one small query; editing a question touches the survey (`survey_touch`)."""
    with connection.cursor() as cursor:  # the hottest query of the hosted page, kept free of ORM overhead
        cursor.execute(f"SELECT id, updated_at FROM {Survey._meta.db_table} WHERE public_id = %s", [public_id])  # noqa: S608  # nosec B608  # own table; the id is a parameter
        stamp = cursor.fetchone()
    if stamp is None:
        return None
    cached = _DEFINITIONS.get(public_id)
    if cached is not None and cached[0] == tuple(stamp):
        return cached[1]
    questions = Question.objects.order_by("page", "order", "id").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("order", "id"))
    )
    survey = Survey.objects.prefetch_related(Prefetch("questions", queryset=questions)).filter(pk=stamp[0]).first()
    if survey is None:
        return None
    if len(_DEFINITIONS) >= _DEFINITIONS_MAX:
        _DEFINITIONS.clear()
    _DEFINITIONS[public_id] = (tuple(stamp), survey)
    return survey


def invitation_by_token(*, token: str) -> Invitation | None:
    """An invitation that has not been answered, with its survey and customer, or None."""
    invitation = (
        Invitation.objects.select_related("customer", "unit", "employee")
        .filter(token=token, responded_at__isnull=True)
        .first()
    )
    return invitation


@dataclass(frozen=True)
class InvitationSubmission:
    key: str
    public_id: str


def invitation_submission(*, token: str) -> InvitationSubmission | None:
    """The submission key of the response to this invitation and its survey's public id, when it was answered
    from a hosted page."""
    row = (
        Response.objects.filter(invitation__token=token, submission_key__isnull=False)
        .values_list("submission_key", "survey__public_id")
        .first()
    )
    return InvitationSubmission(key=row[0], public_id=row[1]) if row else None


def context_from_token(*, survey: Survey, token: str) -> ResponseContext:
    """The context signed into a public link; a missing, tampered or foreign token gives an empty context."""
    if not token:
        return ResponseContext()
    try:
        data = signing.loads(token, salt=f"{CONTEXT_SALT}:{survey.public_id}")
    except signing.BadSignature:
        return ResponseContext()
    if not isinstance(data, dict):
        return ResponseContext()
    unit = Unit.objects.filter(pk=data["u"]).first() if isinstance(data.get("u"), int) else None
    employee = Employee.objects.filter(pk=data["e"]).first() if isinstance(data.get("e"), int) else None
    channel = data.get("c") if data.get("c") in Channel.values else ""
    return ResponseContext(
        unit=unit,
        employee=employee,
        touchpoint=str(data.get("t", ""))[:50],
        channel=channel,
        transaction_ref=str(data.get("r", ""))[:100],
    )


def context_of_invitation(invitation: Invitation) -> ResponseContext:
    return ResponseContext(
        unit=invitation.unit,
        employee=invitation.employee,
        touchpoint=invitation.touchpoint,
        channel=invitation.channel,
        transaction_ref=invitation.transaction_ref,
    )


def score_band(questions: list[Question], answers: dict) -> str:
    """'unhappy', 'happy' or 'neutral' from the first NPS, CSAT or CES answer."""
    for question in questions:
        value = answers.get(question.pk)
        if question.type not in (Question.Type.NPS, Question.Type.CSAT, Question.Type.CES) or value is None:
            continue
        unhappy, happy = {
            Question.Type.NPS: (value <= 6, value >= 9),
            Question.Type.CSAT: (value <= 2, value >= 4),
            Question.Type.CES: (value >= 5, value <= 2),
        }[question.type]
        return "unhappy" if unhappy else "happy" if happy else "neutral"
    return "neutral"


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


def survey_results(*, slice_: Slice, by: str, sort: str, language: str) -> SurveyResults:
    """Headline figures per question, the main score's monthly trend and a breakdown, all by SQL aggregates."""
    survey = slice_.survey
    questions = list(survey.questions.prefetch_related("choices").order_by("page", "order", "id"))
    results = question_results(slice_, questions, language)
    main = next(
        (r for r in results if r.question.type in (Question.Type.NPS, Question.Type.CSAT, Question.Type.CES)), None
    )
    minimum_group = settings.PULSE_MIN_GROUP if survey.kind == Survey.Kind.EMPLOYEE_PULSE else None
    trend, rows, hidden = None, [], 0
    if main is not None:
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
    responses = responses_in(slice_)
    invitations = Invitation.objects.filter(survey=survey)
    if slice_.date_from:
        invitations = invitations.filter(created_at__gte=start_of(slice_.date_from))
    if slice_.date_to:
        invitations = invitations.filter(created_at__lt=start_of(slice_.date_to, next_day=True))
    counts = invitations.aggregate(total=Count("pk"), responded=Count("pk", filter=Q(responded_at__isnull=False)))
    return SurveyResults(
        responses=responses.count(),
        invitations=counts["total"],
        responded=counts["responded"],
        questions=results,
        main=main,
        trend=trend,
        breakdown_rows=rows,
        hidden_groups=hidden,
    )


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


def verbatims(*, slice_: Slice, search: str = "", band: str = "") -> "QuerySet[Answer]":
    """Text answers of a slice with the response's first score beside them, newest first."""
    responses = responses_in(slice_)
    scores = Answer.objects.filter(
        response=OuterRef("response"), question_type__in=[Question.Type.NPS, Question.Type.CSAT, Question.Type.CES]
    ).order_by("question__page", "question__order", "question_id")
    first_score = Subquery(scores.values("number")[:1])
    first_type = Subquery(scores.values("question_type")[:1])
    texts = (
        Answer.objects.filter(
            response__in=responses.filter(anonymous=False),  # anonymous comments: surveys.selectors.anonymous
            question_type__in=list(Question.TEXT_TYPES),
        )
        .select_related("response__unit", "response__customer", "question")
        .annotate(score=first_score, score_type=first_type)
        .order_by("-response__submitted_at", "-pk")
    )
    if search:
        texts = texts.filter(text__unicontains=search)
    bands = {
        "unhappy": Q(score_type="nps", score__lte=6)
        | Q(score_type="csat", score__lte=2)
        | Q(score_type="ces", score__gte=5),
        "happy": Q(score_type="nps", score__gte=9)
        | Q(score_type="csat", score__gte=4)
        | Q(score_type="ces", score__lte=2),
    }
    if band in bands:
        texts = texts.filter(bands[band])
    return texts


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


def followups_visible(scope) -> QuerySet[FollowUp]:
    """Cases a person may see: CX leads all, managers their unit subtree and cases given to them, frontline
    employees the cases about
    customers they served when FOLLOWUP_FRONTLINE_SEES_OWN is on."""
    cases = FollowUp.objects.all()
    if scope.is_lead:
        return cases
    if scope.is_manager:
        return cases.filter(Q(unit__in=scope.units()) | Q(owner=scope.employee))
    if scope.employee is not None and settings.FOLLOWUP_FRONTLINE_SEES_OWN:
        return cases.filter(response__employee=scope.employee)
    return cases.none()


def followup_queue(
    cases: QuerySet[FollowUp], *, now, mine: Employee | None = None, state: str = "open"
) -> QuerySet[FollowUp]:
    """Open cases with overdue ones first, then by priority and due time (or finished ones, newest first)."""
    if mine is not None:
        cases = cases.filter(owner=mine)
    if state == "done":
        return (
            cases.exclude(status__in=FollowUp.OPEN)
            .select_related("owner__user", "unit", "response__customer")
            .order_by("-resolved_at")
        )
    return (
        cases.filter(status__in=FollowUp.OPEN)
        .annotate(overdue=Case(When(status=FollowUp.Status.NEW, due_at__lt=now, then=Value(1)), default=Value(0)))
        .select_related("owner__user", "unit", "response__customer", "response__survey")
        .order_by("-overdue", "-priority", "due_at")
    )


@dataclass(frozen=True)
class LoopMetrics:
    cases: int
    open: int
    overdue: int
    contacted_in_time: Figure
    median_minutes_to_contact: float | None
    median_minutes_to_resolve: float | None
    top_causes: list[tuple[str, int]]
    recovered: Figure  # of the customers asked after resolution who answered, the share who say it is solved


def loop_metrics(cases: QuerySet[FollowUp], *, now) -> LoopMetrics:
    """How well the loop closes: share first contacted within the deadline (of cases whose deadline passed or
    that were contacted), median times, open and overdue counts and the top root causes."""
    counts = cases.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=FollowUp.OPEN)),
        overdue=Count("pk", filter=Q(status=FollowUp.Status.NEW, due_at__lt=now)),
        judged=Count("pk", filter=Q(first_contact_at__isnull=False) | Q(due_at__lt=now)),
        in_time=Count("pk", filter=Q(first_contact_at__isnull=False, first_contact_at__lte=F("due_at"))),
        answered=Count("pk", filter=Q(recovered__isnull=False)),
        solved=Count("pk", filter=Q(recovered=True)),
    )
    causes = (
        cases.exclude(root_cause="").values_list("root_cause").annotate(n=Count("pk")).order_by("-n", "root_cause")[:5]
    )
    labels = dict(FollowUp.RootCause.choices)
    return LoopMetrics(
        cases=counts["total"],
        open=counts["open"],
        overdue=counts["overdue"],
        contacted_in_time=share_from({"n": counts["judged"], "hits": counts["in_time"]}, min_sample=1),
        median_minutes_to_contact=_median_minutes(cases.filter(first_contact_at__isnull=False), "first_contact_at"),
        median_minutes_to_resolve=_median_minutes(
            cases.filter(resolved_at__isnull=False, status=FollowUp.Status.RESOLVED), "resolved_at"
        ),
        top_causes=[(labels[code], n) for code, n in causes],
        recovered=share_from({"n": counts["answered"], "hits": counts["solved"]}, min_sample=1),
    )


class MedianDuration(Aggregate):
    """PostgreSQL's exact median of an interval."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _median_minutes(cases: QuerySet[FollowUp], field: str) -> float | None:
    """The median of (field − opened) in minutes."""
    return median_of(cases, ExpressionWrapper(F(field) - F("created_at"), output_field=DurationField()))


def median_of(cases: QuerySet, duration: ExpressionWrapper) -> float | None:
    """The median of a duration expression in minutes: percentile_cont in PostgreSQL, the middle of the sorted
    durations elsewhere (SQLite has no median)."""
    if connection.vendor == "postgresql":
        value = cases.aggregate(m=MedianDuration(duration))["m"]
        return None if value is None else value.total_seconds() / 60
    values = sorted(cases.annotate(d=duration).values_list("d", flat=True))
    if not values:
        return None
    middle = len(values) // 2
    seconds = (
        values[middle].total_seconds() if len(values) % 2 else (values[middle - 1] + values[middle]).total_seconds() / 2
    )
    return seconds / 60


def responses_visible(scope) -> QuerySet[Response]:
    """Responses a person may read one by one: CX leads all, managers those served in their unit subtree,
    frontline employees none; answers to anonymous surveys (the pulse among them) nobody: they exist only as
    figures of large enough groups."""
    responses = Response.objects.filter(anonymous=False)
    if scope.is_lead:
        return responses
    if scope.is_manager:
        return responses.filter(unit__in=scope.units())
    return Response.objects.none()
