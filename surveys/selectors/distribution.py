"""Reads of distribution: whom a distribution reaches, who is throttled, which invitations are open or due a
reminder."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import (
    F,
    Q,
    QuerySet,
)
from django.utils import timezone

from cxprogram.models import Customer
from surveys.links import invitation_id_from_unsubscribe_token
from surveys.models import (
    Distribution,
    Invitation,
    Response,
    Survey,
    UnsubscribedAddress,
)
from surveys.selectors.audience import distribution_matches


def invitation_by_token(*, token: str) -> Invitation | None:
    """An invitation that has not been answered, with its survey and customer, or None."""
    invitation = (
        Invitation.objects.select_related("customer", "unit", "employee")
        .filter(token=token, responded_at__isnull=True)
        .first()
    )
    return invitation


def throttled_customers(*, survey: Survey, now) -> QuerySet[Customer]:
    """Customers invited to this survey within its contact period, or to any survey within the program's."""
    recent = Q(
        invitations__survey=survey, invitations__created_at__gte=now - timedelta(days=survey.contact_throttle_days)
    )
    recent |= Q(invitations__created_at__gte=now - timedelta(days=settings.PROGRAM_CONTACT_DAYS))
    return Customer.objects.filter(recent)


def distribution_audience(*, distribution: Distribution, now=None) -> QuerySet[Customer]:
    """Contactable customers with an e-mail who match the distribution and are not throttled or unsubscribed."""
    now = now or timezone.now()
    customers = distribution_matches(distribution=distribution).filter(consent=True, opted_out_at__isnull=True)
    customers = customers.exclude(email="")
    customers = customers.exclude(pk__in=throttled_customers(survey=distribution.survey, now=now).values("pk"))
    return customers.exclude(email__in=UnsubscribedAddress.objects.values("email"))


def reminders_due(*, now=None) -> list[Invitation]:
    """Sent, unanswered invitations of live surveys whose distribution allows another reminder now."""
    now = now or timezone.now()
    invitations = Invitation.objects.filter(
        delivery=Invitation.Delivery.SENT,
        responded_at__isnull=True,
        survey__status=Survey.Status.LIVE,
        distribution__isnull=False,
        reminders_sent__lt=F("distribution__max_reminders"),
    )
    return [
        i
        for i in invitations.select_related("distribution")
        if (i.last_reminded_at or i.sent_at) <= now - timedelta(days=i.distribution.reminder_after_days)
    ]


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


def unsubscribe_customer(*, token: str) -> Customer | None:
    """The customer a signed unsubscribe token is for, or None when it is not valid."""
    invitation_id = invitation_id_from_unsubscribe_token(token)
    if invitation_id is None:
        return None
    invitation = Invitation.objects.select_related("customer").filter(pk=invitation_id).first()
    return invitation.customer if invitation is not None else None
