"""Recognitions, points and celebrations."""

from collections import defaultdict
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cxprogram.audit import ERASED
from cxprogram.models import Employee
from cxprogram.selectors import Scope
from surveys.text.pii import mask

from ..models import CompanyValue, Kpi, KpiMeasurement, PointEntry, Recognition
from ..selectors.recognition import allowance_left, allowance_used, suggestion_for

MESSAGE_LIMIT = 1000
BATCH_SIZE = 2000  # rows per INSERT when celebrations and ledger lines are written in bulk


def _staff_language():
    """Ledger reasons are written once, in the staff language, like the closed loop's case reasons."""
    return translation.override(settings.LANGUAGE_CODE)


def _check_people(giver: Employee, receiver: Employee) -> None:
    if receiver.pk == giver.pk:
        raise ValidationError({"receiver": _("You cannot recognise yourself. Choose a colleague.")})
    if giver.integration or receiver.integration:
        raise ValidationError({"receiver": _("Integration accounts neither give nor receive recognitions.")})
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
    manager, visible to the unit, carrying RECOGNITION_CUSTOMER_PRAISE_POINTS out of the manager's monthly allowance
    (fewer when less is left; none when it is spent: then it is a recognition without points).
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
    try:
        with transaction.atomic():
            Employee.objects.select_for_update().filter(pk=manager.pk).first()  # the allowance, as in recognition_give
            points = min(max(settings.RECOGNITION_CUSTOMER_PRAISE_POINTS, 0), allowance_left(manager))
            recognition = Recognition.objects.create(
                source=Recognition.Source.CUSTOMER_PRAISE,
                giver=manager,
                receiver=receiver,
                unit_id=receiver.unit_id,
                value=value,
                message=mask(suggestion.comment)[:MESSAGE_LIMIT],  # the wall is read by all: never personal data
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
    """Called when a measurement is met: award the KPI's points once and post a celebration on the wall, as
    `achievements_record` does for many. Idempotent: recomputing a met measurement finds its recognition and
    awards nothing new. Returns the measurement's celebration, or None unless the measurement is met."""
    if measurement.status != KpiMeasurement.Status.MET:
        return None
    achievements_record(measurements=[measurement])
    return Recognition.objects.filter(measurement=measurement).first()


@transaction.atomic
def achievements_record(*, measurements: list[KpiMeasurement]) -> int:
    """For every met measurement among `measurements` that has no celebration yet, award the KPI's points once and
    post a celebration on the wall, visible to the unit. An employee's measurement credits that employee; a unit's
    credits the active people working directly in the unit; a company KPI is celebrated by all, with no points.
    A past period's success is dated when the period ended. Set-based: the same few queries however many
    measurements (the inserts go 2,000 rows at a time); the unique constraints (one recognition per measurement,
    one ledger line per measurement and person) stay the guard, so a re-run or a concurrent computation awards
    nothing twice. Returns the number of celebrations posted."""
    met = list({m.pk: m for m in measurements if m.status == KpiMeasurement.Status.MET}.values())
    if not met:
        return 0
    _load_kpis_and_employees(met)
    todo = _without_achievement(met)
    if not todo:
        return 0
    company_wide = {m.pk: m.kpi.level == Kpi.Level.COMPANY for m in todo}
    people = _active_people_by_unit({m.unit_id for m in todo if not m.employee_id and not company_wide[m.pk]})
    now = timezone.now()
    celebrations, ledger = [], []
    with _staff_language():
        for m in todo:
            if m.employee_id:
                receiver, unit_id, credited = m.employee, m.employee.unit_id, [m.employee_id]
            else:
                receiver, unit_id, credited = None, m.unit_id, people.get(m.unit_id, [])
            if company_wide[m.pk]:  # everybody's success: celebrated by all, no one's points
                credited = []
            # A past period's success is dated when the period ended, so a recomputation of old months does not
            # crowd the top of the wall; the current period's, now.
            when = min(now, timezone.make_aware(datetime.combine(m.period_end, time.max)))
            period = f"{m.period_start:%Y-%m-%d} – {m.period_end:%Y-%m-%d}"
            message = _("%(kpi)s: target met for %(period)s") % {"kpi": m.kpi.name, "period": period}
            reason = _("KPI target met: %(kpi)s, %(period)s") % {"kpi": m.kpi.name, "period": period}
            celebrations.append(
                Recognition(
                    source=Recognition.Source.ACHIEVEMENT,
                    receiver=receiver,
                    unit_id=unit_id,
                    message=message[:MESSAGE_LIMIT],
                    visibility=Recognition.Visibility.COMPANY if company_wide[m.pk] else Recognition.Visibility.UNIT,
                    points=m.kpi.points if credited else 0,
                    measurement=m,
                    created_at=when,
                )
            )
            if m.kpi.points and credited:
                entry = {"amount": m.kpi.points, "measurement": m, "reason": reason[:200], "created_at": when}
                ledger += [PointEntry(employee_id=person, **entry) for person in credited]
    posted = _celebrations_insert(celebrations)
    paid = {c.measurement_id for c in posted}
    # A ledger line that is already there (the person was paid for this measurement) is left as it is.
    PointEntry.objects.bulk_create(
        [e for e in ledger if e.measurement_id in paid], batch_size=BATCH_SIZE, ignore_conflicts=True
    )
    return len(posted)


def _chunks(ids: list[int]) -> list[list[int]]:
    """`ids` split as the database takes them in one IN list (SQLite has a limit; PostgreSQL none)."""
    size = connection.features.max_query_params or len(ids) or 1
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _load_kpis_and_employees(measurements: list[KpiMeasurement]) -> None:
    """Each measurement's KPI and employee, in one query each for those the caller has not loaded already."""
    kpi_field, employee_field = KpiMeasurement._meta.get_field("kpi"), KpiMeasurement._meta.get_field("employee")
    missing_kpis = {m.kpi_id for m in measurements if not kpi_field.is_cached(m)}
    missing_employees = {m.employee_id for m in measurements if m.employee_id and not employee_field.is_cached(m)}
    kpis = Kpi.objects.in_bulk(missing_kpis) if missing_kpis else {}
    employees = Employee.objects.in_bulk(missing_employees) if missing_employees else {}
    for m in measurements:
        if m.kpi_id in kpis:
            m.kpi = kpis[m.kpi_id]
        if m.employee_id in employees:
            m.employee = employees[m.employee_id]


def _achieved(measurement_ids: list[int]) -> set[int]:
    """Which of the measurements already have their celebration."""
    done = set()
    for chunk in _chunks(measurement_ids):
        done.update(Recognition.objects.filter(measurement__in=chunk).values_list("measurement_id", flat=True))
    return done


def _without_achievement(measurements: list[KpiMeasurement]) -> list[KpiMeasurement]:
    done = _achieved([m.pk for m in measurements])
    return [m for m in measurements if m.pk not in done]


def _active_people_by_unit(unit_ids: set[int]) -> dict[int, list[int]]:
    """The ids of the active people working directly in each unit, in the employees' usual order."""
    people: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted(unit_ids)):
        active = Employee.objects.filter(unit_id__in=chunk, user__is_active=True)
        for pk, unit_id in active.values_list("pk", "unit_id"):
            people[unit_id].append(pk)
    return people


def _celebrations_insert(celebrations: list[Recognition]) -> list[Recognition]:
    """Insert the celebrations. If another computation posted some of them meanwhile (the unique constraint on the
    measurement refuses the insert), those are dropped and the rest inserted again: each measurement is celebrated
    once, and only the celebrations inserted here are returned."""
    while celebrations:
        try:
            with transaction.atomic():
                return Recognition.objects.bulk_create(celebrations, batch_size=BATCH_SIZE)
        except IntegrityError:
            done = _achieved([c.measurement_id for c in celebrations])
            if not done:  # not a celebration posted meanwhile: a real error
                raise
            celebrations = [c for c in celebrations if c.measurement_id not in done]
            for celebration in celebrations:  # ids given to earlier batches were rolled back with them
                celebration.pk, celebration._state.adding = None, True
    return []


def recognitions_erase_answers(*, answer_ids: list[int]) -> int:
    """A customer's comment passed on as praise is quoted in the recognition: erased with the comment."""
    return Recognition.objects.filter(answer_id__in=answer_ids).update(message=ERASED)
