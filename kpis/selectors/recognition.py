"""Reads of recognitions, points and the employee pulse for the employee and team pages."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, Length, Right, StrIndex, Substr
from django.utils import timezone

from cxprogram.models import Employee, Unit
from cxprogram.selectors import Scope
from surveys import scoring
from surveys.anonymity import period_start
from surveys.models import Answer, Question, Response, Survey
from surveys.scoring import band_q
from surveys.selectors.anonymous import Period, latest_published
from surveys.selectors.metrics import Figure, Slice, nps_aggregates, nps_from, slice_filter

from ..models import CompanyValue, PointEntry, Recognition

QT = Question.Type
PRAISE_WINDOW_DAYS = 30  # customer comments older than this are no longer offered for recognition


# --- who sees which recognition -------------------------------------------------------------------------------


def _unit_and_ancestors(unit_id: int) -> RawSQL:
    """The unit and every unit above it, by a recursive query (the mirror of Unit.objects.subtree_of)."""
    table = Unit._meta.db_table
    # The table name is the model's own; the unit id goes in as a query parameter.
    sql = (
        f"WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM {table} WHERE id = %s "  # noqa: S608  # nosec B608  # see above
        f"UNION ALL SELECT u.id, u.parent_id FROM {table} u JOIN up ON u.id = up.parent_id) SELECT id FROM up"
    )
    return RawSQL(sql, [unit_id])  # noqa: S611  # nosec B611  # the id is a parameter


def recognitions_visible(scope: Scope) -> QuerySet[Recognition]:
    """The recognitions a person may see: company-wide ones to everyone; unit ones to the people of that unit's
    subtree and the managers above it; private ones to the giver, the receiver and the receiver's managers.
    CX leads see everything; a user who is not an employee sees nothing."""
    if scope.is_lead:
        return Recognition.objects.all()
    me = scope.employee
    if me is None:
        return Recognition.objects.none()
    seen = (
        Q(visibility=Recognition.Visibility.COMPANY)
        | Q(giver=me)
        | Q(receiver=me)
        | Q(visibility=Recognition.Visibility.UNIT, unit__in=_unit_and_ancestors(me.unit_id))
    )
    if scope.is_manager:
        seen |= Q(unit__in=Unit.objects.subtree_of(me.unit))
    return Recognition.objects.filter(seen)


def points_shown_to(scope: Scope, recognition: Recognition) -> bool:
    """Points are personal: the giver, the receiver and CX leads see how many came with a recognition."""
    if scope.is_lead:
        return True
    me = scope.employee
    return me is not None and me.pk in (recognition.giver_id, recognition.receiver_id)


def value_label(value: CompanyValue | None, language: str) -> str:
    return value.localized("name", language) if value is not None else ""


# --- points -----------------------------------------------------------------------------------------------------


def points_balance(employee: Employee) -> int:
    """The employee's points: the SUM of their ledger lines (0 with none)."""
    return PointEntry.objects.filter(employee=employee).aggregate(total=Coalesce(Sum("amount"), 0))["total"]


