"""The unit hierarchy stays a tree: company at the top, regions under it, no cycles."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cxprogram.models import Unit

pytestmark = pytest.mark.django_db


def test_subtree_is_found_at_any_depth(org):
    team = Unit.objects.create(name="Night shift", code="night", kind="team", parent=org["units"]["north_store"])
    subtree = Unit.objects.subtree_of(org["units"]["north"]).order_by("name")
    assert [u.name for u in subtree] == ["Night shift", "North", "North store"]
    assert list(Unit.objects.subtree_of(team)) == [team]


def test_a_unit_cannot_move_below_itself(org):
    north = org["units"]["north"]
    north.parent = org["units"]["north_store"]
    north.kind = "team"
    with pytest.raises(ValidationError) as caught:
        north.full_clean()
    assert caught.value.message_dict["parent"] == ["A unit cannot belong to itself or to a unit below it."]


def test_a_region_cannot_sit_under_a_store(org):
    region = Unit(name="Odd", code="odd", kind="region", parent=org["units"]["north_store"])
    with pytest.raises(ValidationError) as caught:
        region.full_clean()
    assert caught.value.message_dict["parent"] == ["A region cannot belong to a store."]


def test_the_database_refuses_a_second_root_or_an_orphan(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="Orphan", code="orphan", kind="store", parent=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="Company 2", code="company-2", kind="company", parent=org["units"]["north"])
