"""Writes of the organisation: employees and their roles, passwords, CX-lead permissions, customer upserts,
heartbeats. The customer CSV import is in customer_import.py."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .models import Customer, Employee, Heartbeat, Unit

CX_LEADS_GROUP = "CX leads"
PRODUCT_APPS = ("cxprogram", "surveys", "journeys", "kpis")
CUSTOMER_COLUMNS = (
    "external_id",
    "name",
    "email",
    "phone",
    "language",
    "segment",
    "value_tier",
    "consent",
    "home_unit",
)


def cx_lead_group_sync() -> Group:
    """Give the "CX leads" group every permission on the product's models (and viewing users); idempotent."""
    group, _created = Group.objects.get_or_create(name=CX_LEADS_GROUP)
    permissions = (
        Permission.objects.filter(content_type__app_label__in=PRODUCT_APPS)
        | Permission.objects.filter(
            content_type__app_label="auth", codename__in=["view_user", "add_user", "change_user"]
        )
        | Permission.objects.filter(content_type__app_label="auditlog", codename="view_logentry")  # read only
    )
    group.permissions.set(permissions)
    return group


@transaction.atomic
def employee_upsert(
    *,
    username: str,
    unit: Unit | None = None,
    role: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    title: str | None = None,
    password_hash: str | None = None,
    changed_by: AbstractBaseUser | None = None,
) -> Employee:
    """Create or update a user and their employee record by username. Fields left as None keep what is stored
    (a new person gets them blank); a new person needs a role and a unit. The role goes through
    `employee_set_role`, so admin access follows it.

    `password_hash` comes from `make_password`, so a caller creating many users hashes once."""
    user, created = get_user_model().objects.get_or_create(username=username)
    account = {"first_name": first_name, "last_name": last_name, "email": email}
    changed = [name for name, value in account.items() if value is not None and getattr(user, name) != value]
    for name in changed:
        setattr(user, name, account[name])
    if password_hash is not None:
        user.password = password_hash
        changed.append("password")
    elif created:
        user.set_unusable_password()
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    employee = Employee.objects.filter(user=user).first()
    role = role or (employee.role if employee else None)
    unit = unit or (employee.unit if employee else None)
    if role is None or unit is None:
        raise ValidationError({"role" if role is None else "unit": _("A new employee needs a role and a unit.")})
    return employee_set_role(user=user, role=role, unit=unit, title=title, changed_by=changed_by)


@transaction.atomic
def employee_set_role(
    *,
    user: AbstractBaseUser,
    role: str | None,
    unit: Unit | None = None,
    title: str | None = None,
    changed_by: AbstractBaseUser | None = None,
) -> Employee | None:
    """The one way a person's role is given, changed or taken away (`role=None` removes their employee record);
    the admin's Employee page and user page, the API and imports all come here. Admin access follows the role:
    a CX lead is staff and in the "CX leads" group, anyone else is neither (a superuser stays staff).

    `changed_by` is who made the change (None for the system: seeding, imports from the command line)."""
    employee = Employee.objects.select_for_update().filter(user=user).first()
    if role is None:
        if employee is not None:
            employee.delete()
            employee = None
    else:
        if role not in Employee.Role.values:
            raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
        if employee is None:
            if unit is None:
                raise ValidationError({"unit": _("A new employee needs a unit.")})
            employee = Employee(user=user, unit=unit, role=role, title=title or "")
            employee.save()
        else:
            employee.role = role
            employee.unit = unit or employee.unit
            if title is not None:
                employee.title = title
            employee.save(update_fields=["role", "unit", "title"])
    _admin_access_follow_role(user=user, is_lead=role == Employee.Role.CX_LEAD)
    return employee


def _admin_access_follow_role(*, user: AbstractBaseUser, is_lead: bool) -> None:
    staff = is_lead or user.is_superuser
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    if is_lead:
        user.groups.add(cx_lead_group_sync())
    else:
        user.groups.remove(*Group.objects.filter(name=CX_LEADS_GROUP))


@transaction.atomic
def user_password_set(
    *, user: AbstractBaseUser, password: str | None, changed_by: AbstractBaseUser | None = None
) -> None:
    """Give a person a new password (None: none usable, no password sign-in). Their API token is revoked (an
    integration holding it must get a new one), and every session signed in with the old password ends at its
    next request (Django checks the password's hash in the session); the caller keeps its own session with
    `update_session_auth_hash`."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    Token.objects.filter(user=user).delete()


@transaction.atomic
def customer_upsert_many(*, rows: Iterable[dict], fields: Iterable[str]) -> tuple[int, int]:
    """Insert or update customers by external id in bulk, writing only `fields`; returns (created, updated)."""
    rows = list(rows)
    fields = [f for f in fields if f != "external_id"]
    ids = [row["external_id"] for row in rows]
    existing = set()
    for start in range(0, len(ids), 1000):
        existing.update(
            Customer.objects.filter(external_id__in=ids[start : start + 1000]).values_list("external_id", flat=True)
        )
    objects = [Customer(**row) for row in rows]
    Customer.objects.bulk_create(
        objects,
        batch_size=1000,
        update_conflicts=bool(fields),
        ignore_conflicts=not fields,
        unique_fields=["external_id"] if fields else None,
        update_fields=[*fields, "updated_at"] if fields else None,
    )
    updated = sum(1 for i in ids if i in existing)
    return len(ids) - updated, updated


def heartbeat_record(*, role: str, node: str, started_at: datetime, now: datetime | None = None) -> None:
    """Record that the background process `node` is alive now: one UPDATE, an INSERT the first time."""
    now = now or timezone.now()
    if not Heartbeat.objects.filter(role=role, node=node).update(seen_at=now, started_at=started_at):
        Heartbeat.objects.update_or_create(role=role, node=node, defaults={"seen_at": now, "started_at": started_at})


def heartbeat_prune(*, older_than: timedelta) -> int:
    """Forget processes not heard from for `older_than` (old container names); returns how many."""
    deleted, _per_model = Heartbeat.objects.filter(seen_at__lt=timezone.now() - older_than).delete()
    return deleted
