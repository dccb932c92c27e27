"""Writes of the case desk: reassigning many cases at once and the queue views people save."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cxprogram.models import Employee
from surveys.models import FollowUp, SavedQueueView
from surveys.services.followups import followup_reassign

MAX_SAVED_VIEWS = 20


@transaction.atomic
def followups_reassign(*, followups: QuerySet[FollowUp], actor: Employee | None, owner: Employee | None) -> int:
    """Give every case of `followups` to `owner` (None: the CX leads' queue), each with its history line; cases
    already with that owner are left alone. Returns how many changed hands."""
    owner_id = owner.pk if owner else None
    changed = 0
    for case in followups.select_for_update().order_by("pk"):
        if case.owner_id != owner_id:
            followup_reassign(followup=case, actor=actor, owner=owner)
            changed += 1
    return changed


@transaction.atomic
def saved_view_save(*, employee: Employee, name: str, query: str) -> SavedQueueView:
    """Save (or overwrite, by name) the person's queue filters."""
    name = name.strip()[:60]
    if not name:
        raise ValidationError(_("Give the view a name."))
    if "\x00" in name or "\x00" in query:  # PostgreSQL cannot store it
        raise ValidationError(_("The form contains a NUL character, which cannot be stored. Remove it and send again."))
    views = SavedQueueView.objects.filter(employee=employee)
    if not views.filter(name=name).exists() and views.count() >= MAX_SAVED_VIEWS:
        raise ValidationError(_("You can keep up to %(n)d views; delete one first.") % {"n": MAX_SAVED_VIEWS})
    view, _created = SavedQueueView.objects.update_or_create(
        employee=employee, name=name, defaults={"query": query[:500]}
    )
    return view


def saved_view_delete(*, employee: Employee, view_id: int) -> bool:
    """Delete one of the person's own saved views; someone else's is not found."""
    deleted, _rows = SavedQueueView.objects.filter(employee=employee, pk=view_id).delete()
    return bool(deleted)
