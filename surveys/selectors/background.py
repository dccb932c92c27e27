"""What of the surveys app waits for the Celery worker, shown beside a stopped worker (BACKGROUND_WAITING_WORK)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import ngettext

from surveys.models import FollowUp, Invitation


def waiting_work(*, now: datetime | None = None) -> list[tuple[str, int]]:
    """Invitations queued and open cases whose due-soon warning or escalation is due (what
    followups_check_deadlines would send now), in words with their counts; two queries."""
    now = now or timezone.now()
    queued = Invitation.objects.filter(delivery=Invitation.Delivery.QUEUED).count()
    soon = now + timedelta(minutes=settings.FOLLOWUP_WARNING_MINUTES)
    warning_due = Q(warned_at__isnull=True, due_at__lte=soon, due_at__gt=now)
    escalation_due = Q(escalated_at__isnull=True, due_at__lte=now)
    cases = FollowUp.objects.filter(status=FollowUp.Status.NEW).aggregate(
        n=Count("pk", filter=warning_due | escalation_due)
    )["n"]
    return [
        (ngettext("%(count)s invitation queued", "%(count)s invitations queued", queued) % {"count": queued}, queued),
        (
            ngettext("%(count)s case whose warning is due", "%(count)s cases whose warnings are due", cases)
            % {"count": cases},
            cases,
        ),
    ]
