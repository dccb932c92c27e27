"""The customer mix from the customer counts equals the customers themselves, whatever wrote them: the admin, an
import (new and updated customers), opt-outs, erasure, deleting a customer, a segment or a unit, a rollback; and
writers of the same group never wait for each other."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from cxprogram.customer_counts import customer_counts_compact, customer_counts_recount
from cxprogram.models import Customer, CustomerCount, Unit
from cxprogram.selectors import customer_mix
from cxprogram.services import customer_upsert_many
from surveys.services.privacy import customer_erase
from tests.cxprogram.factories import CustomerFactory, EmployeeFactory, SegmentFactory, UnitFactory


def mix(home_units, *, use_counts=True):
    units = None if home_units is None else Unit.objects.filter(pk__in=home_units)
    result = customer_mix(home_units=units, use_counts=use_counts)
    rows = [(r["segment_name"], r["total"], r["contactable"], *r["tiers"]) for r in result.rows]
    return rows, result.total, result.contactable


@pytest.fixture
def world(db):
    """A store under a region and one outside it; 9 customers in two segments and none, three tiers."""
    company = UnitFactory(kind="company")
    region = UnitFactory(kind="region", name="North", parent=company)
    store, other = UnitFactory(kind="store", parent=region), UnitFactory(kind="store", parent=company)
    loyal, new = SegmentFactory(name="Loyal"), SegmentFactory(name="New")
    for tier, consent in (("high", True), ("high", False), ("medium", True), ("low", True)):
        CustomerFactory(segment=loyal, value_tier=tier, consent=consent, home_unit=store)
    CustomerFactory(segment=new, value_tier="medium", home_unit=store, opted_out_at=timezone.now())
    CustomerFactory(segment=new, value_tier="low", home_unit=other)
    CustomerFactory(segment=new, value_tier="low", home_unit=region)
    CustomerFactory(segment=None, value_tier="high", home_unit=None)
    return {"region": region, "store": store, "other": other, "loyal": loyal, "new": new}


def test_the_mix_counts_customers_by_segment_and_tier(world):
    # (segment, customers, contactable, high, medium, low)
    assert mix(None) == (
        [("Loyal", 4, 3, 2, 1, 1), ("New", 3, 2, 0, 1, 2), (None, 1, 1, 1, 0, 0)],
        8,
        6,
    )
    region = [world["region"].pk, world["store"].pk]
    assert mix(region) == ([("Loyal", 4, 3, 2, 1, 1), ("New", 2, 1, 0, 1, 1)], 6, 4)
    assert mix([world["other"].pk]) == ([("New", 1, 1, 0, 0, 1)], 1, 1)
    assert mix([]) == ([], 0, 0)


def test_the_lead_home_and_the_unit_page_show_the_mix(client, world):
    lead = EmployeeFactory(role="cx_lead", unit=world["region"])
    client.force_login(lead.user)
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "8 customers, 6 can be asked for feedback." in home
    page = client.get(f"/units/{world['region'].pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "6 customers, 4 can be asked for feedback." in page


@pytest.mark.postgres
class TestKeptByTriggers:
    @pytest.fixture(autouse=True)
    def _needs_postgresql(self):
        if connection.vendor != "postgresql":
            pytest.skip("the customer counts are kept by PostgreSQL triggers; SQLite counts the customers")

    def assert_equal(self, world):
        for units in (None, [world["store"].pk], [world["region"].pk, world["store"].pk], [world["other"].pk]):
            assert mix(units) == mix(units, use_counts=False), units

    def test_every_kind_of_write_keeps_the_counts_equal_to_the_customers(self, world, admin_user):
        self.assert_equal(world)
        anna = Customer.objects.filter(segment=world["loyal"], value_tier="high", consent=True).get()
        anna.value_tier, anna.segment = "low", world["new"]  # the admin moves her
        anna.save()
        Customer.objects.filter(pk=anna.pk).update(opted_out_at=timezone.now())  # she opts out
        Customer.objects.filter(pk=anna.pk).update(name="Anna K.")  # nothing counted changes
        self.assert_equal(world)
        created, updated = customer_upsert_many(
            rows=[
                {"external_id": anna.external_id, "value_tier": "high"},  # an import updates her
                *({"external_id": f"IMP{i}", "value_tier": "medium"} for i in range(1500)),  # and adds 1,500
            ],
            fields=["value_tier"],
        )
        assert (created, updated) == (1500, 1)
        self.assert_equal(world)
        customer_erase(customer=Customer.objects.get(segment=world["loyal"], value_tier="low"), actor=admin_user)
        Customer.objects.filter(external_id__startswith="IMP1").delete()
        world["loyal"].delete()  # its customers now have no segment
        world["other"].delete()  # and these no home unit
        self.assert_equal(world)
        assert mix(None)[1:] == (Customer.objects.count(), Customer.objects.contactable().count())
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            CustomerFactory(value_tier="high")
            1 / 0  # noqa: B018
        self.assert_equal(world)

    def test_compaction_and_a_recount_keep_the_figures(self, world):
        Customer.objects.update(consent=True)
        Customer.objects.update(consent=False)
        before, rows = mix(None), CustomerCount.objects.count()
        left = customer_counts_compact()
        assert mix(None) == before == mix(None, use_counts=False)
        assert left == CustomerCount.objects.count() < rows
        assert customer_counts_compact() == left  # compacting again changes nothing
        CustomerCount.objects.update(n=7)  # damage
        assert customer_counts_recount() == left
        assert mix(None) == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_of_one_group_do_not_wait_and_compaction_loses_nothing():
    """An import's open transaction holds no row another writer of the same group needs, and a compaction meanwhile
    neither drops nor doubles what that transaction adds when it commits."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises them")
    segment = SegmentFactory(name="Loyal")
    CustomerFactory(segment=segment, value_tier="high")
    errors = []

    def second_writer() -> None:
        try:
            with connection.cursor() as cursor:  # this thread's own connection, in autocommit
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(
                    "INSERT INTO cxprogram_customer (external_id, name, email, phone, language, segment_id, "
                    "value_tier, consent, created_at, updated_at) "
                    "VALUES ('B1', '', '', '', 'ru', %s, 'high', true, now(), now())",
                    [segment.pk],
                )
            customer_counts_compact()
        except Exception as error:  # noqa: BLE001  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        CustomerFactory(segment=segment, value_tier="high")  # uncommitted while the other writer runs
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive()
    assert errors == []
    assert mix(None) == ([("Loyal", 3, 3, 3, 0, 0)], 3, 3) == mix(None, use_counts=False)
