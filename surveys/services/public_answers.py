"""Writing and reviewing the public answer to a complaint said in public: the case worker drafts it, a second person
(the unit's manager or a CX lead) approves it — then it is recorded as what was said publicly and counts as the
case's answer at that moment — or sends it back with a note. Callers check who may see and review the case."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxprogram.models import Employee
from surveys.models import Complaint, FollowUp, FollowUpEvent, PublicAnswer
from surveys.services.complaints import complaint_answer_publicly
from surveys.services.followups import case_event

TEXT_MAX = 5000


class StaleDraft(ValidationError):
    """The draft changed (or was decided) since the person read it."""


def _locked(complaint: Complaint) -> tuple[Complaint, PublicAnswer | None]:
    locked = Complaint.objects.select_for_update().select_related("followup").get(pk=complaint.pk)
    return locked, PublicAnswer.objects.filter(complaint=locked).first()


@transaction.atomic
def public_answer_submit(*, complaint: Complaint, author: Employee, text: str, version: int) -> PublicAnswer:
    """Save the draft for review (a new one, or a new version of one sent back or still waiting). `version` is the
    one the author edited (0 for a new draft); an answer already approved cannot be changed."""
    text = text.strip()
    if not complaint.is_public:
        raise ValidationError(_("Only a complaint said in public gets a public answer."))
    if not text:
        raise ValidationError(_("Write the public answer first."))
    if "\x00" in text:  # PostgreSQL cannot store it
        raise ValidationError(_("The form contains a NUL character, which cannot be stored. Remove it and send again."))
    if len(text) > TEXT_MAX:
        raise ValidationError(_("The public answer must be at most %(max)d characters.") % {"max": TEXT_MAX})
    complaint, draft = _locked(complaint)
    if complaint.public_reply_at is not None or (draft and draft.status == PublicAnswer.Status.APPROVED):
        raise StaleDraft(_("This public answer is already approved and said; it can no longer be changed."))
    if (draft.version if draft else 0) != version:
        raise StaleDraft(_("Someone changed this draft since you opened it; read it again before saving."))
    now = timezone.now()
    if draft is None:
        draft = PublicAnswer(complaint=complaint, version=0)
    draft.text, draft.written_by, draft.written_at = text, author, now
    draft.status, draft.version = PublicAnswer.Status.AWAITING, draft.version + 1
    draft.reviewed_by, draft.reviewed_at = None, None
    draft.save()
    case_event(complaint.followup, author, FollowUpEvent.Kind.NOTE, text, {"public": "drafted"})
    if not settings.COMPLAINT_PUBLIC_REVIEW:  # the program trusts the case worker: said as written
        return _approve(complaint, draft, reviewer=None, now=now)
    return draft


@transaction.atomic
def public_answer_approve(*, complaint: Complaint, reviewer: Employee, version: int) -> bool:
    """Approve the version the reviewer read: it becomes what was said publicly (author, reviewer, time) and the
    case's first answer if it had none. False when it was approved already (a second click records nothing)."""
    complaint, draft = _locked(complaint)
    if draft is None:
        raise ValidationError(_("There is no draft to review."))
    if draft.status == PublicAnswer.Status.APPROVED:
        return False
    if draft.written_by_id == reviewer.pk:
        raise PermissionDenied(_("A second person must review your public answer; you cannot approve your own."))
    if draft.status != PublicAnswer.Status.AWAITING or draft.version != version:
        raise StaleDraft(_("Someone changed this draft since you opened it; read it again before saving."))
    _approve(complaint, draft, reviewer=reviewer, now=timezone.now())
    return True


def _approve(complaint: Complaint, draft: PublicAnswer, *, reviewer: Employee | None, now) -> PublicAnswer:
    draft.status, draft.reviewed_by, draft.reviewed_at = PublicAnswer.Status.APPROVED, reviewer, now
    draft.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    complaint.followup = FollowUp.objects.select_for_update().get(pk=complaint.followup_id)
    complaint_answer_publicly(complaint=complaint, author=draft.written_by, text=draft.text, reviewer=reviewer)
    return draft


@transaction.atomic
def public_answer_return(*, complaint: Complaint, reviewer: Employee, version: int, note: str) -> PublicAnswer:
    """Send the draft back to its author with a note (what to change); nothing is said publicly."""
    note = note.strip()
    if not note:
        raise ValidationError(_("Say what should change before sending the draft back."))
    complaint, draft = _locked(complaint)
    if draft is None:
        raise ValidationError(_("There is no draft to review."))
    if draft.written_by_id == reviewer.pk:
        raise PermissionDenied(_("A second person must review your public answer; you cannot approve your own."))
    if draft.status != PublicAnswer.Status.AWAITING or draft.version != version:
        raise StaleDraft(_("Someone changed this draft since you opened it; read it again before saving."))
    draft.status, draft.reviewed_by, draft.reviewed_at = PublicAnswer.Status.RETURNED, reviewer, timezone.now()
    draft.review_note = note[:TEXT_MAX]
    draft.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    case_event(complaint.followup, reviewer, FollowUpEvent.Kind.NOTE, note, {"public": "returned"})
    return draft
