"""Reads of the closed loop: who may see which cases, the case desk's filtered queue, who owns a new case, and
how well the loop closes."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cxprogram.models import Employee, Unit
from surveys.inbound_mail import reply_subject
from surveys.links import followup_id_from_recovery_token
from surveys.models import Answer, Complaint, FollowUp, Question, ReplyTemplate, Response, SavedQueueView
from surveys.selectors.metrics import (
    Figure,
    share_from,
    start_of,
)
from surveys.selectors.themes import comments_matching, with_theme
from surveys.text.pii import mask


def followups_visible(scope, *, unit_ids: list[int] | None = None) -> QuerySet[FollowUp]:
    """Cases a person may see: CX leads all, managers their unit subtree and cases given to them, frontline
    employees the cases about customers they served when FOLLOWUP_FRONTLINE_SEES_OWN is on. `unit_ids`: a manager's
    subtree already read as a list of ids (with the subquery the planner cannot tell a store from the company, and
    reads every case: 100 ms at 644,000 cases against 2 ms by the unit and owner indexes)."""
    cases = FollowUp.objects.all()
    if scope.is_lead:
        return cases
    if scope.is_manager:
        units = scope.units() if unit_ids is None else unit_ids
        return cases.filter(Q(unit__in=units) | Q(owner=scope.employee))
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
    medians = {}
    if connection.vendor == "postgresql":  # the medians in the same pass over the cases
        medians = {
            "to_contact": MedianDuration(_since_opened("first_contact_at"), filter=Q(first_contact_at__isnull=False)),
            "to_resolve": MedianDuration(_since_opened("resolved_at"), filter=RESOLVED),
        }
    counts = cases.aggregate(
        **medians,
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
        median_minutes_to_contact=_minutes(counts["to_contact"])
        if medians
        else _median_minutes(cases.filter(first_contact_at__isnull=False), "first_contact_at"),
        median_minutes_to_resolve=_minutes(counts["to_resolve"])
        if medians
        else _median_minutes(cases.filter(RESOLVED), "resolved_at"),
        top_causes=[(labels[code], n) for code, n in causes],
        recovered=share_from({"n": counts["answered"], "hits": counts["solved"]}, min_sample=1),
    )


class MedianDuration(Aggregate):
    """PostgreSQL's exact median of an interval."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


RESOLVED = Q(resolved_at__isnull=False, status=FollowUp.Status.RESOLVED)


def _since_opened(field: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(field) - F("created_at"), output_field=DurationField())


def _minutes(duration) -> float | None:
    return None if duration is None else duration.total_seconds() / 60


def _median_minutes(cases: QuerySet[FollowUp], field: str) -> float | None:
    """The median of (field − opened) in minutes."""
    return median_of(cases, _since_opened(field))


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


def active_manager(unit: Unit, *, exclude: Employee | None = None) -> Employee | None:
    """The unit's first active manager (other than `exclude`), or None."""
    managers = Employee.objects.filter(unit=unit, role=Employee.Role.MANAGER, user__is_active=True)
    if exclude is not None:
        managers = managers.exclude(pk=exclude.pk)
    return managers.select_related("user").order_by("pk").first()


def unit_manager(unit: Unit | None, *, exclude: Employee | None = None) -> Employee | None:
    """The manager of the unit, else of the nearest unit above it; None when there is none."""
    while unit is not None:
        if manager := active_manager(unit, exclude=exclude):
            return manager
        unit = unit.parent
    return None


def case_owner(response: Response) -> tuple[Unit | None, Employee | None]:
    """The unit a new case belongs to and its owner: the manager of the unit that served the customer, else the
    manager of the unit that owns the response's touchpoint (found through FOLLOWUP_OWNER_UNIT_RESOLVERS, so
    this app never imports the journeys app), else nobody: the CX leads' queue."""
    if response.unit_id and (manager := active_manager(response.unit)):
        return response.unit, manager
    for path in settings.FOLLOWUP_OWNER_UNIT_RESOLVERS:
        unit = import_string(path)(response.touchpoint)
        if unit is not None and (manager := active_manager(unit)):
            return response.unit or unit, manager
    return response.unit, None


def reply_templates_for(language: str) -> QuerySet[ReplyTemplate]:
    """Every reply template, those in the customer's `language` first (each `in_customer_language`), then the
    others: a case in another language still has a ready text to start from."""
    first = Case(When(language=language, then=Value(True)), default=Value(False))
    return ReplyTemplate.objects.annotate(in_customer_language=first).order_by(
        "-in_customer_language", "language", "root_cause", "name", "pk"
    )


