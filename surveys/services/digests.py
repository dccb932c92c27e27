"""Digests: each morning a manager hears about the new detractors, the cases due today and the overdue ones in
their units; each Monday a CX lead hears how the week went. In the reader's language, and only when there is
something to say; each digest is claimed for its period before it leaves, so a beat that runs twice sends once."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cxprogram.mail import send_on_commit
from cxprogram.models import Employee
from cxprogram.selectors import scope_for
from surveys.models import DigestSent, FollowUp
from surveys.selectors.followups import followups_visible, loop_metrics
from surveys.selectors.metrics import start_of
from surveys.selectors.responses import responses_visible


@dataclass
class Digest:
    kind: str
    new_cases: int = 0
    due_today: int = 0
    overdue: int = 0
    responses: int = 0
    contacted_in_time: object = None
    recovered: object = None
    newest: list = field(default_factory=list)

    @property
    def worth_sending(self) -> bool:
        return bool(self.new_cases or self.due_today or self.overdue or (self.kind == "weekly" and self.responses))


def manager_digest(employee: Employee, *, now: datetime) -> Digest:
    """The last day in the manager's units: cases opened (new detractors), first contacts due by tonight, overdue."""
    cases = followups_visible(scope_for(employee.user))
    waiting = cases.filter(status=FollowUp.Status.NEW)
    tonight = start_of(timezone.localdate(now), next_day=True)
    new = cases.filter(created_at__gte=now - timedelta(days=1))
    return Digest(
        kind=DigestSent.Kind.DAILY,
        new_cases=new.count(),
        due_today=waiting.filter(due_at__gte=now, due_at__lt=tonight).count(),
        overdue=waiting.filter(due_at__lt=now).count(),
        newest=list(new.select_related("response__customer", "unit").order_by("-priority", "due_at")[:5]),
    )


def lead_digest(employee: Employee, *, now: datetime) -> Digest:
    """The last week of the program: answers, cases opened, overdue now, contacted in time and won back."""
    scope = scope_for(employee.user)
    week = now - timedelta(days=7)
    cases = followups_visible(scope)
    opened = cases.filter(created_at__gte=week)
    metrics = loop_metrics(opened, now=now)
    return Digest(
        kind=DigestSent.Kind.WEEKLY,
        new_cases=metrics.cases,
        overdue=cases.filter(status=FollowUp.Status.NEW, due_at__lt=now).count(),
        responses=responses_visible(scope).filter(submitted_at__gte=week).count(),
        contacted_in_time=metrics.contacted_in_time,
        recovered=metrics.recovered,
        newest=list(opened.select_related("response__customer", "unit").order_by("-priority", "due_at")[:5]),
    )


def digest_send(*, employee: Employee, kind: str, period_start: date, now: datetime) -> bool:
    """Compose and send one digest if there is something to say and it was not sent for this period yet."""
    digest = (manager_digest if kind == DigestSent.Kind.DAILY else lead_digest)(employee, now=now)
    if not digest.worth_sending or not employee.user.email:
        return False
    try:
        with transaction.atomic():
            DigestSent.objects.create(employee=employee, kind=kind, period_start=period_start)
            with translation.override(employee.language):
                site = settings.SITE_URL
                context = {"digest": digest, "employee": employee, "site": site, "home": f"{site}/",
                           "queue": site + reverse("followup-list")}  # fmt: skip
                subject = " ".join(render_to_string(f"surveys/email/digest_{kind}_subject.txt", context).split())
                body = render_to_string(f"surveys/email/digest_{kind}.txt", context)
            send_on_commit(EmailMessage(subject=subject, body=body, to=[employee.user.email]))
    except IntegrityError:
        return False  # another run claimed this period first
    return True


def digests_send(*, now: datetime | None = None) -> int:
    """Beat (hourly): from DIGEST_HOUR local time, each manager's daily digest; on DIGEST_WEEKDAY, each CX lead's
    weekly one. Returns how many left."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.DIGEST_HOUR:
        return 0
    today = local.date()
    people = Employee.objects.filter(user__is_active=True).exclude(user__email="").select_related("user", "unit")
    sent = 0
    for manager in people.filter(role=Employee.Role.MANAGER):
        sent += digest_send(employee=manager, kind=DigestSent.Kind.DAILY, period_start=today, now=now)
    if today.weekday() == settings.DIGEST_WEEKDAY:
        for lead in people.filter(role=Employee.Role.CX_LEAD):
            sent += digest_send(employee=lead, kind=DigestSent.Kind.WEEKLY, period_start=today, now=now)
    return sent
