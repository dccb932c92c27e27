"""Complaints from outside the survey pages become follow-up cases in the same queue and SLA machinery.

A complaint is kept as a response of the program's closed "complaints from outside" survey (its text as the
comment), so the case desk, digests, escalation and exports treat it as any unhappy answer."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxprogram.models import Employee, Unit
from surveys.models import Answer, Complaint, FollowUp, FollowUpEvent, Question, Response, Survey
from surveys.selectors.followups import unit_manager
from surveys.services.followups import business_due, followup_contacted
from surveys.services.rollups import responses_move, rollup_add

COMPLAINTS_SURVEY_ID = "complaints-from-outside"


@dataclass(frozen=True)
class Incoming:
    """One message as a connector, the API or the mailbox reader hands it over."""

    message_id: str
    channel: str
    text: str
    author_handle: str = ""
    author_email: str = ""  # e-mail only: where an answer from the case goes
    subject: str = ""
    public_url: str = ""
    unit: Unit | None = None
    received_at: datetime | None = None
    language: str = "ru"
    contact_details: str = ""  # the "write to us" form: how the customer wants to hear back


def complaints_question() -> Question:
    """The closed survey and its one comment question that hold complaints (made on first use)."""
    survey, _created = Survey.objects.get_or_create(
        public_id=COMPLAINTS_SURVEY_ID,
        defaults={
            "name": "Complaints from outside",
            "title_en": "Complaints from outside",
            "title_ru": "Жалобы из внешних каналов",
            "status": Survey.Status.CLOSED,
            "followup_enabled": False,  # cases are opened here, never by the hosted page's rules
        },
    )
    question, _created = Question.objects.get_or_create(
        survey=survey,
        code="complaint",
        defaults={"type": Question.Type.LONG_TEXT, "text_en": "Complaint", "text_ru": "Жалоба", "required": False},
    )
    return question


def complaint_due(received: datetime, *, public: bool) -> datetime:
    """Public complaints are due within the program's public-answer hours around the clock; others follow the
    same-day business rule of every case."""
    if public:
        return received + timedelta(hours=settings.COMPLAINT_PUBLIC_ANSWER_HOURS)
    return business_due(received)


def complaint_receive(*, incoming: Incoming) -> tuple[Complaint, bool]:
    """The complaint of `incoming.message_id` and whether it is new: a replayed message (also two deliveries at
    once) returns the first one's complaint and opens no second case."""
    existing = Complaint.objects.filter(message_id=incoming.message_id).select_related("followup").first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return _complaint_open(incoming), True
    except IntegrityError:
        return Complaint.objects.select_related("followup").get(message_id=incoming.message_id), False


def _complaint_open(incoming: Incoming) -> Complaint:
    received = incoming.received_at or timezone.now()
    question = complaints_question()
    response = Response.objects.create(
        survey_id=question.survey_id,
        unit=incoming.unit,
        channel=incoming.channel,
        language=incoming.language,
        source=Response.Source.COMPLAINT,
        submitted_at=received,
        contact_details=incoming.contact_details,
    )
    text = Answer.objects.create(response=response, question=question, question_type=question.type, text=incoming.text)
    rollup_add(response=response, answers=[text])
    owner = unit_manager(incoming.unit)
    reasons = [["complaint", incoming.channel]]
    followup = FollowUp.objects.create(
        response=response,
        owner=owner,
        unit=incoming.unit,
        priority=1 if incoming.public_url else 0,  # said in public: others read it until it is answered
        reason_codes=reasons,
        due_at=complaint_due(received, public=bool(incoming.public_url)),
    )
    events = [
        FollowUpEvent(followup=followup, at=received, kind=FollowUpEvent.Kind.OPENED, params={"reasons": reasons})
    ]
    if owner is not None:
        events.append(
            FollowUpEvent(followup=followup, at=received, kind=FollowUpEvent.Kind.ASSIGNED, params={"to": str(owner)})
        )
    FollowUpEvent.objects.bulk_create(events)
    # Themes and sentiment as for any comment: the beat's next scan finds it (nothing added to the caller's time).
    return Complaint.objects.create(
        message_id=incoming.message_id,
        channel=incoming.channel,
        author_handle=incoming.author_handle,
        author_email=incoming.author_email,
        subject=incoming.subject,
        public_url=incoming.public_url,
        text=incoming.text,
        unit=incoming.unit,
        followup=followup,
        received_at=received,
    )


@transaction.atomic
def complaint_answer_publicly(
    *, complaint: Complaint, author: Employee, text: str, reviewer: Employee | None = None
) -> Complaint:
    """Record what was said publicly as the case's first contact. With COMPLAINT_PUBLIC_REVIEW a second person
    must have reviewed it: the author cannot be the reviewer."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the public answer first."))
    if settings.COMPLAINT_PUBLIC_REVIEW and (reviewer is None or reviewer.pk == author.pk):
        raise ValidationError(_("A public answer needs a second person's review before it is recorded."))
    complaint.public_reply = text
    complaint.public_reply_by = author
    complaint.public_reply_reviewed_by = reviewer
    complaint.public_reply_at = timezone.now()
    complaint.save(update_fields=["public_reply", "public_reply_by", "public_reply_reviewed_by", "public_reply_at"])
    followup = complaint.followup
    if followup.first_contact_at is None:
        followup.first_contact_at = complaint.public_reply_at  # the public answer is the first contact
    followup_contacted(followup=followup, actor=author, note=text)
    return complaint


@transaction.atomic
def complaint_route(*, complaint: Complaint, unit: Unit, actor: Employee | None) -> Complaint:
    """A CX lead picks the unit a complaint is about (one that named none, or named the wrong one): the complaint,
    its answer and its case move to that unit, and the case to the unit's manager (the CX leads' queue if it has
    none). The history records the move. Callers check that the actor may route complaints."""
    followup = FollowUp.objects.select_for_update().get(pk=complaint.followup_id)
    if not followup.is_open:
        raise ValidationError(_("This case is already finished."))
    owner = unit_manager(unit)
    previous = followup.owner
    complaint.unit = unit
    complaint.save(update_fields=["unit"])
    responses_move(responses=Response.objects.filter(pk=followup.response_id), unit_id=unit.pk)
    followup.unit = unit
    followup.owner = owner
    followup.save(update_fields=["unit", "owner"])
    FollowUpEvent.objects.create(
        followup=followup,
        actor=actor,
        kind=FollowUpEvent.Kind.ASSIGNED,
        params={"from": str(previous) if previous else None, "to": str(owner) if owner else None, "unit": unit.name},
    )
    complaint.followup = followup
    return complaint