def reply_draft(
    *, followup: FollowUp, template: ReplyTemplate | None, complaint: Complaint | None = None
) -> tuple[str, str]:
    """Subject and text to start a reply from: the template with the customer's name filled in; an e-mailed
    complaint is answered under "Re: " and its own subject, in its thread."""
    customer = followup.response.customer
    email = complaint is not None and complaint.is_email
    # The customer's subject is their words, shown to whoever opens the case: masked like a comment (the thread
    # is kept by the Message-ID headers, not by the subject).
    subject = reply_subject(mask(complaint.subject)) if email else ""
    if template is None:
        return subject, ""
    if email:
        name = "" if "@" in complaint.author_handle else complaint.author_handle  # an address is no name to greet
    else:
        name = customer.name if customer else ""
    name = name or _("customer")
    return subject or template.subject, template.body.replace("{name}", name)


def recovery_case(token: str) -> FollowUp | None:
    """The case a signed "is it solved?" link is about, or None for a bad token."""
    followup_id = followup_id_from_recovery_token(token)
    if followup_id is None:
        return None
    return FollowUp.objects.select_related("response__customer").filter(pk=followup_id).first()


TEXT_TYPES = list(Question.TEXT_TYPES)
PRIORITY_BANDS = {"high": (60, None), "medium": (30, 59), "low": (None, 29)}  # as the form's choices say


def desk_queue(
    cases: QuerySet[FollowUp], *, filters: dict, now: datetime, me: Employee | None, personal_data: bool = False
) -> QuerySet[FollowUp]:
    """The queue for the desk's filters (status, deadline, priority, unit, survey, owner, mine, search, the comments'
    theme and sentiment): open cases
    overdue first, then by priority and deadline; finished ones newest first. Each case carries `overdue` and
    `snippet` (the customer's first comment), in the same query."""
    status = filters.get("status") or "open"
    if status == "open":
        cases = cases.filter(status__in=FollowUp.OPEN)
    elif status == "done":
        cases = cases.exclude(status__in=FollowUp.OPEN)
    elif status in (FollowUp.Status.NEW, FollowUp.Status.CONTACTED):
        cases = cases.filter(status=status)
    due = filters.get("due")
    if due == "overdue":
        cases = cases.filter(status=FollowUp.Status.NEW, due_at__lt=now)
    elif due == "today":
        cases = cases.filter(status=FollowUp.Status.NEW, due_at__lt=start_of(timezone.localdate(now), next_day=True))
    low, high = {"high": (60, None), "medium": (30, 59), "low": (None, 29)}.get(
        filters.get("priority") or "", (None, None)
    )
    if low is not None:
        cases = cases.filter(priority__gte=low)
    if high is not None:
        cases = cases.filter(priority__lte=high)
    if filters.get("unit") is not None:
        cases = cases.filter(unit=filters["unit"])
    if filters.get("survey") is not None:
        cases = cases.filter(response__survey=filters["survey"])
    if filters.get("owner_filtered"):
        cases = cases.filter(owner_id=filters.get("owner_id"))
    if filters.get("mine") and me is not None:
        cases = cases.filter(owner=me)
    search = filters.get("q") or ""
    if search:
        cases = cases.filter(_search(search, personal_data=personal_data))
    if filters.get("theme") or filters.get("sentiment"):
        cases = with_theme(
            cases,
            theme=filters.get("theme") or "",
            sentiment=filters.get("sentiment") or "",
            response_field="response_id",
        )
    comment = Answer.objects.filter(response=OuterRef("response"), question_type__in=TEXT_TYPES).exclude(text="")
    overdue = Case(When(status=FollowUp.Status.NEW, due_at__lt=now, then=Value(1)), default=Value(0))
    cases = cases.annotate(
        overdue=overdue if status != "done" else Value(0, output_field=IntegerField()),
        snippet=Subquery(comment.order_by("question__page", "question__order", "pk").values("text")[:1]),
    ).select_related("owner__user", "unit", "response__customer", "response__survey")
    if status == "done":
        return cases.order_by("-resolved_at", "-pk")
    return cases.order_by("-overdue", "-priority", "due_at", "pk")


def _search(text: str, *, personal_data: bool) -> Q:
    """A case number, the customer's name, id, e-mail or phone, or words of the comment (which hold the keywords a
    case was opened for; the reasons themselves are codes, worded only when shown)."""
    comments = Answer.objects.filter(response=OuterRef("response"), question_type__in=TEXT_TYPES)
    words = comments_matching(comments, text, personal_data=personal_data)
    found = (
        Q(response__customer__name__unicontains=text, response__survey__anonymous=False)
        | Q(response__customer__external_id__iexact=text, response__survey__anonymous=False)
        | Q(response__customer__email__iexact=text, response__survey__anonymous=False)
        | Q(response__customer__phone__icontains=text, response__survey__anonymous=False)
        | Exists(words)
    )
    number = text.lstrip("#")
    if number.isdecimal() and len(number) < 10:
        found |= Q(pk=int(number))
    return found


def saved_views(employee: Employee | None) -> QuerySet[SavedQueueView]:
    """The queue views a person saved, by name."""
    if employee is None:
        return SavedQueueView.objects.none()
    return SavedQueueView.objects.filter(employee=employee).order_by("name")
