"""Distribution: choosing whom to invite, throttling and opt-outs, sending invitations and reminders by e-mail.

Every send claims its invitation under a row lock and marks it sent in the same transaction, so a task that
runs twice (re-delivery, retry, two workers) sends each e-mail once; the e-mail leaves when that transaction
commits (cxprogram.mail), so a worker killed in between sends nothing twice. Invitations whose task was lost (a
killed worker's unacknowledged batch, a broker that was down or lost its queue) are queued again by the beat's
sweep, `invitations_requeue_stale`.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as BrokerError

from cxprogram.mail import NotAccepted, send_on_commit
from cxprogram.models import Channel, Customer, Employee, Unit
from surveys.links import unsubscribe_token
from surveys.messages import message_render
from surveys.models import Distribution, DistributionMessage, Invitation, Survey, UnsubscribedAddress
from surveys.selectors.distribution import distribution_audience, throttled_customers, unsubscribe_customer

logger = logging.getLogger(__name__)


def distribution_launch(*, distribution_id: int) -> int:
    """Create the invitations of a draft or scheduled distribution and queue their e-mails; returns how many.

    Launching twice does nothing the second time."""
    with transaction.atomic():
        distribution = Distribution.objects.select_for_update().get(pk=distribution_id)
        if distribution.status not in (Distribution.Status.DRAFT, Distribution.Status.SCHEDULED):
            return 0
        now = timezone.now()
        # Each invitation is about the customer's home unit: the distribution's units only filter the audience by
        # home unit, so the home unit is the most precise unit there is, and the case reaches that store's manager.
        audience = distribution_audience(distribution=distribution, now=now)
        customers = list(audience.values_list("pk", "language", "home_unit_id"))
        invitations = Invitation.objects.bulk_create(
            [
                Invitation(
                    survey=distribution.survey, distribution=distribution, customer_id=pk, language=language,
                    unit_id=home_unit_id, channel=Channel.EMAIL, delivery=Invitation.Delivery.QUEUED,
                )
                for pk, language, home_unit_id in customers
            ],
            batch_size=1000,
        )  # fmt: skip
        distribution.status = Distribution.Status.SENDING
        distribution.launched_at = now
        distribution.save(update_fields=["status", "launched_at"])
        ids = [i.pk for i in invitations]
        size = settings.DISTRIBUTION_BATCH_SIZE
        for start in range(0, len(ids), size):
            batch = ids[start : start + size]
            transaction.on_commit(lambda batch=batch: invitations_queue(invitation_ids=batch))
        transaction.on_commit(lambda: distribution_finish_if_done(distribution_id=distribution_id))
    return len(ids)


def distribution_finish_if_done(*, distribution_id: int) -> None:
    """Mark a sending distribution sent once no invitation waits in the queue."""
    waiting = Invitation.objects.filter(distribution_id=distribution_id, delivery__in=["queued", "sending"])
    if not waiting.exists():
        Distribution.objects.filter(pk=distribution_id, status=Distribution.Status.SENDING).update(
            status=Distribution.Status.SENT
        )


def invitation_for_transaction(
    *,
    survey: Survey,
    customer: Customer,
    touchpoint: str = "",
    unit: Unit | None = None,
    employee: Employee | None = None,
    channel: str = "",
    transaction_ref: str = "",
    send_email: bool = True,
) -> tuple[Invitation | None, str]:
    """One invitation for one transaction (the integration path); returns (invitation, "") or (None, reason).
    Without a unit, the invitation is about the customer's home unit.

    Reasons: "survey_not_live", "opted_out", "unsubscribed", "throttled", "duplicate", "no_email"."""
    now = timezone.now()
    if survey.status != Survey.Status.LIVE:
        return None, "survey_not_live"
    if not customer.can_be_contacted:
        return None, "opted_out"
    if customer.email and _unsubscribed(customer.email):
        return None, "unsubscribed"
    if transaction_ref and Invitation.objects.filter(survey=survey, transaction_ref=transaction_ref).exists():
        return None, "duplicate"
    if throttled_customers(survey=survey, now=now).filter(pk=customer.pk).exists():
        return None, "throttled"
    if send_email and not customer.email:
        return None, "no_email"
    with transaction.atomic():
        invitation = Invitation.objects.create(
            survey=survey, customer=customer, touchpoint=touchpoint, unit=unit or customer.home_unit,
            employee=employee, channel=channel,
            transaction_ref=transaction_ref, language=customer.language,
            delivery=Invitation.Delivery.QUEUED if send_email else Invitation.Delivery.NONE,
        )  # fmt: skip
        if send_email:
            transaction.on_commit(lambda: invitations_queue(invitation_ids=[invitation.pk]))
    return invitation, ""


@dataclass
class EmailsQueued:
    """What `invitations_email` did: how many invitations it queued, and whether their task reached the broker
    (None until the transaction commits)."""

    count: int
    reached_broker: bool | None = None


def invitations_email(*, invitation_ids: list[int]) -> EmailsQueued:
    """E-mail invitations made by hand that were never e-mailed (unanswered, with a customer): mark them queued and
    queue their e-mails after commit. If the broker is unreachable they stay queued and the beat's sweep sends
    them once it is back, as for invitations asked for through the API."""
    with transaction.atomic():
        waiting = Invitation.objects.filter(
            pk__in=invitation_ids,
            delivery=Invitation.Delivery.NONE,
            responded_at__isnull=True,
            customer__isnull=False,
        )
        ids = list(waiting.values_list("pk", flat=True))
        Invitation.objects.filter(pk__in=ids).update(delivery=Invitation.Delivery.QUEUED, channel=Channel.EMAIL)
    outcome = EmailsQueued(count=len(ids))
    if ids:

        def queue() -> None:
            outcome.reached_broker = invitations_queue(invitation_ids=ids)

        transaction.on_commit(queue)
    return outcome


def distribution_start(*, distribution_id: int, now=None) -> str:
    """Start a draft distribution: at its scheduled time ("scheduled"), or now through a Celery task
    ("launching"). When the broker is unreachable the distribution is scheduled for now instead ("waiting"): the
    beat launches it once the broker is back. "" when it is not a draft."""
    now = now or timezone.now()
    distribution = Distribution.objects.filter(pk=distribution_id, status=Distribution.Status.DRAFT).first()
    if distribution is None:
        return ""
    if distribution.scheduled_at and distribution.scheduled_at > now:
        Distribution.objects.filter(pk=distribution_id, status=Distribution.Status.DRAFT).update(
            status=Distribution.Status.SCHEDULED
        )
        return "scheduled"
    return "launching" if distribution_queue_launch(distribution_id=distribution_id, now=now) else "waiting"


def distribution_queue_launch(*, distribution_id: int, now=None) -> bool:
    """Queue the launch of a draft distribution; False when the broker is unreachable. That is logged, not raised:
    the distribution is then scheduled for now, so the beat's launcher starts it once the broker is back (a launch
    that runs twice does nothing the second time). Call it after the transaction that decided to send commits."""
    from surveys.tasks import launch_distribution

    try:
        launch_distribution.apply_async((distribution_id,), retry=False)  # fail fast; the beat launches it later
    except (BrokerError, OSError) as error:
        logger.warning("Distribution %s not queued (broker unavailable: %s); the beat will launch it.",
                       distribution_id, error)  # fmt: skip
        Distribution.objects.filter(pk=distribution_id, status=Distribution.Status.DRAFT).update(
            status=Distribution.Status.SCHEDULED, scheduled_at=now or timezone.now()
        )
        return False
    return True


def invitation_mark_opened(*, invitation: Invitation) -> None:
    """Record when the customer first opened their personal link (later visits change nothing)."""
    if invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=timezone.now())


def invitations_queue(*, invitation_ids: list[int]) -> bool:
    """Queue the e-mails of these invitations; False when the broker is unreachable. That is logged, not raised:
    the invitations are saved as queued and the beat's sweep queues them again, so the caller's work stands."""
    from surveys.tasks import send_invitations

    try:
        send_invitations.apply_async((invitation_ids,), retry=False)  # fail fast; the sweep retries
    except (BrokerError, OSError) as error:
        logger.warning("%d invitation e-mails not queued (broker unavailable: %s); the sweep will retry.",
                       len(invitation_ids), error)  # fmt: skip
        return False
    return True


def invitations_requeue_stale(*, older_than: timedelta, limit: int, now=None) -> int:
    """Queue again the e-mails of invitations still waiting `older_than` after they were created, the oldest
    `limit` of them; returns how many.

    Their task was lost: a worker killed before acknowledging it, or a broker that was down or lost its queue.
    Sending stays once per invitation: a batch queued twice finds the sent ones already claimed. The limit keeps a
    long backlog that is merely slow from being queued again and again in full."""
    now = now or timezone.now()
    ids = list(
        Invitation.objects.filter(delivery=Invitation.Delivery.QUEUED, created_at__lte=now - older_than)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    size = settings.DISTRIBUTION_BATCH_SIZE
    for start in range(0, len(ids), size):
        invitations_queue(invitation_ids=ids[start : start + size])
    return len(ids)


def invitation_send(*, invitation_id: int) -> bool:
    """E-mail one queued invitation; True if this call sent it. Safe to call again at any time."""
    try:
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("survey", "customer")
                .filter(pk=invitation_id, delivery=Invitation.Delivery.QUEUED)
                .first()
            )
            if invitation is None:
                return False
            customer = invitation.customer
            if not _reachable(customer):
                invitation.delivery = Invitation.Delivery.FAILED
                invitation.delivery_error = "opted out or no e-mail address"
                invitation.save(update_fields=["delivery", "delivery_error"])
                return False
            send_on_commit(_email(invitation, reminder=False))
            invitation.delivery = Invitation.Delivery.SENT
            invitation.sent_at = timezone.now()
            invitation.delivery_error = ""
            invitation.save(update_fields=["delivery", "sent_at", "delivery_error"])
    except NotAccepted:
        # Committed as sent, but the SMTP server refused the message at its end: queue it again, the task retries.
        Invitation.objects.filter(pk=invitation_id, delivery=Invitation.Delivery.SENT).update(
            delivery=Invitation.Delivery.QUEUED, sent_at=None
        )
        raise
    return True


def invitation_mark_failed(*, invitation_ids: list[int], error: str) -> None:
    """Give up on invitations whose e-mail kept failing; the admin shows them as failed."""
    Invitation.objects.filter(pk__in=invitation_ids, delivery=Invitation.Delivery.QUEUED).update(
        delivery=Invitation.Delivery.FAILED, delivery_error=error[:300]
    )


def reminder_send(*, invitation_id: int, now=None) -> bool:
    """Send the next reminder of one invitation if it is still due; True if this call sent it."""
    now = now or timezone.now()
    previous = None
    try:
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("survey", "customer", "distribution")
                .filter(pk=invitation_id, delivery=Invitation.Delivery.SENT, responded_at__isnull=True)
                .first()
            )
            if invitation is None or invitation.distribution is None:
                return False
            distribution = invitation.distribution
            last = invitation.last_reminded_at or invitation.sent_at
            if invitation.reminders_sent >= distribution.max_reminders or last > now - timedelta(
                days=distribution.reminder_after_days
            ):
                return False
            customer = invitation.customer
            if not _reachable(customer):
                return False
            send_on_commit(_email(invitation, reminder=True))
            previous = invitation.last_reminded_at
            invitation.reminders_sent += 1
            invitation.last_reminded_at = now
            invitation.save(update_fields=["reminders_sent", "last_reminded_at"])
    except NotAccepted:
        # Counted, but the SMTP server refused the message at its end: uncount it, so the next run sends it.
        Invitation.objects.filter(pk=invitation_id, last_reminded_at=now).update(
            reminders_sent=F("reminders_sent") - 1, last_reminded_at=previous
        )
        raise
    return True


def customer_unsubscribe(*, token: str) -> Customer | None:
    """Opt the customer of a signed unsubscribe token out of every survey, and block the address; idempotent."""
    customer = unsubscribe_customer(token=token)
    if customer is None:
        return None
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk, opted_out_at__isnull=True).update(opted_out_at=timezone.now())
        if customer.email:
            UnsubscribedAddress.objects.get_or_create(email=customer.email.lower())
    return customer


def _reachable(customer: Customer | None) -> bool:
    """Whether an e-mail may go to this customer right now (consent, opt-out, address, unsubscribe list)."""
    return (
        customer is not None
        and customer.can_be_contacted
        and bool(customer.email)
        and not _unsubscribed(customer.email)
    )


def _unsubscribed(email: str) -> bool:
    return UnsubscribedAddress.objects.filter(email=email.lower()).exists()


def _email(invitation: Invitation, *, reminder: bool) -> EmailMultiAlternatives:
    customer = invitation.customer
    language = invitation.language or customer.language or invitation.survey.default_language
    survey_url = settings.SITE_URL + reverse("survey-invitation", args=[invitation.token])
    unsubscribe_url = settings.SITE_URL + reverse("unsubscribe", args=[unsubscribe_token(invitation)])
    with translation.override(language):
        context = {
            "customer": customer,
            "title": invitation.survey.localized("title", language),
            "intro": invitation.survey.localized("intro", language),
            "survey_url": survey_url,
            "unsubscribe_url": unsubscribe_url,
            "reminder": reminder,
        }
        # A plain-text header: not HTML-escaped, and on one line (a line break in a header makes sending fail).
        subject = " ".join(render_to_string("surveys/email/invitation_subject.txt", context).split())
        text = render_to_string("surveys/email/invitation.txt", context)
        html = render_to_string("surveys/email/invitation.html", context)
    own = _own_text(invitation, language=language, reminder=reminder)
    if own is not None:  # the distribution's own text in this language, placeholders filled in
        store = invitation.unit.name if invitation.unit_id else ""
        rendered = message_render(
            message=own, name=customer.name, store=store, link=survey_url, unsubscribe=unsubscribe_url
        )
        subject, text, html = rendered.subject, rendered.text, rendered.html
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[customer.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _own_text(invitation: Invitation, *, language: str, reminder: bool) -> DistributionMessage | None:
    if invitation.distribution_id is None:
        return None
    kind = DistributionMessage.Kind.REMINDER if reminder else DistributionMessage.Kind.INVITATION
    return DistributionMessage.objects.filter(
        distribution_id=invitation.distribution_id, kind=kind, language=language
    ).first()
