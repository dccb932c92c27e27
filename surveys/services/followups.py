"""The closed loop: opening follow-up cases for unhappy answers, deadlines in business hours, the case's
life (contact, notes, resolution), and warnings and escalation when a deadline nears or passes."""

import logging
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cxprogram.mail import NotAccepted, send_on_commit
from cxprogram.models import Customer, Employee, Webhook
from cxprogram.webhooks import webhook_emit
from surveys.display_logic import Answers
from surveys.links import recovery_token
from surveys.models import FollowUp, FollowUpEvent, Question, Response, Survey
from surveys.scoring import BANDED, unhappiness
from surveys.selectors.followups import case_owner, recovery_case, unit_manager
from surveys.services.webhook_payloads import case_payload
from surveys.text.pii import mask

logger = logging.getLogger(__name__)
QT = Question.Type
CONTACT_ME_CODE = "contact_me"


def business_due(opened: datetime, sla_hours: int | None = None) -> datetime:
    """When first contact is due: the end of the same business day (the next one if opened after hours),
    or `sla_hours` business hours later. Business hours and days come from settings, in TIME_ZONE."""
    start_hour, end_hour = settings.BUSINESS_HOURS
    local = timezone.localtime(opened)

    def day_bounds(day):
        begin = local.replace(
            year=day.year, month=day.month, day=day.day, hour=start_hour, minute=0, second=0, microsecond=0
        )
        return begin, begin.replace(hour=end_hour)

    day = local.date()
    # Move to the first business moment at or after `opened`.
    while True:
        begin, end = day_bounds(day)
        if day.weekday() in settings.BUSINESS_DAYS and local < end:
            cursor = max(local, begin)
            break
        day += timedelta(days=1)
    if sla_hours is None:
        return day_bounds(cursor.date())[1]
    remaining = timedelta(hours=sla_hours)
    while True:
        _begin, end = day_bounds(cursor.date())
        if cursor + remaining <= end:
            return cursor + remaining
        remaining -= end - cursor
        day = cursor.date() + timedelta(days=1)
        while day.weekday() not in settings.BUSINESS_DAYS:
            day += timedelta(days=1)
        cursor = day_bounds(day)[0]


def followup_reasons(survey: Survey, questions: list[Question], answers: Answers) -> list[list]:
    """Why this response needs a follow-up, by the survey's rules, as `[code, parameter]` pairs worded when shown
    (surveys.models.followup_texts); empty when it does not."""
    reasons = []
    keywords = [k.strip().lower() for k in survey.followup_keywords.split(",") if k.strip()]
    for question in questions:
        value = answers.get(question.pk)
        if value is None:
            continue
        if question.type == QT.NPS and survey.followup_nps_max is not None and value <= survey.followup_nps_max:
            reasons.append(["nps", value])
        elif question.type == QT.CSAT and survey.followup_csat_max is not None and value <= survey.followup_csat_max:
            reasons.append(["csat", value])
        elif question.type == QT.CES and survey.followup_ces_min is not None and value >= survey.followup_ces_min:
            reasons.append(["ces", value])
        elif question.type == QT.YES_NO and question.code == CONTACT_ME_CODE and value == 1:
            reasons.append(["contact_me", None])
        elif question.type in Question.TEXT_TYPES and keywords:
            found = [k for k in keywords if k in str(value).lower()]
            if found:
                reasons.append(["keywords", ", ".join(found)])
    return reasons


TIER_WEIGHT = {Customer.ValueTier.HIGH: 40, Customer.ValueTier.MEDIUM: 20, Customer.ValueTier.LOW: 0}


def followup_priority(questions: list[Question], answers: Answers, customer: Customer | None) -> int:
    """0–100: the unhappier the score and the more valuable the customer, the sooner (a high-value detractor
    comes first)."""
    unhappy = 0.5
    for question in questions:
        value = answers.get(question.pk)
        if value is not None and question.type in BANDED:
            unhappy = unhappiness(question.type, value, question.scale)
            break
    tier = TIER_WEIGHT.get(customer.value_tier, 10) if customer else 10
    return round(60 * unhappy) + tier


