"""Outcome analysis on a hand-built fixture: the outcome where a behaviour is met against where it is not,
Welch's interval of the difference, and Pearson's r across units."""

import math
from datetime import date

import pytest
from django.urls import reverse

from kpis.models import KpiMeasurement
from kpis.selectors.outcomes import outcome_effect, outcome_effects, pearson, t_quantile, welch
from tests.cxprogram.factories import UnitFactory
from tests.kpis.factories import KpiFactory, KpiMeasurementFactory

pytestmark = pytest.mark.django_db
JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


@pytest.mark.parametrize(
    "df, expected", [(1, 12.706204736174694), (4, 2.7764451051977987), (10, 2.2281388519649385), (30, 2.04227245630124)]
)
def test_t_quantiles_match_the_tables(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-9)


def test_welch_and_pearson_need_enough_points():
    assert welch([1.0], [2.0, 3.0]) == (None, None, None, None)
    assert pearson([(1, 2), (2, 3)]) is None
    assert pearson([(1, 2), (2, 2), (3, 2)]) is None  # the outcome does not vary


@pytest.fixture
def polite_and_nps(org):
    """Three stores over two months. Polite service (target 90, warning 85) against store NPS:

    store    Jan: polite / NPS     Feb: polite / NPS
    A        96 met / 60           94 met / 50
    B        92 met / 40           80 missed / 30
    C        70 missed / 20        60 missed / 10
    plus a month without enough data, a unit without an outcome and a region (whose figure repeats its stores'),
    which take no part."""
    units = org["units"]
    a, b = units["north_store"], units["south_store"]
    c = UnitFactory(name="East store", kind="store", parent=units["south"])
    nps = KpiFactory(name="Store NPS", metric="nps", level="unit", target=40, warning=20)
    polite = KpiFactory(name="Polite service", metric="yes_share", level="unit", target=90, warning=85, outcome=nps)
    rows = [
        (a, JAN, 96, 60), (a, FEB, 94, 50),
        (b, JAN, 92, 40), (b, FEB, 80, 30),
        (c, JAN, 70, 20), (c, FEB, 60, 10),
    ]  # fmt: skip
    for unit, start, behaviour, outcome in rows:
        KpiMeasurementFactory(kpi=polite, unit=unit, period_start=start, value=behaviour,
                              status=polite.status_of(behaviour))  # fmt: skip
        KpiMeasurementFactory(kpi=nps, unit=unit, period_start=start, value=outcome, status=nps.status_of(outcome))
    KpiMeasurementFactory(kpi=polite, unit=a, period_start=date(2026, 3, 1), value=None, n=3, status="no_data")
    KpiMeasurementFactory(kpi=nps, unit=a, period_start=date(2026, 3, 1), value=90, status="met")
    KpiMeasurementFactory(kpi=polite, unit=UnitFactory(parent=units["north"]), period_start=JAN, value=99,
                          status="met")  # no outcome  # fmt: skip
    KpiMeasurementFactory(kpi=polite, unit=units["south"], period_start=JAN, value=92, status="met")  # a region
    KpiMeasurementFactory(kpi=nps, unit=units["south"], period_start=JAN, value=40, status="met")
    return polite, nps


def test_outcome_where_the_behaviour_is_met_against_where_not(polite_and_nps):
    polite, _nps = polite_and_nps
    effect = outcome_effect(polite)
    # met: 60, 50, 40 (mean 50, variance 100); not met: 30, 20, 10 (mean 20, variance 100)
    assert (effect.pairs, effect.met_n, effect.other_n) == (6, 3, 3)
    assert (effect.met_mean, effect.other_mean, effect.difference) == (50.0, 20.0, 30.0)
    # Welch: se = √(100/3 + 100/3); df = (200/3)² / (2 · (100/3)² / 2) = 4; t(0.975, 4) = 2.7764451051977987
    margin = 2.7764451051977987 * math.sqrt(200 / 3)
    assert effect.df == pytest.approx(4.0)
    assert effect.low == pytest.approx(30 - margin, abs=1e-8)  # 7.33
    assert effect.high == pytest.approx(30 + margin, abs=1e-8)  # 52.67
    assert round(effect.low, 2) == 7.33 and effect.significant
    # per store means: A (95, 55), B (86, 35), C (65, 15): Sxy = 600, Sxx = 474, Syy = 800
    assert effect.subjects == 3
    assert effect.correlation == pytest.approx(600 / math.sqrt(474 * 800), abs=1e-12)  # 0.9744


def test_employee_behaviour_is_paired_with_its_units_outcome_and_mismatches_are_explained(org, polite_and_nps):
    _polite, nps = polite_and_nps
    alice, carol = org["people"]["alice"], org["people"]["carol"]
    advice = KpiFactory(name="Advice CSAT", metric="csat", level="employee", target=80, warning=70, outcome=nps)
    for employee, start, value in [(alice, JAN, 90), (alice, FEB, 85), (carol, JAN, 50), (carol, FEB, 60)]:
        KpiMeasurementFactory(kpi=advice, employee=employee, period_start=start, value=value,
                              status=advice.status_of(value))  # fmt: skip
    effect = outcome_effect(advice)
    # Alice's store: 60 and 50 (both met); Carol's: 40 and 30 (not met)
    assert (effect.met_mean, effect.other_mean, effect.difference) == (55.0, 35.0, 20.0)

    quarterly = KpiFactory(name="Quarterly NPS", metric="nps", level="unit", period="quarter", target=1, warning=None)
    monthly = KpiFactory(name="Monthly habit", level="unit", period="month", target=1, warning=None, outcome=quarterly)
    assert outcome_effect(monthly).note == ""  # a month sits inside its quarter
    backwards = KpiFactory(name="Quarterly habit", level="unit", period="quarter", target=1, warning=None, outcome=nps)
    assert "period" in outcome_effect(backwards).note
    upside = KpiFactory(name="Unit habit", level="unit", target=1, warning=None, outcome=advice)
    assert "employee outcome" in outcome_effect(upside).note
    assert [e.behaviour.name for e in outcome_effects()] == [
        "Advice CSAT", "Monthly habit", "Polite service", "Quarterly habit", "Unit habit"
    ]  # fmt: skip


def test_the_page_shows_the_figures_to_cx_leads_only(client, org, polite_and_nps):
    client.force_login(org["people"]["lead"].user)
    html = client.get(reverse("kpi-outcomes")).content.decode()
    assert "Polite service" in html and "Store NPS" in html
    assert "+30.0" in html and "7.3 … 52.7" in html and "r = 0.97" in html
    for name in ("store_manager", "alice"):
        client.force_login(org["people"][name].user)
        assert client.get(reverse("kpi-outcomes")).status_code == 404
    assert KpiMeasurement.objects.count() == 17
