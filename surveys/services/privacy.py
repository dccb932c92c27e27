"""A customer's personal data on request and by policy: erasure of one customer, and retention.

The program's figures stay exactly as they were: scores, segment, value tier, unit, channel and dates remain on
the answers, attached to a customer record that has no name, contact or external id any more (a different one
for the retained past of a customer who is still active). Free texts, transaction references, case notes and
audit values are erased; an audit entry records that it happened, without the data."""

import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from cxprogram.audit import ERASED, audit_erased, audit_redact
from cxprogram.models import Customer, WebhookDelivery
from surveys.models import (
    Answer,
    Complaint,
    FollowUp,
    FollowUpEvent,
    Invitation,
    Question,
    Response,
    UnsubscribedAddress,
)


def _placeholder_customer(customer: Customer) -> Customer:
    """A customer record with the group attributes figures are cut by, and nothing that names anybody."""
    return Customer.objects.create(
        external_id=f"erased-{secrets.token_hex(8)}",
        language=customer.language,
        segment_id=customer.segment_id,
        value_tier=customer.value_tier,
        home_unit_id=customer.home_unit_id,
        consent=False,
        opted_out_at=timezone.now(),
    )


def _erase_answers(responses: list[int]) -> list[int]:
    """Erase the free texts and transaction references of these responses and the notes of their cases; the ids
    of the erased text answers are returned for the apps above (recognitions quote customers' comments)."""
    texts = Answer.objects.filter(response__in=responses, question_type__in=list(Question.TEXT_TYPES)).exclude(
        text=ERASED
    )
    answer_ids = list(texts.values_list("pk", flat=True))
    texts.update(text=ERASED)
    Response.objects.filter(pk__in=responses).exclude(transaction_ref="").update(transaction_ref="")
    cases = list(FollowUp.objects.filter(response__in=responses).values_list("pk", flat=True))
    FollowUp.objects.filter(pk__in=cases).exclude(action_taken="").update(action_taken=ERASED)
    # A complaint from outside keeps its message id (a message read again stays one case) and nothing of its author.
    Complaint.objects.filter(followup__in=cases).exclude(text=ERASED).update(
        text=ERASED, author_handle="", author_email="", subject="", public_url=""
    )
    events = FollowUpEvent.objects.filter(followup__in=cases)
    event_ids = list(events.values_list("pk", flat=True))
    events.exclude(text="").update(text=ERASED)
    audit_redact(model=Response, pks=responses)
    audit_redact(model=FollowUp, pks=cases)
    audit_redact(model=FollowUpEvent, pks=event_ids)
    for path in settings.ERASED_ANSWER_HOOKS:
        import_string(path)(answer_ids=answer_ids)
    return answer_ids


def _redact_webhook_payloads(external_id: str) -> int:
    """Deliveries already stored for other systems keep their event but lose the customer's id and words."""
    deliveries = list(WebhookDelivery.objects.filter(payload__data__customer=external_id))
    for delivery in deliveries:
        payload = dict(delivery.payload)
        data = payload["data"]
        data["customer"] = None
        data["transaction_ref"] = ""
        for answer in data.get("answers") or []:
            if answer.get("text"):
                answer["text"] = ERASED
        if data.get("action_taken"):
            data["action_taken"] = ERASED
        delivery.payload = payload
    WebhookDelivery.objects.bulk_update(deliveries, ["payload"])
    return len(deliveries)


@transaction.atomic
def customer_erase(*, customer: Customer, actor: AbstractBaseUser | None) -> Customer:
    """Erase one customer's personal data: contact details and external id, the free texts of their answers and of
    the complaints they e-mailed from their address, transaction references, case notes, webhook payloads and audit
    values that carry them. Their scores stay,
    on the same record, which keeps only segment, value tier, home unit and language. Idempotent."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    old_external_id, old_email = customer.external_id, customer.email
    responses = list(Response.objects.filter(customer=customer).values_list("pk", flat=True))
    if old_email:  # what they e-mailed to the feedback mailbox is theirs too
        complaints = Complaint.objects.filter(author_email__iexact=old_email)
        responses += list(complaints.values_list("followup__response_id", flat=True))
    _erase_answers(responses)
    for invitation in Invitation.objects.filter(customer=customer):
        # A new token: the old link, which may sit in a mailbox, no longer opens anything of theirs.
        invitation.token = Invitation._meta.get_field("token").get_default()
        invitation.transaction_ref = ""
        invitation.delivery_error = ""
        invitation.save(update_fields=["token", "transaction_ref", "delivery_error"])
    if old_email:
        UnsubscribedAddress.objects.filter(email__iexact=old_email).delete()
    _redact_webhook_payloads(old_external_id)
    audit_redact(model=Customer, pks=[customer.pk])
    customer.external_id = f"erased-{secrets.token_hex(8)}"
    customer.name = customer.email = customer.phone = ""
    customer.consent = False
    customer.opted_out_at = customer.opted_out_at or timezone.now()
    customer.save()
    audit_erased(instance=customer, actor=actor, what="customer's personal data")
    return customer


def retention_apply(*, now: datetime | None = None, months: int | None = None) -> int:
    """Anonymise answers and cases older than RETENTION_MONTHS: their free texts, references and case notes are
    erased and the old answers move to a customer record without identity, one per customer, so every figure
    (by segment, value tier, unit, customer) stays the same. Returns the number of responses anonymised."""
    months = settings.RETENTION_MONTHS if months is None else months
    if months <= 0:
        return 0
    now = now or timezone.now()
    year, month = divmod(now.month - 1 - months, 12)
    cutoff = now.replace(year=now.year + year, month=month + 1, day=min(now.day, 28))
    old = Response.objects.filter(submitted_at__lt=cutoff)
    done = 0
    identified = old.filter(customer__isnull=False).exclude(customer__external_id__startswith="erased-")
    for customer in Customer.objects.filter(pk__in=identified.values("customer_id")):
        with transaction.atomic():
            responses = list(old.filter(customer=customer).values_list("pk", flat=True))
            placeholder = _placeholder_customer(customer)
            Response.objects.filter(pk__in=responses).update(customer=placeholder, invitation=None)
            _erase_answers(responses)
            audit_erased(instance=placeholder, actor=None, what=f"answers older than {months} months")
            done += len(responses)
    # Whatever else is old: answers without a customer, cases and invitations of the period.
    with transaction.atomic():
        texts = Answer.objects.filter(response=OuterRef("pk"), question_type__in=list(Question.TEXT_TYPES)).exclude(
            text=ERASED
        )
        rest = list(old.filter(~Q(transaction_ref="") | Exists(texts)).values_list("pk", flat=True))
        _erase_answers(rest)
        Invitation.objects.filter(created_at__lt=cutoff).exclude(transaction_ref="").update(transaction_ref="")
    return done
