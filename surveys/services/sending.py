"""Sending a distribution the way a CX lead expects: its own texts per language with placeholders, a test to
oneself, one explicit send or schedule, and repetition every N months."""

from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxprogram.mail import send_on_commit
from surveys.messages import message_render
from surveys.models import Distribution, DistributionMessage, DistributionRepeat
from surveys.services.distribution import distribution_launch, distribution_queue_launch


@transaction.atomic
def distribution_message_save(
    *, distribution: Distribution, kind: str, language: str, subject: str, body: str
) -> DistributionMessage | None:
    """Set the distribution's own text for one kind and language; an empty subject and text return to the standard
    one. Only a distribution not yet sent can change what it says."""
    if distribution.status not in (Distribution.Status.DRAFT, Distribution.Status.SCHEDULED):
        raise ValidationError(_("This distribution has been sent; its texts can no longer change."))
    subject, body = subject.strip(), body.strip()
    existing = DistributionMessage.objects.filter(distribution=distribution, kind=kind, language=language)
    if not subject and not body:
        existing.delete()
        return None
    if not subject or not body:
        raise ValidationError(_("Write both the subject and the text, or neither to send the standard text."))
    unknown = {part.split("}")[0] for part in (subject + body).split("{")[1:]} - {"name", "store", "link"}
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(names)s. Use {name}, {store} and {link}.")
            % {"names": ", ".join(f"{{{name}}}" for name in sorted(unknown))}
        )
    message, _created = DistributionMessage.objects.update_or_create(
        distribution=distribution, kind=kind, language=language, defaults={"subject": subject, "body": body}
    )
    return message


def distribution_test_send(*, distribution: Distribution, message: DistributionMessage, to: str, link: str) -> None:
    """E-mail the message to the person composing it, with sample values and the survey's preview link; nothing is
    recorded as an invitation."""
    rendered = message_render(
        message=message, name=_("Anna (test)"), store=_("Your store"), link=link, unsubscribe=link
    )
    email = EmailMultiAlternatives(subject=f"[TEST] {rendered.subject}", body=rendered.text, to=[to])
    email.attach_alternative(rendered.html, "text/html")
    send_on_commit(email)


@transaction.atomic
def distribution_send(*, distribution_id: int, at: datetime | None = None, now: datetime | None = None) -> str:
    """Send a draft distribution now or schedule it for `at`; returns "sending" or "scheduled". A distribution
    already scheduled or sent is left alone, so a second click changes nothing."""
    now = now or timezone.now()
    distribution = Distribution.objects.select_for_update().get(pk=distribution_id)
    if distribution.status != Distribution.Status.DRAFT:
        raise ValidationError(_("This distribution has already been sent or scheduled."))
    if at is not None and at > now:
        distribution.status, distribution.scheduled_at = Distribution.Status.SCHEDULED, at
        distribution.save(update_fields=["status", "scheduled_at"])
        return "scheduled"
    # As the admin's Launch: with the broker down the distribution is left scheduled for now, for the beat.
    transaction.on_commit(lambda: distribution_queue_launch(distribution_id=distribution.pk, now=now))
    return "sending"


@transaction.atomic
def distribution_repeat_set(
    *, distribution: Distribution, every_months: int | None, now: datetime | None = None
) -> None:
    """Repeat the distribution every N months from its launch (or from now), or stop repeating it (None or 0)."""
    if not every_months:
        DistributionRepeat.objects.filter(distribution=distribution).delete()
        return
    start = distribution.launched_at or distribution.scheduled_at or now or timezone.now()
    DistributionRepeat.objects.update_or_create(
        distribution=distribution,
        defaults={"every_months": every_months, "next_run_at": start + relativedelta(months=every_months)},
    )


def distributions_repeat_due(*, now: datetime | None = None) -> list[int]:
    """Beat: for each repetition that is due, copy its distribution (filters, reminders and texts) as a new run,
    launch it, and move the repetition on by its period; each due repetition is claimed under a row lock, so two
    beats never copy it twice. Returns the new distributions' ids."""
    now = now or timezone.now()
    created = []
    for repeat_id in DistributionRepeat.objects.filter(next_run_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            repeat = (
                DistributionRepeat.objects.select_for_update()
                .select_related("distribution")
                .filter(pk=repeat_id, next_run_at__lte=now)
                .first()
            )
            if repeat is None:
                continue
            source = repeat.distribution
            repeat.runs += 1
            run = Distribution.objects.create(
                survey=source.survey, name=f"{source.name} · {now:%Y-%m-%d}", value_tiers=source.value_tiers,
                external_ids=source.external_ids, reminder_after_days=source.reminder_after_days,
                max_reminders=source.max_reminders,
            )  # fmt: skip
            run.segments.set(source.segments.all())
            run.units.set(source.units.all())
            DistributionMessage.objects.bulk_create(
                DistributionMessage(distribution=run, kind=m.kind, language=m.language, subject=m.subject, body=m.body)
                for m in source.messages.all()
            )
            while repeat.next_run_at <= now:
                repeat.next_run_at += relativedelta(months=repeat.every_months)
            repeat.save(update_fields=["runs", "next_run_at"])
            created.append(run.pk)
        distribution_launch(distribution_id=run.pk)
    return created
