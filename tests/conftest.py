"""Shared fixtures: a small organisation with one person per role, and a clean cache per test."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests.cxprogram.factories import CustomerFactory, EmployeeFactory, UnitFactory


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Russian leaves Russian active in the thread (LocaleMiddleware activates, nothing deactivates);
    each test starts in the default language."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def org(db):
    """Company → two regions → a store in each, with a lead, two managers and two frontline employees per store."""
    company = UnitFactory(kind="company", name="Company", code="company", parent=None)
    north = UnitFactory(kind="region", name="North", code="north", parent=company)
    south = UnitFactory(kind="region", name="South", code="south", parent=company)
    north_store = UnitFactory(kind="store", name="North store", code="north-store", parent=north)
    south_store = UnitFactory(kind="store", name="South store", code="south-store", parent=south)
    people = {
        "lead": EmployeeFactory(user__username="lead", role="cx_lead", unit=company),
        "north_manager": EmployeeFactory(user__username="north.manager", role="manager", unit=north),
        "store_manager": EmployeeFactory(user__username="store.manager", role="manager", unit=north_store),
        "south_manager": EmployeeFactory(user__username="south.manager", role="manager", unit=south_store),
        "alice": EmployeeFactory(user__username="alice", role="frontline", unit=north_store),
        "bob": EmployeeFactory(user__username="bob", role="frontline", unit=north_store),
        "carol": EmployeeFactory(user__username="carol", role="frontline", unit=south_store),
    }
    customers = {
        "north": CustomerFactory(external_id="N1", name="Nora North", home_unit=north_store),
        "south": CustomerFactory(external_id="S1", name="Sam South", home_unit=south_store),
    }
    units = {"company": company, "north": north, "south": south, "north_store": north_store, "south_store": south_store}
    return {"units": units, "people": people, "customers": customers}