def followup_plan(
    *, response: Response, questions: list[Question], answers: Answers
) -> tuple[FollowUp, list[FollowUpEvent]] | None:
    """The case a new response opens by the survey's rules, with its first events, unsaved; None when it opens
    none (at most one per response: the response is new). Reads only (the case's owner), so the caller writes
    everything at once (services.responses), then calls `followup_opened`."""
    survey = response.survey
    if not survey.followup_enabled or survey.anonymous:  # an anonymous answer has nobody to follow up
        return None
    reasons = followup_reasons(survey, questions, answers)
    if not reasons:
        return None
    unit, owner = case_owner(response)
    followup = FollowUp(
        response=response,
        owner=owner,
        unit=unit,
        priority=followup_priority(questions, answers, response.customer),
        reason_codes=reasons,
        due_at=business_due(response.submitted_at, survey.followup_sla_hours),
    )
    kind, at = FollowUpEvent.Kind, response.submitted_at
    events = [FollowUpEvent(followup=followup, at=at, kind=kind.OPENED, params={"reasons": reasons})]
    if owner is not None:
        events.append(FollowUpEvent(followup=followup, at=at, kind=kind.ASSIGNED, params={"to": str(owner)}))
    return followup, events


def followup_opened(*, followup: FollowUp, webhooks: bool = True) -> None:
    """What follows a case's opening once its rows are written: the `case.opened` webhook (`webhooks=False`: the
    caller knows that no webhook is switched on)."""
    if webhooks:
        webhook_emit(event=Webhook.Event.CASE_OPENED, payload=lambda: case_payload(followup))


def case_event(
    followup: FollowUp, actor: Employee | None, kind: str, text: str = "", params: dict | None = None
) -> None:
    """A line in the case's history. Typed text is kept as typed; what the system says goes into `params`, worded
    when shown."""
    FollowUpEvent.objects.create(followup=followup, actor=actor, kind=kind, text=text, params=params or {})


@transaction.atomic
def followup_contacted(*, followup: FollowUp, actor: Employee | None, note: str = "") -> FollowUp:
    """Record the first (or another) contact with the customer."""
    if not followup.is_open:
        raise ValidationError(_("This case is already finished."))
    if "\x00" in note:  # PostgreSQL cannot store it
        raise ValidationError(_("The form contains a NUL character, which cannot be stored. Remove it and send again."))
    if followup.first_contact_at is None:
        followup.first_contact_at = timezone.now()
    followup.status = FollowUp.Status.CONTACTED
    followup.save(update_fields=["first_contact_at", "status"])
    case_event(followup, actor, FollowUpEvent.Kind.CONTACTED, note)
    return followup


def followup_note(*, followup: FollowUp, actor: Employee | None, text: str) -> None:
    if not text.strip():
        raise ValidationError(_("Write the note first."))
    case_event(followup, actor, FollowUpEvent.Kind.NOTE, text.strip())


@transaction.atomic
def followup_resolve(
    *, followup: FollowUp, actor: Employee | None, root_cause: str, action_taken: str, ask_if_solved: bool = False
) -> FollowUp:
    """Finish a case that reached the customer: the root cause and the action taken are required; optionally
    e-mail the customer a one-click "is it solved?" question, which measures recovery."""
    errors = {}
    if root_cause not in FollowUp.RootCause.values:
        errors["root_cause"] = _("Choose the root cause.")
    if not action_taken.strip():
        errors["action_taken"] = _("Describe what was done to resolve it.")
    if errors:
        raise ValidationError(errors)
    if not followup.is_open:
        raise ValidationError(_("This case is already finished."))
    now = timezone.now()
    followup.first_contact_at = followup.first_contact_at or now
    followup.status = FollowUp.Status.RESOLVED
    followup.root_cause = root_cause
    followup.action_taken = action_taken.strip()
    followup.resolved_at = now
    followup.save(update_fields=["first_contact_at", "status", "root_cause", "action_taken", "resolved_at"])
    case_event(followup, actor, FollowUpEvent.Kind.RESOLVED, followup.action_taken, {"root_cause": root_cause})
    if ask_if_solved:
        followup_ask_if_solved(followup=followup)
    webhook_emit(event=Webhook.Event.CASE_RESOLVED, payload=lambda: case_payload(followup))
    return followup


