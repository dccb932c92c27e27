"""Reads for public answers in review: who may review one, the reviewers' queue, the case page's panel."""

from django.db.models import QuerySet

from surveys.models import Complaint, PublicAnswer
from surveys.selectors.followups import followups_visible


def may_review_public_answers(scope) -> bool:
    """CX leads and managers review public answers (each within the cases they see)."""
    return scope.can_review_public_answers


def may_review(scope, complaint: Complaint) -> bool:
    """A CX lead, or a manager of the complaint's unit (or a unit above it); never for a complaint in the CX leads'
    queue (no unit) unless a lead. Whether the reviewer wrote the draft is the service's check."""
    if not may_review_public_answers(scope):
        return False
    return scope.is_lead or (complaint.unit_id is not None and scope.units().filter(pk=complaint.unit_id).exists())


def public_answers_awaiting(scope) -> QuerySet[PublicAnswer]:
    """Drafts awaiting review on the cases the reviewer sees and may review, oldest first."""
    drafts = PublicAnswer.objects.filter(
        status=PublicAnswer.Status.AWAITING, complaint__followup__in=followups_visible(scope)
    )
    if not scope.is_lead:
        drafts = drafts.filter(complaint__unit__in=scope.units())
    return drafts.select_related("complaint__unit", "complaint__followup", "written_by__user").order_by("written_at")


def public_answer_panel(scope, complaint: Complaint | None) -> dict:
    """What the case page shows of a public complaint's answer: the draft, and what the reader may do with it."""
    if complaint is None or not complaint.is_public:
        return {}
    draft = PublicAnswer.objects.filter(complaint=complaint).select_related("written_by__user", "reviewed_by__user")
    draft = draft.first()
    said = complaint.public_reply_at is not None
    mine = draft is not None and scope.employee is not None and draft.written_by_id == scope.employee.pk
    return {
        "public_answer": draft,
        "public_answer_said": said,
        "public_answer_editable": not said and scope.employee is not None,
        "public_answer_reviewable": draft is not None
        and draft.status == PublicAnswer.Status.AWAITING
        and not mine
        and may_review(scope, complaint),
        "public_answer_mine": mine,
    }
