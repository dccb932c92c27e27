"""Answering the customer by e-mail from the case: to the customer's address, or for an e-mailed complaint to its
sender in their own thread; once per form, recorded as contact with the customer."""

import logging
from smtplib import SMTPException

from django.core.exceptions import ValidationError
from django.core.mail import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.utils.translation import gettext as _

from cxprogram.models import Employee
from surveys.inbound_mail import SYNTHETIC_ID_DOMAIN
from surveys.models import Complaint, FollowUp, FollowUpEvent
from surveys.selectors.complaints import complaint_of
from surveys.services.followups import case_email, case_event, followup_contacted

logger = logging.getLogger(__name__)


def followup_reply(*, followup: FollowUp, actor: Employee | None, subject: str, body: str, key: str = "") -> bool:
    """E-mail the customer from the case (never for anonymous surveys): to the customer's address, or for an
    e-mailed complaint to its sender in their thread (In-Reply-To: their latest message; References: the thread,
    starting with their first Message-ID). The text goes into the history and, on an open case, the reply counts as
    contact with the customer (the first one, if none was recorded). `key` (the form's, one per page) makes a second
    post of the same form send nothing: False. When the mail server cannot take the message, nothing is recorded
    and the error says so."""
    complaint = complaint_of(followup)
    customer = followup.response.customer
    email_case = complaint is not None and complaint.is_email
    if email_case:
        address = complaint.author_email
    elif followup.response.survey.anonymous or customer is None or not customer.email:
        raise ValidationError(_("This customer cannot be e-mailed."))
    else:
        address = customer.email
    if not subject.strip() or not body.strip():
        raise ValidationError(_("Write a subject and a text."))
    if "\n" in subject or "\r" in subject:  # a line break would start another mail header
        raise ValidationError(_("The subject must be a single line."))
    try:
        with transaction.atomic():
            locked = FollowUp.objects.select_for_update().get(pk=followup.pk)  # two posts of one form: one e-mail
            if key and locked.events.filter(kind=FollowUpEvent.Kind.REPLIED, params__key=key).exists():
                return False
            headers = _thread_headers(complaint, locked) if email_case else {}
            params = {"key": key[:64]} if key else {}
            if "Message-ID" in headers:
                params["message_id"] = headers["Message-ID"]  # the customer's answer to it finds this case
            case_event(locked, actor, FollowUpEvent.Kind.REPLIED, f"{subject.strip()}\n\n{body.strip()}", params)
            case_email(subject.strip(), body.strip(), [address], headers or None)
            if locked.is_open:
                followup_contacted(followup=locked, actor=actor)
                followup.first_contact_at, followup.status = locked.first_contact_at, locked.status
    except (SMTPException, OSError) as error:
        logger.warning("Reply to case %s not sent: %s", followup.pk, error)
        raise ValidationError(_("The e-mail could not be sent; please try again later.")) from error
    return True


def _thread_headers(complaint: Complaint, followup: FollowUp) -> dict[str, str]:
    """Our own Message-ID, and the thread so far: the customer's first message, then every message of the case
    (ours and theirs) in order; In-Reply-To is the customer's latest."""
    thread = [complaint.message_id] if not complaint.message_id.endswith(f"@{SYNTHETIC_ID_DOMAIN}>") else []
    latest = thread[0] if thread else None
    events = followup.events.filter(kind__in=[FollowUpEvent.Kind.REPLIED, FollowUpEvent.Kind.WROTE])
    for kind, params in events.order_by("at", "pk").values_list("kind", "params"):
        if params.get("message_id"):
            thread.append(params["message_id"])
            latest = params["message_id"] if kind == FollowUpEvent.Kind.WROTE else latest
    headers = {"Message-ID": make_msgid(domain=DNS_NAME)}
    if thread:
        headers["References"] = " ".join([thread[0], *thread[1:][-19:]])  # the first and the newest, as RFC 5322
    if latest:
        headers["In-Reply-To"] = latest
    return headers


def followup_customer_wrote(*, followup: FollowUp, message_id: str, text: str) -> bool:
    """The customer answered the case's e-mail: their words go into the case's history, once per message (a
    message read twice, or by two runs at once, adds one line). False when it was there already."""
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=followup.pk)
        if locked.events.filter(kind=FollowUpEvent.Kind.WROTE, params__message_id=message_id).exists():
            return False
        case_event(locked, None, FollowUpEvent.Kind.WROTE, text or "…", {"message_id": message_id})
    return True
