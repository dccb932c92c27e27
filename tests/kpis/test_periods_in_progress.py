"""A KPI period still running is shown as in progress (on track or not), never judged or celebrated; it is
judged once, when it closes; pages default to the last complete period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kpis.models import KpiMeasurement, Recognition
from kpis.models.kpi import period_bounds
from kpis.selectors.kpi import employee_kpi_cards
from kpis.services.measurements import kpi_compute
from surveys.models import Question
from tests.kpis.factories import KpiFactory
from tests.kpis.test_measurements import at, respond
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


@pytest.fixture
def months(org):
    """Alice: last month 10 answers CSAT 2 (missed), this month so far 10 answers CSAT 5 (on track)."""
    survey = SurveyFactory(public_id="visit")
    csat = QuestionFactory(survey=survey, code="csat", type=QT.CSAT)
    today = timezone.localdate()
    this_start = period_bounds("month", today)[0]
    last_start = period_bounds("month", this_start - timedelta(days=1))[0]
    alice = org["people"]["alice"]
    for i in range(10):
        respond(survey, {csat: 2}, employee=alice, day=last_start + timedelta(days=i % 20))
        respond(survey, {csat: 5}, employee=alice, day=this_start, hour=0)
    kpi = KpiFactory(name="Happy customers", code="happy", metric="csat", target=80, warning=60, points=25,
                     questions=[csat], min_sample=5)  # fmt: skip
    kpi_compute(kpi=kpi, date_from=last_start, date_to=today)
    return kpi, alice, this_start, last_start


def test_a_running_period_is_on_track_not_met_and_not_celebrated(client, months):
    kpi, alice, this_start, last_start = months
    running = KpiMeasurement.objects.get(kpi=kpi, employee=alice, period_start=this_start)
    assert (running.value, running.status, running.in_progress) == (100.0, "met", True)
    assert not Recognition.objects.filter(source="achievement").exists()
    card = employee_kpi_cards(alice)[0]
    assert (card.current.period_start, card.current.value, card.current.status) == (last_start, 0.0, "missed")
    assert card.running == running and card.change is None  # no change against a period still running
    client.force_login(alice.user)
    client.cookies["django_language"] = "ru"
    page = client.get("/me/").content.decode()
    assert "Идёт: цель достигается" in page
    assert '<span class="kpi-status kpi-status-missed">Не выполнен</span>' in page  # last month, judged
    assert "kpi-status-met" not in page


def test_a_period_is_judged_and_celebrated_once_when_it_closes(months):
    kpi, alice, this_start, _last_start = months
    next_month = period_bounds("month", this_start)[1] + timedelta(days=1)
    kpi_compute(kpi=kpi, date_from=this_start, date_to=this_start, now=at(next_month, 9))
    kpi_compute(kpi=kpi, date_from=this_start, date_to=this_start, now=at(next_month, 10))
    celebrations = Recognition.objects.filter(source="achievement", receiver=alice)
    assert celebrations.count() == 1
    assert celebrations.get().points == 25


def test_the_celebration_is_worded_in_the_readers_language(client, months):
    kpi, alice, this_start, _last_start = months
    end = period_bounds("month", this_start)[1]
    kpi_compute(kpi=kpi, date_from=this_start, date_to=this_start, now=at(end + timedelta(days=1), 9))
    client.force_login(alice.user)
    start, finish = this_start.strftime("%d.%m.%Y"), end.strftime("%d.%m.%Y")
    client.cookies["django_language"] = "ru"
    assert f"Happy customers: цель достигнута за {start} – {finish}" in client.get("/wall/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/wall/").content.decode()
    assert f"Happy customers: target met for {this_start:%m/%d/%Y} – {end:%m/%d/%Y}" in english
    client.cookies["django_language"] = "ru"
    data = client.get("/api/v1/recognitions/").json()
    assert data["results"][0]["message"] == f"Happy customers: цель достигнута за {start} – {finish}"


def test_the_points_ledger_says_why_in_the_readers_language(admin_client, months):
    kpi, _alice, this_start, _last_start = months
    end = period_bounds("month", this_start)[1]
    kpi_compute(kpi=kpi, date_from=this_start, date_to=this_start, now=at(end + timedelta(days=1), 9))
    admin_client.cookies["django_language"] = "ru"
    page = admin_client.get("/admin/kpis/pointentry/").content.decode()
    assert f"Happy customers: цель достигнута за {this_start:%d.%m.%Y} – {end:%d.%m.%Y}" in page
