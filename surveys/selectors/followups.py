"""Reads of the case desk: the filtered queue with each case's deadline, priority and the customer's words."""

from datetime import datetime

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from cxprogram.models import Employee
from surveys.models import Answer, FollowUp, Question, SavedQueueView
from surveys.selectors.metrics import start_of
from surveys.selectors.themes import with_theme

TEXT_TYPES = list(Question.TEXT_TYPES)
PRIORITY_BANDS = {"high": (60, None), "medium": (30, 59), "low": (None, 29)}  # as the form's choices say


def desk_queue(cases: QuerySet[FollowUp], *, filters: dict, now: datetime, me: Employee | None) -> QuerySet[FollowUp]:
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
        cases = cases.filter(_search(search))
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


def _search(text: str) -> Q:
    """A case number, the customer's name, id, e-mail or phone, or words of the comment (which hold the keywords a
    case was opened for; the reasons themselves are codes, worded only when shown)."""
    words = Answer.objects.filter(response=OuterRef("response"), question_type__in=TEXT_TYPES, text__unicontains=text)
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
