"""Writes of responses: saving a customer's answers once, with the case and the webhook event they cause."""

from contextlib import nullcontext
from datetime import datetime, time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cxprogram.audit import audit_created, audit_skipped
from cxprogram.models import Customer, Webhook
from cxprogram.webhooks import webhook_emit
from surveys.anonymity import period_start, week_start
from surveys.display_logic import Answers, visible_answers
from surveys.links import ResponseContext
from surveys.models import Answer, FollowUpEvent, Invitation, Question, Response, Survey
from surveys.services.followups import followup_opened, followup_plan
from surveys.services.rollups import rollup_add, rollup_rows
from surveys.services.submission_statement import SubmissionRows, submission_insert
from surveys.services.webhook_payloads import response_payload


class AlreadyResponded(Exception):
    """The invitation has been answered already."""


class AlreadyReceived(AlreadyResponded):
    """This very submission (its page state's key) has been saved already: a replay or a resend."""


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
    entered_by: AbstractBaseUser | None = None,
    webhooks: bool = True,
) -> Response:
    """Save a response and its answers in one transaction, with its follow-up case when the survey's rules call
    for one; answers to hidden questions are dropped. `entered_by` is the user or integration that typed the
    answers in (None: the respondent's own device); it is recorded with the response and in the audit trail.
    `webhooks=False`: the caller read that no webhook is switched on, so none is looked up.

    With an invitation, a second response raises AlreadyResponded (a conditional update claims the invitation).
    An anonymous survey's response keeps nothing that could point at a person: no customer, employee,
    invitation, reference, duration, enterer or exact time (the day, or the pulse's week), no webhook event and
    no follow-up case; its invitation records that it was used, with no time of its own. A `submission_key` that
    was saved before raises AlreadyReceived and saves nothing: its unique index settles two simultaneous copies.

    On PostgreSQL every row and the rollups' counts go in one statement (services.submission_statement), in a
    transaction of its own when nothing else is written; elsewhere through the ORM."""
    now = timezone.now()
    answers = visible_answers(questions, answers)
    anonymous = survey.anonymous
    response = _response_row(
        survey, now, language=language, source=source, started_at=started_at, invitation=invitation,
        customer=customer, context=context, submission_key=submission_key, contact_details=contact_details,
        entered_by=entered_by,
    )  # fmt: skip
    rows = _answer_rows(response, {q.pk: q for q in questions}, answers)
    case = None if anonymous else followup_plan(response=response, questions=questions, answers=answers)
    claimed_at = (invitation.created_at if anonymous else now) if invitation is not None else None

    def announce() -> None:  # inside the transaction, once the rows are written
        if entered_by is not None:  # the respondent's own submission is its own record (source, time)
            audit_created(instance=response, actor=entered_by, changes=_audited(response))
        if not anonymous and webhooks:
            payload = lambda: response_payload(response, questions, answers)  # noqa: E731
            webhook_emit(event=Webhook.Event.RESPONSE_SUBMITTED, payload=payload)
        if case is not None:
            followup_opened(followup=case[0], webhooks=webhooks)

    try:
        if connection.vendor == "postgresql":
            statement = SubmissionRows(
                response=response, answers=rows,
                followup=case[0] if case else None, events=case[1] if case else (), claim=invitation,
                claimed_at=claimed_at, rollups=rollup_rows(response=response, answers=rows),
            )  # fmt: skip
            # The one statement is the whole transaction unless something else is written with it (the audit
            # entry, webhook deliveries) or the caller's transaction is open: then it is one step of that.
            alone = entered_by is None and (anonymous or not webhooks) and not connection.in_atomic_block
            with nullcontext() if alone else transaction.atomic():
                if not submission_insert(statement):
                    raise _refused(submission_key)
                announce()
        else:
            with transaction.atomic():
                if invitation is not None:
                    claimed = Invitation.objects.filter(pk=invitation.pk, responded_at__isnull=True)
                    if not claimed.update(responded_at=claimed_at):
                        raise _refused(submission_key)
                response.save(force_insert=True)
                Answer.objects.bulk_create(rows)
                rollup_add(response=response, answers=rows)
                if case is not None:
                    with audit_skipped():
                        case[0].save(force_insert=True)
                    FollowUpEvent.objects.bulk_create(case[1])
                announce()
    except IntegrityError as error:
        if submission_key is not None and Response.objects.filter(submission_key=submission_key).exists():
            raise AlreadyReceived from error
        if invitation is not None and Response.objects.filter(invitation=invitation).exists():
            raise AlreadyResponded from error
        raise
    return response


def _refused(submission_key: str | None) -> AlreadyResponded:
    """The invitation was answered already: by this very submission (a replay), or by another."""
    same = bool(submission_key) and Response.objects.filter(submission_key=submission_key).exists()
    return AlreadyReceived() if same else AlreadyResponded()


def _response_row(
    survey: Survey, now: datetime, *, language: str, source: str, started_at: datetime | None,
    invitation: Invitation | None, customer: Customer | None, context: ResponseContext, submission_key: str | None,
    contact_details: str, entered_by: AbstractBaseUser | None,
) -> Response:  # fmt: skip
    """The unsaved response; an anonymous one keeps the context's place only, and the day (or pulse week)."""
    if survey.anonymous:
        return Response(
            survey=survey,
            anonymous=True,
            unit=context.unit,
            touchpoint=context.touchpoint,
            channel=context.channel,
            language=language,
            source=source,
            submitted_at=anonymous_moment(survey, now),
            submission_key=submission_key,
        )
    return Response(
        survey=survey,
        invitation=invitation,
        customer=customer,
        unit=context.unit,
        employee=context.employee,
        touchpoint=context.touchpoint,
        channel=context.channel,
        transaction_ref=context.transaction_ref,
        language=language,
        source=source,
        entered_by=entered_by,
        submitted_at=now,
        duration_seconds=max(0, int((now - started_at).total_seconds())) if started_at else None,
        submission_key=submission_key,
        contact_details=contact_details,
    )


def _audited(response: Response) -> dict[str, object]:
    fields = ("survey_id", "source", "customer_id", "unit_id", "employee_id", "channel", "touchpoint")
    return {name.removesuffix("_id"): getattr(response, name) for name in fields}


def anonymous_moment(survey: Survey, now: datetime) -> datetime:
    """The only time an anonymous answer keeps: the start of its day, or for a pulse the Monday of its week
    (never before the start of its month or quarter, so periods count each answer where it was given)."""
    day = timezone.localtime(now).date()
    if survey.kind == Survey.Kind.EMPLOYEE_PULSE:
        day = max(week_start(day), period_start(settings.PULSE_PERIOD, day))
    return timezone.make_aware(datetime.combine(day, time.min))


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
