"""Recognitions, points and celebrations."""

from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cxprogram.models import Employee
from cxprogram.selectors import Scope

from ..models import CompanyValue, Kpi, KpiMeasurement, PointEntry, Recognition
from ..selectors.recognition import allowance_used, suggestion_for

MESSAGE_LIMIT = 1000


def _staff_language():
    """Ledger reasons are written once, in the staff language, like the closed loop's case reasons."""
    return translation.override(settings.LANGUAGE_CODE)


def _check_people(giver: Employee, receiver: Employee) -> None:
    if receiver.pk == giver.pk:
        raise ValidationError({"receiver": _("You cannot recognise yourself. Choose a colleague.")})
    if not receiver.user.is_active:
        raise ValidationError(
            {"receiver": _("%(name)s is no longer with the company and cannot be recognised.") % {"name": receiver}}
        )


def _check_value(value: CompanyValue | None) -> None:
    if value is None or not value.active:
        raise ValidationError({"value": _("Choose one of the company's current values.")})


@transaction.atomic
def recognition_give(
    *,
    giver: Employee,
    receiver: Employee,
    value: CompanyValue | None,
    message: str,
    visibility: str,
    points: int = 0,
) -> Recognition:
    """Recognise a colleague for a company value and credit them `points`, which come out of the giver's monthly
    allowance (RECOGNITION_MONTHLY_ALLOWANCE). Raises ValidationError (per field) for oneself, an inactive value,
    a receiver who has left, an empty message or too many points. The giver's row is locked while the allowance
    is checked, so two recognitions sent at the same moment cannot together exceed it."""
    _check_people(giver, receiver)
    _check_value(value)
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("Write a few words about what they did.")})
    if len(message) > MESSAGE_LIMIT:
        raise ValidationError({"message": _("Keep the message under %(limit)d characters.") % {"limit": MESSAGE_LIMIT}})
    if visibility not in Recognition.Visibility.values:
        raise ValidationError({"visibility": _("Choose who may see the recognition.")})
    if points < 0:
        raise ValidationError({"points": _("Points cannot be negative.")})

    Employee.objects.select_for_update().filter(pk=giver.pk).first()  # one giver's recognitions, one at a time
    left = settings.RECOGNITION_MONTHLY_ALLOWANCE - allowance_used(giver)
    if points > left:
        message_left = ngettext(
            "You have %(left)d point left to give this month.",
            "You have %(left)d points left to give this month.",
            max(left, 0),
        ) % {"left": max(left, 0)}
        raise ValidationError({"points": message_left})

    recognition = Recognition.objects.create(
        source=Recognition.Source.PEER,
        giver=giver,
        receiver=receiver,
        unit_id=receiver.unit_id,
        value=value,
        message=message,
        visibility=visibility,
        points=points,
    )
    if points:
        with _staff_language():
            reason = _("Recognised by %(giver)s") % {"giver": giver}
        PointEntry.objects.create(employee=receiver, amount=points, recognition=recognition, reason=reason[:200])
    return recognition


def recognition_from_suggestion(
    *, manager: Employee, answer_id: int, value: CompanyValue | None = None, scope: Scope | None = None
) -> Recognition:
    """Pass a customer's praising comment on to the employee it praises, with one click: a recognition from the
    manager, visible to the unit, carrying RECOGNITION_CUSTOMER_PRAISE_POINTS (not from the manager's allowance).
    Once per comment; the comment must be a current suggestion within the manager's scope (else ValidationError)."""
    scope = scope or Scope(role=manager.role, employee=manager)
    if not (scope.is_manager or scope.is_lead):
        raise ValidationError(_("Only managers and CX leads pass customers' praise on."))
    suggestion = suggestion_for(answer_id=answer_id, units=scope.units())
    if suggestion is None:
        raise ValidationError(_("This comment has already been passed on, or it is not about your team."))
    value = value or CompanyValue.objects.filter(active=True).first()
    _check_value(value)
    receiver = suggestion.employee
    _check_people(manager, receiver)
    points = max(settings.RECOGNITION_CUSTOMER_PRAISE_POINTS, 0)
    try:
        with transaction.atomic():
            recognition = Recognition.objects.create(
                source=Recognition.Source.CUSTOMER_PRAISE,
                giver=manager,
                receiver=receiver,
                unit_id=receiver.unit_id,
                value=value,
                message=suggestion.comment[:MESSAGE_LIMIT],
                visibility=Recognition.Visibility.UNIT,
                points=points,
                answer_id=suggestion.answer_id,
            )
            if points:
                with _staff_language():
                    reason = _("A customer's praise, passed on by %(giver)s") % {"giver": manager}
                PointEntry.objects.create(
                    employee=receiver, amount=points, recognition=recognition, reason=reason[:200]
                )
    except IntegrityError:  # a second click that raced the first
        raise ValidationError(_("This comment has already been passed on.")) from None
    return recognition


def achievement_record(*, measurement: KpiMeasurement) -> Recognition | None:
    """Called by the measurement service when a measurement is met: award the KPI's points once and post a
    celebration on the wall, visible to the unit. An employee's measurement credits that employee; a unit's
    credits the active people working directly in the unit; a company KPI is celebrated by all, with no points.
    Idempotent: recomputing a met measurement finds its recognition (unique per measurement) and awards nothing
    new. Returns None unless the measurement is met."""
    if measurement.status != KpiMeasurement.Status.MET:
        return None
    kpi = measurement.kpi
    existing = Recognition.objects.filter(measurement=measurement).first()
    if existing is not None:
        return existing
    if measurement.employee_id:
        receiver = measurement.employee
        unit_id, credited = receiver.unit_id, [receiver]
    else:
        receiver, unit_id = None, measurement.unit_id
        credited = list(Employee.objects.filter(unit_id=unit_id, user__is_active=True))
    company_wide = kpi.level == Kpi.Level.COMPANY
    if company_wide:  # everybody's success: celebrated by all, no one's points
        credited = []
    # A past period's success is dated when the period ended, so a recomputation of old months does not crowd
    # the top of the wall; the current period's, now.
    period_over = timezone.make_aware(datetime.combine(measurement.period_end, time.max))
    when = min(timezone.now(), period_over)
    with _staff_language():
        period = f"{measurement.period_start:%Y-%m-%d} – {measurement.period_end:%Y-%m-%d}"
        message = _("%(kpi)s: target met for %(period)s") % {"kpi": kpi.name, "period": period}
        reason = _("KPI target met: %(kpi)s, %(period)s") % {"kpi": kpi.name, "period": period}
    try:
        with transaction.atomic():
            recognition = Recognition.objects.create(
                source=Recognition.Source.ACHIEVEMENT,
                receiver=receiver,
                unit_id=unit_id,
                message=message[:MESSAGE_LIMIT],
                visibility=Recognition.Visibility.COMPANY if company_wide else Recognition.Visibility.UNIT,
                points=kpi.points if credited else 0,
                measurement=measurement,
                created_at=when,
            )
            if kpi.points and credited:
                entry = {"amount": kpi.points, "measurement": measurement, "reason": reason[:200], "created_at": when}
                PointEntry.objects.bulk_create(PointEntry(employee=person, **entry) for person in credited)
    except IntegrityError:  # another computation of the same measurement got there first
        return Recognition.objects.get(measurement=measurement)
    return recognition
