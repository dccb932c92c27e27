"""Signed links: the context of a public survey link (unit, employee who served, touchpoint, channel,
transaction), an invitation's unsubscribe link and a follow-up case's "is it solved?" link.

Customers cannot change what is signed; a missing, tampered or foreign token reads as nothing. Each kind of link
has its own salt, so one kind of token is never accepted as another."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

from cxprogram.models import Channel, Employee, Unit
from surveys.models import FollowUp, Invitation, Survey

CONTEXT_SALT = "surveys.context"
UNSUBSCRIBE_SALT = "surveys.unsubscribe"
RECOVERY_SALT = "surveys.recovery"


@dataclass(frozen=True)
class ResponseContext:
    """Where the interaction happened; every part is optional."""

    unit: Unit | None = None
    employee: Employee | None = None
    touchpoint: str = ""
    channel: str = ""
    transaction_ref: str = ""


def survey_public_link(*, survey: Survey, context: ResponseContext = ResponseContext()) -> str:
    """The public link's path, with the context signed so that customers cannot change it."""
    path = reverse("survey-public", args=[survey.public_id])
    payload = {
        key: value
        for key, value in {
            "u": context.unit.pk if context.unit else None,
            "e": context.employee.pk if context.employee else None,
            "t": context.touchpoint,
            "c": context.channel,
            "r": context.transaction_ref,
        }.items()
        if value
    }
    if not payload:
        return path
    token = signing.dumps(payload, salt=f"{CONTEXT_SALT}:{survey.public_id}", compress=True)
    return f"{path}?{urlencode({'ctx': token})}"


def context_from_token(*, survey: Survey, token: str) -> ResponseContext:
    """The context signed into a public link; a missing, tampered or foreign token gives an empty context."""
    if not token:
        return ResponseContext()
    try:
        data = signing.loads(token, salt=f"{CONTEXT_SALT}:{survey.public_id}")
    except signing.BadSignature:
        return ResponseContext()
    if not isinstance(data, dict):
        return ResponseContext()
    unit = Unit.objects.filter(pk=data["u"]).first() if isinstance(data.get("u"), int) else None
    employee = Employee.objects.filter(pk=data["e"]).first() if isinstance(data.get("e"), int) else None
    channel = data.get("c") if data.get("c") in Channel.values else ""
    return ResponseContext(
        unit=unit,
        employee=employee,
        touchpoint=str(data.get("t", ""))[:50],
        channel=channel,
        transaction_ref=str(data.get("r", ""))[:100],
    )


def context_of_invitation(invitation: Invitation) -> ResponseContext:
    """The context an invitation was created with (a personal link carries it unsigned: the token is secret)."""
    return ResponseContext(
        unit=invitation.unit,
        employee=invitation.employee,
        touchpoint=invitation.touchpoint,
        channel=invitation.channel,
        transaction_ref=invitation.transaction_ref,
    )


def unsubscribe_token(invitation: Invitation) -> str:
    """The token of an invitation's one-click unsubscribe link."""
    return signing.dumps({"i": invitation.pk}, salt=UNSUBSCRIBE_SALT)


def invitation_id_from_unsubscribe_token(token: str) -> int | None:
    """The invitation an unsubscribe token was made for, or None for a bad token."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return data.get("i") if isinstance(data, dict) and isinstance(data.get("i"), int) else None


def recovery_token(followup: FollowUp) -> str:
    """The token of a resolved case's "is it solved?" link."""
    return signing.dumps({"f": followup.pk}, salt=RECOVERY_SALT)


def followup_id_from_recovery_token(token: str) -> int | None:
    """The case a recovery token was made for, or None for a bad token."""
    try:
        data = signing.loads(token, salt=RECOVERY_SALT)
    except signing.BadSignature:
        return None
    return data.get("f") if isinstance(data, dict) and isinstance(data.get("f"), int) else None


WRITE_SALT = f"{CONTEXT_SALT}:write"


def write_link(*, unit: Unit | None = None) -> str:
    """The "write to us" form's path; for a unit (a poster on its wall, its page) with the unit signed in."""
    path = reverse("write")
    if unit is None:
        return path
    return f"{path}?{urlencode({'ctx': signing.dumps({'u': unit.pk}, salt=WRITE_SALT)})}"


def unit_from_write_token(token: str) -> Unit | None:
    """The unit signed into a "write to us" link; None for a missing, tampered or foreign token."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=WRITE_SALT)
    except signing.BadSignature:
        return None
    unit_id = data.get("u") if isinstance(data, dict) else None
    return Unit.objects.filter(pk=unit_id).first() if isinstance(unit_id, int) else None