def month_start(moment: datetime | None = None) -> datetime:
    """Midnight of the first day of the moment's calendar month in TIME_ZONE."""
    local = timezone.localtime(moment or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def allowance_used(giver: Employee, *, now: datetime | None = None) -> int:
    """Points the giver has handed out since the start of this calendar month: to colleagues, and with customers'
    praise passed on (both come out of the same allowance)."""
    given = Recognition.objects.filter(
        giver=giver,
        source__in=[Recognition.Source.PEER, Recognition.Source.CUSTOMER_PRAISE],
        created_at__gte=month_start(now),
    ).aggregate(total=Coalesce(Sum("points"), 0))
    return given["total"]


def allowance_left(giver: Employee, *, now: datetime | None = None) -> int:
    return max(0, settings.RECOGNITION_MONTHLY_ALLOWANCE - allowance_used(giver, now=now))


@dataclass(frozen=True)
class RecognitionSummary:
    """What /me/ shows about an employee's recognitions: recent ones, the points balance and allowance left."""

    recent: list = field(default_factory=list)
    balance: int = 0
    allowance_left: int = 0
    allowance: int = 0
    received: int = 0


def recognition_summary(employee: Employee, *, recent: int = 8) -> RecognitionSummary:
    """The employee's newest recognitions received (every visibility: they are the receiver), their points
    balance, how many recognitions they have received and the allowance they have left to give (3 queries)."""
    received = Recognition.objects.filter(receiver=employee)
    totals = received.aggregate(n=Count("pk"))
    return RecognitionSummary(
        recent=list(received.for_wall()[:recent]),
        balance=points_balance(employee),
        allowance_left=allowance_left(employee),
        allowance=settings.RECOGNITION_MONTHLY_ALLOWANCE,
        received=totals["n"],
    )


# --- customer praise turned into suggested recognitions ---------------------------------------------------------

# Russian first names decline (Алиса → Алису, Алисе; Мария → Марии): a name of four letters or more that ends in
# one of these loses the ending before it is looked for in a comment, so every case form still matches.
DECLINING_ENDINGS = ["а", "я", "й", "ь", "е", "о", "и", "ы"]


def _name_stem():
    name = F("user__first_name")
    length = Length("user__first_name")
    return Case(
        When(Q(name_length__gte=4, name_last__in=DECLINING_ENDINGS), then=Substr(name, 1, length - 1)),
        default=name,
    )


def _employee_named_in_comment() -> Subquery:
    """An active employee of the response's unit whose first name (or its stem) the comment contains."""
    named = (
        Employee.objects.filter(unit=OuterRef("response__unit"), user__is_active=True)
        .annotate(name_length=Length("user__first_name"), name_last=Right("user__first_name", 1))
        .annotate(stem=_name_stem())
        # At the start of a word and capitalised as names are: «Иван» is not found in «Диван» (nor "Rose" in "rose").
        .annotate(
            stem_length=Length("stem"),
            position=StrIndex(Concat(Value(" "), OuterRef("text")), Concat(Value(" "), F("stem"))),
        )
        .filter(stem_length__gte=3, position__gt=0)
        .order_by("pk")  # SQLite cannot order a subquery by an outer column, so not by position
        .values("pk")[:1]
    )
    return Subquery(named, output_field=IntegerField())


def _comments(units: QuerySet[Unit], *, days: int) -> QuerySet[Answer]:
    """Comments of the last `days` days in the units' non-anonymous customer surveys, not yet passed on."""
    return (
        Answer.objects.filter(
            question_type__in=Question.TEXT_TYPES,
            response__survey__anonymous=False,
            response__submitted_at__gte=timezone.now() - timedelta(days=days),
            response__unit__in=units,
        )
        .exclude(response__survey__kind=Survey.Kind.EMPLOYEE_PULSE)
        .exclude(response__source=Response.Source.STAFF)  # praise typed in by staff is nobody's customer's praise
        .exclude(text="")
        # Each comment once: not this answer again, nor the same words from another response.
        .exclude(Exists(Recognition.objects.filter(answer__text=OuterRef("text"))))
        .exclude(_mentions(COMPLAINT_CUES))
    )


# Until comments carry a measured sentiment, a small lexicon keeps complaints out of praise: a comment with one
# of these stems is never offered as praise (folded search: any case, ё as е), and a comment naming a colleague
# in a response that is not clearly happy needs a word of praise.
COMPLAINT_CUES = [
    "опозда", "царап", "груб", "хам", "сломан", "брак", "долго", "ужас", "плохо", "не работ", "не привез",
    "не приех", "жалоб", "разочар", "обман", "испорч", "повреж", "late", "rude", "broken", "scratch", "damage",
    "terrible", "awful", "disappoint", "complain", "waited",
]  # fmt: skip
PRAISE_CUES = [
    "спасибо", "благодар", "молодец", "помог", "вежлив", "внимател", "отличн", "прекрасн", "лучш", "рекоменду",
    "thank", "helpful", "great", "excellent", "friendly", "polite", "best",
]  # fmt: skip


def _mentions(cues: list[str]) -> Q:
    found = Q()
    for cue in cues:
        found |= Q(text__unicontains=cue)
    return found


def _in_response(q: Q) -> Exists:
    return Exists(Answer.objects.filter(q, response=OuterRef("response")))


# The bands of surveys.scoring (NPS, CSAT and CES).
HAPPY = band_q(scoring.HAPPY)
UNHAPPY = band_q(scoring.UNHAPPY)


@dataclass(frozen=True)
class Suggestion:
    """A customer's comment that praises an employee, ready to be passed on as a recognition."""

    answer_id: int
    comment: str
    submitted_at: datetime
    employee: Employee
    named: bool  # the comment names the employee (else: a happy customer they served)


def _praise(units: QuerySet[Unit], *, days: int, limit: int, answer_id: int | None = None) -> list[Suggestion]:
    """Set-based, whatever the number of answers (3 queries): first the comments that name a colleague of the
    response's unit; then the other comments of happy responses (NPS 9–10 or CSAT 4–5), for the employee who
    served. Never a comment of an unhappy response (NPS 0–6 or CSAT 1–2). Newest first within each group."""
    comments = _comments(units, days=days).annotate(named=_employee_named_in_comment())
    if answer_id is not None:
        comments = comments.filter(pk=answer_id)
    people = Employee.objects.filter(unit__in=units, user__is_active=True).values("pk")
    columns = ("pk", "text", "response__submitted_at", "target")
    newest = ("-response__submitted_at", "-pk")
    named = _once(
        comments.filter(named__in=people)
        .filter(_in_response(HAPPY) | _mentions(PRAISE_CUES))
        .exclude(_in_response(UNHAPPY))
        .annotate(target=F("named"))
        .order_by(*newest)
        .values(*columns)[: 3 * limit],
        limit,
    )
    served = []
    if len(named) < limit:
        served = _once(
            comments.filter(named__isnull=True, response__employee__in=people)
            .filter(_in_response(HAPPY))
            .exclude(_in_response(UNHAPPY))
            .annotate(target=F("response__employee"))
            .order_by(*newest)
            .values(*columns)[: 3 * limit],
            limit - len(named),
            seen={row["text"] for row in named},
        )
    found = Employee.objects.select_related("user").in_bulk({row["target"] for row in named + served})
    return [
        Suggestion(
            answer_id=row["pk"],
            comment=row["text"],
            submitted_at=row["response__submitted_at"],
            employee=found[row["target"]],
            named=row in named,
        )
        for row in named + served
    ]


def _once(rows, limit: int, seen: set | None = None) -> list[dict]:
    """The first `limit` rows whose text has not been seen: the same praise from several responses is one."""
    seen = set() if seen is None else set(seen)
    kept = []
    for row in rows:
        if row["text"] not in seen and len(kept) < limit:
            seen.add(row["text"])
            kept.append(row)
    return kept


def recognition_suggestions(unit: Unit, *, limit: int = 10, days: int = PRAISE_WINDOW_DAYS) -> list[Suggestion]:
    """Customer comments that praise an employee of the unit's subtree, named ones first, then the newest,
    for the manager to turn into a recognition (3 queries). Only show them to the unit's managers and CX leads."""
    return _praise(Unit.objects.subtree_of(unit), days=days, limit=limit)


def suggestion_for(*, answer_id: int, units: QuerySet[Unit], days: int = PRAISE_WINDOW_DAYS) -> Suggestion | None:
    """The suggestion made of one comment, if it still is one within these units."""
    found = _praise(units, days=days, limit=1, answer_id=answer_id)
    return found[0] if found else None


# --- employee pulse ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitPulse:
    """Employee NPS from the anonymous pulse beside the customers' NPS, for one unit's subtree and one finished
    calendar period (PULSE_PERIOD)."""

    employee: Figure | None  # eNPS; None where the group is hidden (anonymity threshold, complementary suppression)
    customer: Figure  # customer NPS of the same units and period; no value below RESULTS_MIN_SAMPLE
    period: str  # e.g. "2026-11"
    minimum: int

    @property
    def hidden(self) -> bool:
        return self.employee is None


def unit_enps(unit: Unit, *, today: date | None = None) -> UnitPulse:
    """The unit's (and its subtree's) employee NPS from the newest employee pulse, for the latest finished period
    in which it may be shown (of the last six), beside the customer NPS of every other survey in that period.
    Answers that staff typed in count toward neither."""
    today = today or timezone.localdate()
    kind = settings.PULSE_PERIOD
    last_finished = period_start(kind, today) - timedelta(days=1)
    question = (
        Question.objects.filter(survey__kind=Survey.Kind.EMPLOYEE_PULSE, type=QT.NPS)
        .order_by("-survey__created_at", "page", "order", "pk")
        .select_related("survey")
        .first()
    )
    if question is not None:
        period, figure = latest_published(question.survey, unit, question, today=last_finished)
    else:
        period, figure = Period.containing(last_finished), None
    customers = Answer.objects.filter(
        Q(question_type=QT.NPS)
        & slice_filter(Slice(unit=unit, date_from=period.start, date_to=period.end - timedelta(days=1)), "response__")
    ).exclude(Q(response__survey__anonymous=True) | Q(response__source=Response.Source.STAFF))
    return UnitPulse(
        employee=figure,
        customer=nps_from(customers.aggregate(**nps_aggregates())),
        period=period.label,
        minimum=settings.PULSE_MIN_GROUP,
    )
