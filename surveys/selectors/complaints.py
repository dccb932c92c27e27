"""Reads for complaints from outside: the units a message may name by their code, the case an e-mail answers."""

from django.db.models import Q, QuerySet

from cxprogram.models import Unit
from surveys.models import Complaint, FollowUp, FollowUpEvent

ROUTABLE_KINDS = [Unit.Kind.STORE, Unit.Kind.TEAM]


def routable_units() -> QuerySet[Unit]:
    """The stores and teams a complaint can be about, by name."""
    return Unit.objects.filter(kind__in=ROUTABLE_KINDS).order_by("name")


def units_by_code() -> dict[str, Unit]:
    """Lower-case code → unit for every store and team: the units a complaint can name (one query per mailbox
    run)."""
    return {unit.code.lower(): unit for unit in routable_units()}


def open_case_answered(references: tuple[str, ...]) -> FollowUp | None:
    """The open case an e-mail answers: one whose complaint, or one of whose e-mails to the customer or from them,
    has a Message-ID among the message's In-Reply-To and References. None for a new matter."""
    if not references:
        return None
    by_complaint = Complaint.objects.filter(message_id__in=references).values("followup_id")
    by_event = FollowUpEvent.objects.filter(
        kind__in=[FollowUpEvent.Kind.REPLIED, FollowUpEvent.Kind.WROTE], params__message_id__in=list(references)
    ).values("followup_id")
    return (
        FollowUp.objects.filter(Q(pk__in=by_complaint) | Q(pk__in=by_event), status__in=FollowUp.OPEN)
        .order_by("-pk")
        .first()
    )


def complaint_of(followup: FollowUp) -> Complaint | None:
    """The complaint from outside a case was opened for, with its unit; None for a survey answer's case."""
    return Complaint.objects.select_related("unit").filter(followup=followup).first()