@transaction.atomic
def followup_close(*, followup: FollowUp, actor: Employee | None, reason: str) -> FollowUp:
    """Finish a case without reaching the customer (e.g. no contact details); the reason is required."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the customer could not be contacted.")})
    if not followup.is_open:
        raise ValidationError(_("This case is already finished."))
    followup.status = FollowUp.Status.CLOSED
    followup.resolved_at = timezone.now()
    followup.save(update_fields=["status", "resolved_at"])
    case_event(followup, actor, FollowUpEvent.Kind.CLOSED, reason.strip())
    webhook_emit(event=Webhook.Event.CASE_RESOLVED, payload=lambda: case_payload(followup))
    return followup


@transaction.atomic
def followup_reassign(*, followup: FollowUp, actor: Employee | None, owner: Employee | None) -> FollowUp:
    """Give the case to someone else (None: the CX leads' queue); the history keeps who had it."""
    previous = followup.owner
    followup.owner = owner
    followup.save(update_fields=["owner"])
    case_event(
        followup,
        actor,
        FollowUpEvent.Kind.ASSIGNED,
        params={"from": str(previous) if previous else None, "to": str(owner) if owner else None},
    )
    return followup


def followups_check_deadlines(*, now: datetime | None = None) -> tuple[int, int]:
    """Warn owners of new cases due soon and escalate overdue ones to the next manager up, each once:
    the case row is claimed under a lock and stamped in the same transaction as the e-mail, which leaves when
    that transaction commits (cxprogram.mail), so a worker killed in between sends nothing twice."""
    now = now or timezone.now()
    soon = now + timedelta(minutes=settings.FOLLOWUP_WARNING_MINUTES)
    warned = escalated = 0
    for pk in FollowUp.objects.filter(
        status=FollowUp.Status.NEW, warned_at__isnull=True, due_at__lte=soon, due_at__gt=now
    ).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                case = (
                    FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("owner__user")
                    .filter(pk=pk, warned_at__isnull=True)
                    .first()
                )
                if case is None:
                    continue
                case.warned_at = now
                case.save(update_fields=["warned_at"])
                case_event(
                    case, None, FollowUpEvent.Kind.WARNED, params={"to": str(case.owner) if case.owner else None}
                )
                _notify(case, _recipients(case.owner), gettext_noop("Follow-up due soon: %(reasons)s"))
        except NotAccepted:
            _unstamp(pk, FollowUpEvent.Kind.WARNED, warned_at=None)
            raise
        warned += 1
    for pk in FollowUp.objects.filter(
        status=FollowUp.Status.NEW, escalated_at__isnull=True, due_at__lte=now
    ).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                case = (
                    FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("owner__user", "unit")
                    .filter(pk=pk, escalated_at__isnull=True)
                    .first()
                )
                if case is None:
                    continue
                above = case.unit.parent if case.unit else None
                target = unit_manager(above, exclude=case.owner)
                case.escalated_at = now
                case.escalated_to = target
                case.save(update_fields=["escalated_at", "escalated_to"])
                case_event(case, None, FollowUpEvent.Kind.ESCALATED, params={"to": str(target) if target else None})
                webhook_emit(event=Webhook.Event.CASE_OVERDUE, payload=lambda case=case: case_payload(case))
                _notify(case, _recipients(target), gettext_noop("Overdue follow-up: %(reasons)s"))
        except NotAccepted:
            _unstamp(pk, FollowUpEvent.Kind.ESCALATED, escalated_at=None, escalated_to=None)
            raise
        escalated += 1
    return warned, escalated


def _unstamp(pk: int, kind: str, **stamps) -> None:
    """The SMTP server refused a warning or escalation e-mail after its stamp was committed: take the stamp and its
    event back, so the next run sends it. (Its webhook event, if any, may then be delivered twice.)"""
    FollowUp.objects.filter(pk=pk).update(**stamps)
    FollowUpEvent.objects.filter(followup_id=pk, kind=kind).delete()


def case_email(subject: str, body: str, to: list[str], headers: dict[str, str] | None = None) -> None:
    """Every e-mail of the closed loop (to staff or to the customer) leaves the one way: with the transaction that
    records it (cxprogram.mail), so a worker killed in between sends nothing twice."""
    # plain text only, as send_mail makes it
    send_on_commit(EmailMultiAlternatives(subject, body, to=to, headers=headers))


def _recipients(employee: Employee | None) -> list[tuple[str, str]]:
    """(address, language) of the case's owner, else of every active CX lead with an address."""
    if employee is not None and employee.user.email:
        return [(employee.user.email, employee.language)]
    leads = Employee.objects.filter(role=Employee.Role.CX_LEAD, user__is_active=True).exclude(user__email="")
    return list(leads.values_list("user__email", "language"))


def _notify(case: FollowUp, recipients: list[tuple[str, str]], subject: str) -> None:
    """One e-mail per language, each worded in its readers' language: the reasons, the deadline, the unit, the
    customer's value tier and the customer's own words, and the link."""
    if not recipients:
        return
    url = settings.SITE_URL + reverse("followup-detail", args=[case.pk])
    due = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
    response = case.response
    comment = (
        response.answers.filter(question_type__in=list(Question.TEXT_TYPES))
        .order_by("question__page", "question__order")
        .values_list("text", flat=True)
        .first()
    )
    customer = None if response.survey.anonymous else response.customer
    by_language: dict[str, list[str]] = {}
    for address, language in recipients:
        by_language.setdefault(language or settings.LANGUAGE_CODE, []).append(address)
    for language, addresses in sorted(by_language.items()):
        with translation.override(language):
            lines = [
                _("Case #%(id)d (%(reasons)s) is due %(due)s.") % {"id": case.pk, "reasons": case.reasons, "due": due}
            ]
            if case.unit is not None:
                lines.append(_("Unit: %(unit)s.") % {"unit": case.unit.name})
            if customer is not None:
                lines.append(
                    _("Customer: %(name)s, value tier: %(tier)s.")
                    % {"name": customer.name or customer.external_id, "tier": customer.get_value_tier_display()}
                )
            if comment:
                # E-mail leaves the program for mailboxes: the customer's phone, e-mail or card stays masked there.
                lines.append(_("The customer wrote: «%(comment)s»") % {"comment": mask(comment)[:1000]})
            lines.append(_("Open it: %(url)s") % {"url": url})
            text = _(subject) % {"reasons": case.reasons}
            case_email(" ".join(str(text).split()), "\n\n".join(lines), addresses)


def followup_ask_if_solved(*, followup: FollowUp) -> bool:
    """After resolution, ask the customer in their language whether the issue is solved; once per case. When the
    mail server cannot take the message, the case stays resolved and is not marked as asked."""
    customer = followup.response.customer
    if followup.response.survey.anonymous or customer is None or not customer.email:
        return False
    url = settings.SITE_URL + reverse("followup-recovery", args=[recovery_token(followup)])
    with translation.override(customer.language or followup.response.language):
        subject = _("Is your issue solved?")
        body = _("Hello! We followed up on your feedback. Is the issue solved now? One click tells us: %(url)s") % {
            "url": url
        }
    try:
        with transaction.atomic():
            if not FollowUp.objects.filter(pk=followup.pk, resurvey_sent_at__isnull=True).update(
                resurvey_sent_at=timezone.now()
            ):
                return False
            case_event(followup, None, FollowUpEvent.Kind.RESURVEY, customer.email)
            case_email(subject, body, [customer.email])
    except (SMTPException, OSError) as error:
        logger.warning("Recovery question of case %s not sent: %s", followup.pk, error)
        return False
    return True


def followup_record_recovery(*, token: str, solved: bool) -> FollowUp | None:
    """The customer's answer to "is it solved?" (the first answer counts); None for a bad token."""
    case = recovery_case(token)
    if case is None:
        return None
    if FollowUp.objects.filter(pk=case.pk, recovered__isnull=True).update(recovered=solved):
        case_event(case, None, FollowUpEvent.Kind.ANSWERED, params={"solved": solved})
        case.recovered = solved
    return case
