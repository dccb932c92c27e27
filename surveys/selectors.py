"""Reads of the surveys app for the hosted pages."""

from django.core import signing
from django.db.models import Prefetch

from cxprogram.models import Channel, Employee, Unit

from .models import Choice, Invitation, Question, Survey
from .services import CONTEXT_SALT, ResponseContext


def survey_with_questions(*, public_id: str) -> Survey | None:
    """The survey with its questions and choices in display order (three queries), or None."""
    questions = Question.objects.order_by("page", "order", "id").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("order", "id"))
    )
    return (
        Survey.objects.prefetch_related(Prefetch("questions", queryset=questions)).filter(public_id=public_id).first()
    )


def invitation_by_token(*, token: str) -> Invitation | None:
    """An invitation that has not been answered, with its survey and customer, or None."""
    invitation = (
        Invitation.objects.select_related("customer", "unit", "employee")
        .filter(token=token, responded_at__isnull=True)
        .first()
    )
    return invitation


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
    return ResponseContext(
        unit=invitation.unit,
        employee=invitation.employee,
        touchpoint=invitation.touchpoint,
        channel=invitation.channel,
        transaction_ref=invitation.transaction_ref,
    )


def score_band(questions: list[Question], answers: dict) -> str:
    """'unhappy', 'happy' or 'neutral' from the first NPS, CSAT or CES answer."""
    for question in questions:
        value = answers.get(question.pk)
        if question.type not in (Question.Type.NPS, Question.Type.CSAT, Question.Type.CES) or value is None:
            continue
        unhappy, happy = {
            Question.Type.NPS: (value <= 6, value >= 9),
            Question.Type.CSAT: (value <= 2, value >= 4),
            Question.Type.CES: (value >= 5, value <= 2),
        }[question.type]
        return "unhappy" if unhappy else "happy" if happy else "neutral"
    return "neutral"
