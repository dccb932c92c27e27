"""The seeds' measures of service on complaints as KPI sources: share answered the same day, median hours to the
first answer, share never answered — per channel, subject and month, equal to hand-computed figures and to the
results pages' own channel figures."""

from datetime import UTC, date, datetime

import pytest

from kpis.models import KpiMeasurement
from kpis.services.measurements import kpi_compute
from surveys.models import FollowUp
from surveys.selectors.channels import channel_loop_metrics
from surveys.services.complaints import Incoming, complaint_receive
from tests.kpis.factories import KpiFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)
S = KpiMeasurement.Status


def utc(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def loop(org):
    north, south = org["units"]["north_store"], org["units"]["south_store"]

    def case(message_id, channel, unit, received, answered=None, status=""):
        complaint, _new = complaint_receive(
            incoming=Incoming(
                message_id=message_id, channel=channel, text="…", unit=unit, received_at=received,
                public_url=f"https://x.example/{message_id}" if channel == "social" else "",
            )
        )  # fmt: skip
        FollowUp.objects.filter(pk=complaint.followup_id).update(
            first_contact_at=answered, status=status or ("contacted" if answered else "new")
        )

    # November, in Moscow time (UTC+3):
    case("s1", "social", north, utc(11, 2, 7), utc(11, 2, 8))  # 1 h, the same day
    case("s2", "social", north, utc(11, 3, 19), utc(11, 3, 22))  # 3 h: 01:00 the next local day
    case("s3", "social", south, utc(11, 4, 7))  # never answered, past its 4 h deadline
    case("s4", "social", north, utc(11, 5, 7), utc(11, 6, 7))  # 24 h
    case("e1", "email", north, utc(11, 5, 6), utc(11, 5, 6, 30))  # 0.5 h, the same day
    case("w1", "web", south, utc(11, 6, 7), status="closed")  # closed without an answer
    # December: one answered in 2 h; one still within its deadline (not judged yet).
    case("s5", "social", north, utc(12, 1, 7), utc(12, 1, 9))
    case("s6", "social", north, utc(12, 1, 10))
    return org


def measured(kpi, **subject):
    return {
        m.period_start: (None if m.value is None else round(m.value, 2), m.n, m.status)
        for m in KpiMeasurement.objects.filter(kpi=kpi, **subject)
    }


def compute(metric, level, channel="social", **extra):
    kpi = KpiFactory(metric=metric, level=level, period="month", channel=channel, min_sample=1, **extra)
    kpi_compute(kpi=kpi, date_from=NOV, date_to=DEC, now=NOW)
    return kpi


def test_company_figures_per_month_for_social_complaints(loop):
    same_day = compute("loop_same_day", "company", target=55, warning=29)
    never = compute("loop_never", "company", direction="lower", target=10, warning=30)
    median = compute("loop_median_hours", "company", direction="lower", target=4, warning=8)
    company = {"unit": loop["units"]["company"]}
    assert measured(same_day, **company) == {NOV: (25.0, 4, S.MISSED), DEC: (100.0, 1, S.MET)}
    assert measured(never, **company) == {NOV: (25.0, 4, S.NEAR), DEC: (0.0, 1, S.MET)}
    assert measured(median, **company) == {NOV: (3.0, 3, S.MET), DEC: (2.0, 1, S.MET)}


def test_every_channel_when_the_kpi_names_none(loop):
    company = {"unit": loop["units"]["company"]}
    assert measured(compute("loop_same_day", "company", channel=""), **company)[NOV] == (33.33, 6, S.NEAR)
    assert measured(compute("loop_never", "company", channel=""), **company)[NOV][:2] == (33.33, 6)
    assert measured(compute("loop_median_hours", "company", channel=""), **company)[NOV][:2] == (2.0, 4)  # 0.5 1 3 24


def test_units_cover_their_subtree_and_employees_their_own_cases(loop):
    units, people = loop["units"], loop["people"]
    same_day = compute("loop_same_day", "unit")
    never = compute("loop_never", "unit")
    median = compute("loop_median_hours", "unit")
    for unit in ("north_store", "north"):
        assert measured(same_day, unit=units[unit])[NOV][:2] == (33.33, 3)
        assert measured(never, unit=units[unit])[NOV][:2] == (0.0, 3)
        assert measured(median, unit=units[unit])[NOV][:2] == (3.0, 3)
    assert measured(never, unit=units["south_store"])[NOV][:2] == (100.0, 1)
    assert measured(median, unit=units["south_store"]) == {}  # nothing answered: no median to show
    assert measured(same_day, unit=units["company"])[NOV][:2] == (25.0, 4)
    assert measured(median, unit=units["company"])[NOV][:2] == (3.0, 3)

    mine = compute("loop_median_hours", "employee")
    assert measured(mine, employee=people["store_manager"]) == {NOV: (3.0, 3, S.MISSED), DEC: (2.0, 1, S.MISSED)}


def test_equal_to_the_results_pages_channel_figures(loop):
    november = FollowUp.objects.filter(
        response__submitted_at__gte=utc(10, 31, 21), response__submitted_at__lt=utc(11, 30, 21)
    )  # November in Moscow
    rows = {row.channel: row for row in channel_loop_metrics(november, now=NOW)}
    company = {"unit": loop["units"]["company"], "period_start": NOV}
    for channel in ("social", "email", "web"):
        same_day = KpiMeasurement.objects.get(kpi=compute("loop_same_day", "company", channel=channel), **company)
        never = KpiMeasurement.objects.get(kpi=compute("loop_never", "company", channel=channel), **company)
        assert (same_day.value, same_day.n, same_day.low, same_day.high) == (
            rows[channel].same_day.value, rows[channel].cases, rows[channel].same_day.low, rows[channel].same_day.high,
        )  # fmt: skip
        assert (never.value, never.low) == (rows[channel].never_answered.value, rows[channel].never_answered.low)
    median = KpiMeasurement.objects.get(kpi=compute("loop_median_hours", "company"), **company)
    assert median.value * 60 == rows["social"].median_minutes_to_answer == 180.0


def test_below_the_minimum_sample_no_figure(loop):
    kpi = KpiFactory(metric="loop_median_hours", level="company", period="month", channel="social", min_sample=4)
    kpi_compute(kpi=kpi, date_from=NOV, date_to=DEC, now=NOW)
    assert measured(kpi, unit=loop["units"]["company"]) == {NOV: (None, 3, S.NO_DATA), DEC: (None, 1, S.NO_DATA)}
