"""Writes of the surveys app: saving responses, publishing, closing and duplicating surveys, links."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cxprogram.models import Customer, Employee, Unit, Webhook
from cxprogram.webhooks import webhook_emit
from surveys.display_logic import Answers, visible_answers
from surveys.models import Answer, Choice, Invitation, Question, Response, Survey
from surveys.services.followups import followup_open
from surveys.services.rollups import rollup_add
from surveys.services.webhook_payloads import response_payload

CONTEXT_SALT = "surveys.context"


class AlreadyResponded(Exception):
    """The invitation has been answered already."""


class AlreadyReceived(AlreadyResponded):
    """This very submission (its page state's key) has been saved already: a replay or a resend."""


@dataclass(frozen=True)
class ResponseContext:
    """Where the interaction happened; every part is optional."""

    unit: Unit | None = None
    employee: Employee | None = None
    touchpoint: str = ""
    channel: str = ""
    transaction_ref: str = ""


def response_submit(
    *,
    survey: Survey,
    questions: list[Question],
    answers: Answers,
    language: str,
    source: str,
    started_at: datetime | None = None,
    invitation: Invitation | None = None,
    customer: Customer | None = None,
    context: ResponseContext = ResponseContext(),
    submission_key: str | None = None,
    contact_details: str = "",
) -> Response:
    """Save a response and its answers in one transaction, with its follow-up case when the survey's rules call
    for one; answers to hidden questions are dropped.

    With an invitation, the invitation row is locked and a second response raises AlreadyResponded
    (the one-to-one column guards the same on databases without row locks). A `submission_key` that was saved
    before raises AlreadyReceived and saves nothing: its unique index settles two simultaneous copies too."""
    now = timezone.now()
    answers = visible_answers(questions, answers)
    by_id = {q.pk: q for q in questions}
    try:
        with transaction.atomic():
            if invitation is not None:
                locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
                if locked.responded_at is not None:
                    same = (
                        bool(submission_key)
                        and Response.objects.filter(invitation=locked, submission_key=submission_key).exists()
                    )
                    raise AlreadyReceived if same else AlreadyResponded
                Invitation.objects.filter(pk=invitation.pk).update(responded_at=now)
            response = Response.objects.create(
                survey=survey,
                invitation=invitation,
                customer=None if survey.anonymous else customer,
                unit=context.unit,
                employee=context.employee,
                touchpoint=context.touchpoint,
                channel=context.channel,
                transaction_ref=context.transaction_ref,
                language=language,
                source=source,
                submitted_at=now,
                duration_seconds=max(0, int((now - started_at).total_seconds())) if started_at else None,
                submission_key=submission_key,
                contact_details="" if survey.anonymous else contact_details,
            )
            rows = Answer.objects.bulk_create(_answer_rows(response, by_id, answers))
            rollup_add(response=response, answers=rows)
            webhook_emit(
                event=Webhook.Event.RESPONSE_SUBMITTED,
                payload=lambda: response_payload(response, questions, answers),
            )
            followup_open(response=response, questions=questions, answers=answers)
    except IntegrityError as error:
        if submission_key is not None and Response.objects.filter(submission_key=submission_key).exists():
            raise AlreadyReceived from error
        if invitation is not None and Response.objects.filter(invitation=invitation).exists():
            raise AlreadyResponded from error
        raise
    return response


def _answer_rows(response: Response, questions: dict[int, Question], answers: Answers) -> list[Answer]:
    rows = []
    for question_id, value in answers.items():
        question = questions[question_id]
        base = {"response": response, "question": question, "question_type": question.type}
        if question.type in Question.CHOICE_TYPES:
            for choice_id in value if isinstance(value, list) else [value]:
                rows.append(Answer(**base, choice_id=choice_id))
        elif question.type in Question.TEXT_TYPES:
            rows.append(Answer(**base, text=value))
        else:
            rows.append(Answer(**base, number=value))
    return rows


def survey_touch(*, survey_id: int) -> None:
    """Mark a survey's definition as changed (after its questions or choices change), so hosted pages reload it."""
    Survey.objects.filter(pk=survey_id).update(updated_at=timezone.now())


def survey_publish(*, survey: Survey) -> Survey:
    """Make a draft or closed survey live, so its links accept answers."""
    survey.status = Survey.Status.LIVE
    survey.save(update_fields=["status", "updated_at"])
    return survey


def survey_close(*, survey: Survey) -> Survey:
    """Stop accepting answers; links then say the survey has ended."""
    survey.status = Survey.Status.CLOSED
    survey.save(update_fields=["status", "updated_at"])
    return survey


@transaction.atomic
def survey_duplicate(*, survey: Survey) -> Survey:
    """Copy a survey with its questions, choices and display logic as a new draft with a new public id."""
    copy = Survey.objects.get(pk=survey.pk)
    copy.pk = None
    copy.public_id = Survey._meta.get_field("public_id").get_default()
    copy.name = f"{survey.name} (copy)"
    copy.status = Survey.Status.DRAFT
    copy.save()
    question_map: dict[int, Question] = {}
    choice_map: dict[int, Choice] = {}
    originals = list(survey.questions.prefetch_related("choices"))
    for original in originals:
        question = Question.objects.get(pk=original.pk)
        question.pk = None
        question.survey = copy
        question.show_if_question = None
        question.show_if_choice = None
        question.save()
        question_map[original.pk] = question
        for choice in original.choices.all():
            new_choice = Choice.objects.create(
                question=question, order=choice.order, text_en=choice.text_en, text_ru=choice.text_ru
            )
            choice_map[choice.pk] = new_choice
    for original in originals:
        if original.show_if_question_id:
            question = question_map[original.pk]
            question.show_if_question = question_map.get(original.show_if_question_id)
            question.show_if_choice = choice_map.get(original.show_if_choice_id)
            question.save(update_fields=["show_if_question", "show_if_choice"])
    return copy


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
