"""The `data` of the surveys' webhook events, built from objects already in memory where possible.

Field names match the API's representation of responses and follow-up cases."""

from django.conf import settings

from surveys.display_logic import Answers
from surveys.models import FollowUp, Question, Response
from surveys.scoring import score_band
from surveys.text.pii import mask


def response_payload(response: Response, questions: list[Question], answers: Answers) -> dict:
    """A submitted response: its context and answers ("response.submitted")."""
    customer = response.customer
    return {
        "id": response.pk,
        "survey": response.survey.public_id,
        "submitted_at": response.submitted_at,
        "source": response.source,
        "language": response.language,
        "customer": customer.external_id if customer else None,
        "unit": response.unit.code if response.unit else None,
        "employee": response.employee_id,
        "touchpoint": response.touchpoint,
        "channel": response.channel,
        "transaction_ref": response.transaction_ref,
        "band": score_band(questions, answers),
        "answers": [answer_payload(q, answers[q.pk]) for q in questions if q.pk in answers],
    }


def answer_payload(question: Question, value) -> dict:
    number = choices = None
    text = ""
    if question.type in Question.CHOICE_TYPES:
        choices = value if isinstance(value, list) else [value]
    elif question.type in Question.TEXT_TYPES:
        text = mask(value)  # another system is no CX lead: a customer's phone, e-mail or card stays masked
    else:
        number = value
    return {"question": question.code, "type": question.type, "number": number, "choices": choices or [], "text": text}


def case_payload(followup: FollowUp) -> dict:
    """A follow-up case ("case.opened", "case.overdue", "case.resolved")."""
    response = followup.response
    customer = None if response.survey.anonymous else response.customer
    return {
        "id": followup.pk,
        "status": followup.status,
        "priority": followup.priority,
        "reasons": followup.reasons,
        "reason_codes": followup.reason_codes,
        "due_at": followup.due_at,
        "first_contact_at": followup.first_contact_at,
        "resolved_at": followup.resolved_at,
        "escalated_at": followup.escalated_at,
        "unit": followup.unit.code if followup.unit_id else None,
        "owner": followup.owner_id,
        "escalated_to": followup.escalated_to_id,
        "root_cause": followup.root_cause,
        "action_taken": followup.action_taken,
        "response": response.pk,
        "survey": response.survey.public_id,
        "customer": customer.external_id if customer else None,
        "url": settings.SITE_URL + followup.get_absolute_url(),
    }
