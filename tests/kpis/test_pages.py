"""The KPI pages: /me/, an employee's page, the team scorecard, the outcome page and hand-entered values —
who sees what, what they show, and query counts that do not grow with the data."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxprogram.models import Employee
from kpis.models import Kpi, KpiManualValue, KpiMeasurement
from kpis.models.kpi import period_bounds
from kpis.services.measurements import kpi_compute
from surveys.models import Answer, FollowUp, Question, Response
from surveys.services.rollups import rollup_add
from tests.cxprogram.factories import EmployeeFactory
from tests.kpis.factories import KpiFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


def this_month() -> date:
    return period_bounds("month", timezone.localdate())[0]


def served(survey, questions: dict, employee, *, comment: str = "", days_ago: int = 1):
    response = Response.objects.create(
        survey=survey, employee=employee, unit=employee.unit, language="en", source="api",
        submitted_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    rows = [Answer(response=response, question=q, question_type=q.type, number=v) for q, v in questions.items()]
    if comment:
        text = QuestionFactory._meta.model.objects.get(survey=survey, code="comment")
        rows.append(Answer(response=response, question=text, question_type=text.type, text=comment))
    rollup_add(response=response, answers=Answer.objects.bulk_create(rows))  # as the submission service counts
    return response


@pytest.fixture
def program(org):
    """Alice and Bob served customers this month and last; KPIs: an employee CSAT employees can influence, an
    employee NPS they cannot, a store NPS, computed."""
    survey = SurveyFactory(public_id="visit")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS)
    csat = QuestionFactory(survey=survey, code="csat", type=QT.CSAT)
    QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False)
    people = org["people"]
    for days_ago in (1, 40):
        for i in range(6):
            served(survey, {nps: 10, csat: 5}, people["alice"], days_ago=days_ago + i % 2)
            served(survey, {nps: 3, csat: 2}, people["bob"], days_ago=days_ago + i % 2)
    served(survey, {nps: 10, csat: 5}, people["alice"], comment="Alice found the perfect lamp for me")
    served(survey, {nps: 2, csat: 1}, people["bob"], comment="Bob was rude at the till")
    served(survey, {nps: 9, csat: 5}, people["carol"], comment="Carol in the south store was lovely")
    kpis = {
        "csat": KpiFactory(name="Customers happy with my service", code="my-csat", metric="csat", target=80,
                           warning=60, questions=[csat]),
        "hidden": KpiFactory(name="Secret ranking NPS", code="secret-nps", metric="nps", employee_influence=False,
                             questions=[nps]),
        "store": KpiFactory(name="Store NPS", code="store-nps", metric="nps", level="unit", target=20, warning=0,
                            questions=[nps]),
    }  # fmt: skip
    start = this_month() - timedelta(days=70)
    for kpi in kpis.values():
        kpi_compute(kpi=kpi, date_from=start, date_to=timezone.localdate())
    return {"survey": survey, "nps": nps, "csat": csat, "kpis": kpis, **org}


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_alice_sees_her_kpis_her_customers_words_and_not_the_hidden_kpi(client, program):
    alice = program["people"]["alice"]
    response = page(client, alice.user, reverse("me"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Customers happy with my service" in html
    assert "100%" in html and "Met" in html  # every one of her customers satisfied
    assert "Store NPS" in html  # her store's KPIs she can influence
    assert "Secret ranking NPS" not in html  # not one employees can influence: never shown as her own
    assert "Alice found the perfect lamp for me" in html
    assert "Bob was rude at the till" not in html
    assert "Carol in the south store" not in html
    assert "<svg" in html  # the small trend of her own past


def test_bob_can_never_see_alices_page_or_data(client, program):
    alice, bob = program["people"]["alice"], program["people"]["bob"]
    client.force_login(bob.user)
    for url in (
        reverse("employee-detail", args=[alice.pk]),
        reverse("team-unit", args=[alice.unit_id]),
        reverse("team"),
        reverse("kpi-outcomes"),
        reverse("kpi-manual-values"),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Alice" not in response.content.decode()
    own = client.get(reverse("me")).content.decode()
    assert "Bob was rude at the till" in own
    assert "Alice found the perfect lamp" not in own
    assert "Alice Tester" not in own
    # The page says "missed" for Bob's own CSAT: 0% satisfied this month
    assert "Missed" in own


def test_managers_see_their_people_and_scorecard_but_not_other_regions(client, program):
    alice = program["people"]["alice"]
    store = program["units"]["north_store"]
    client.force_login(program["people"]["store_manager"].user)
    alice_page = client.get(reverse("employee-detail", args=[alice.pk])).content.decode()
    assert "Customers happy with my service" in alice_page and "Alice found the perfect lamp" in alice_page
    assert "Secret ranking NPS" not in alice_page
    assert client.get(reverse("team")).url == reverse("team-unit", args=[store.pk])
    team = client.get(reverse("team-unit", args=[store.pk]))
    html = team.content.decode()
    assert team.status_code == 200
    assert "Scorecard" in html and "Store NPS" in html
    assert "Alice Tester" in html and "Bob Tester" in html and "n = 6" in html  # the last complete month, not this one
    assert "Carol" not in html
    assert client.get(reverse("team-unit", args=[program["units"]["south_store"].pk])).status_code == 404
    assert client.get(reverse("employee-detail", args=[program["people"]["carol"].pk])).status_code == 404
    assert client.get(reverse("kpi-outcomes")).status_code == 404  # the analysis is for CX leads

    client.force_login(program["people"]["south_manager"].user)
    assert client.get(reverse("employee-detail", args=[alice.pk])).status_code == 404
    assert client.get(reverse("team-unit", args=[store.pk])).status_code == 404

    client.force_login(program["people"]["north_manager"].user)  # the region sees the store below
    region = client.get(reverse("team-unit", args=[program["units"]["north"].pk])).content.decode()
    assert "Units below" in region and "North store" in region


def test_lead_sees_every_page(client, program):
    client.force_login(program["people"]["lead"].user)
    for url in (
        reverse("employee-detail", args=[program["people"]["carol"].pk]),
        reverse("team-unit", args=[program["units"]["south_store"].pk]),
        reverse("kpi-outcomes"),
        reverse("kpi-manual-values"),
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("team")).url == reverse("team-unit", args=[program["people"]["lead"].unit_id])


def test_open_cases_on_the_page_are_the_employees_own(client, program, settings):
    manager = program["people"]["store_manager"]
    response = served(program["survey"], {program["nps"]: 1}, program["people"]["bob"])
    FollowUp.objects.create(response=response, owner=manager, unit=manager.unit, due_at=timezone.now(),
                            reason_codes=[["text", "Wants a call back"]])  # fmt: skip
    html = page(client, manager.user, reverse("me")).content.decode()
    assert "Wants a call back" in html
    assert "Wants a call back" not in page(client, program["people"]["alice"].user, reverse("me")).content.decode()
    settings.FOLLOWUP_FRONTLINE_SEES_OWN = True  # Bob served that customer and may follow his cases
    assert "Wants a call back" in page(client, program["people"]["bob"].user, reverse("me")).content.decode()


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_page_query_counts_do_not_grow_with_the_data(client, program, django_assert_max_num_queries):
    alice, manager = program["people"]["alice"], program["people"]["store_manager"]
    store = program["units"]["north_store"]
    client.force_login(alice.user)
    me_before = queries(client, reverse("me"))
    client.force_login(manager.user)
    team_before = queries(client, reverse("team-unit", args=[store.pk]))

    for i in range(8):  # more KPIs, more people, more answers and comments
        EmployeeFactory(unit=store)
        KpiFactory(metric="csat", questions=[program["csat"]], level="employee" if i % 2 else "unit")
    for employee in Employee.objects.filter(unit=store):
        for i in range(4):
            served(program["survey"], {program["nps"]: 9, program["csat"]: 4}, employee, comment=f"Thanks {i}")
    for kpi in Kpi.objects.all():
        kpi_compute(kpi=kpi, date_from=this_month() - timedelta(days=70), date_to=timezone.localdate())

    client.force_login(alice.user)
    with django_assert_max_num_queries(me_before):
        client.get(reverse("me"))
    client.force_login(manager.user)
    with django_assert_max_num_queries(team_before):
        client.get(reverse("team-unit", args=[store.pk]))
    assert me_before <= 16 and team_before <= 20


def test_manager_enters_a_value_by_hand_for_their_people_only(client, program):
    alice, carol = program["people"]["alice"], program["people"]["carol"]
    kpi = KpiFactory(name="Mystery shopper", metric="manual", level="employee", target=85, warning=75)
    client.force_login(program["people"]["store_manager"].user)
    url = reverse("kpi-manual-values")
    assert "Mystery shopper" in client.get(url).content.decode()

    done = client.post(url, {"kpi": kpi.pk, "day": "2026-02-14", "employee": alice.pk, "value": "88", "note": "A"})
    assert done.status_code == 302
    m = KpiMeasurement.objects.get(kpi=kpi, employee=alice)
    assert (m.period_start, m.value, m.status) == (date(2026, 2, 1), 88.0, "met")

    other = client.post(url, {"kpi": kpi.pk, "day": "2026-02-14", "employee": carol.pk, "value": "10"})
    assert other.status_code == 400 and "Select a valid choice" in other.content.decode()
    wrong = client.post(url, {"kpi": kpi.pk, "day": "2026-02-14", "unit": alice.unit_id, "value": "10"})
    assert wrong.status_code == 400 and "measured per employee" in wrong.content.decode()
    bad = client.post(url, {"kpi": kpi.pk, "day": "not a date", "employee": alice.pk, "value": "ten"})
    assert bad.status_code == 400
    assert KpiManualValue.objects.count() == 1


def test_the_demo_alice_sees_her_kpis_and_bob_does_not_see_hers(client):
    call_command("seed_demo", password="pw-demo-3", customers=600, responses=1500)
    alice = Employee.objects.get(user__username="alice")
    assert client.login(username="alice", password="pw-demo-3")
    html = client.get("/me/").content.decode()
    assert "Довольны моей консультацией" in html and "NPS магазина" in html
    assert KpiMeasurement.objects.filter(employee=alice).exists()
    assert "NPS компании" not in html  # not one employees can influence
    assert client.login(username="bob", password="pw-demo-3")
    assert client.get(f"/employees/{alice.pk}/").status_code == 404
    assert client.login(username="manager", password="pw-demo-3")
    team = client.get("/team/", follow=True).content.decode()
    assert "Москва — Тверская" in team and "NPS магазина" in team and "Алиса" in team
    assert client.login(username="lead", password="pw-demo-3")
    outcomes = client.get("/kpis/outcomes/").content.decode()
    assert "Вежливое обслуживание" in outcomes


def test_admin_compute_now_validates_definitions_and_lists_measurements(admin_client, program):
    kpi = program["kpis"]["csat"]
    KpiMeasurement.objects.all().delete()
    done = admin_client.post(
        reverse("admin:kpis_kpi_changelist"), {"action": "compute_now", "_selected_action": [kpi.pk]}, follow=True
    )
    count = KpiMeasurement.objects.filter(kpi=kpi).count()
    assert count == 5  # Alice and Bob this month and last, Carol this month
    assert f"1 KPI computed: {count} measurements." in done.content.decode()

    form = {
        "name": "Effort", "code": "effort", "metric": "ces", "level": "unit", "period": "month", "target": "3",
        "warning": "3.5", "direction": "lower", "min_sample": "30", "points": "0", "active": "on",
    }  # fmt: skip
    missing = admin_client.post(reverse("admin:kpis_kpi_add"), form)
    assert missing.status_code == 200 and "needs at least one question or touchpoint" in missing.content.decode()
    wrong = admin_client.post(reverse("admin:kpis_kpi_add"), {**form, "questions": [program["nps"].pk]})
    assert "do not give this metric" in wrong.content.decode()
    backwards = admin_client.post(reverse("admin:kpis_kpi_add"), {**form, "direction": "higher"})
    assert "warning threshold is at most the target" in backwards.content.decode()
    assert not Kpi.objects.filter(code="effort").exists()

    listing = admin_client.get(reverse("admin:kpis_kpimeasurement_changelist"), {"status__exact": "met"})
    assert listing.status_code == 200 and "Customers happy with my service" in listing.content.decode()
    assert admin_client.get(reverse("admin:kpis_kpimeasurement_add")).status_code == 403


def test_admin_manual_value_is_stored_for_the_period_and_computed(admin_client, program):
    kpi = KpiFactory(name="Mystery shopper", metric="manual", level="unit", period="quarter", target=85, warning=75)
    store = program["units"]["north_store"]
    data = {"kpi": kpi.pk, "period_start": "2026-02-14", "unit": store.pk, "value": "79", "note": "Visit"}
    assert admin_client.post(reverse("admin:kpis_kpimanualvalue_add"), data).status_code == 302
    value = KpiManualValue.objects.get()
    assert value.period_start == date(2026, 1, 1)
    m = KpiMeasurement.objects.get(kpi=kpi)
    assert (m.unit_id, m.period_start, m.value, m.status) == (store.pk, date(2026, 1, 1), 79.0, "near")
    twice = admin_client.post(reverse("admin:kpis_kpimanualvalue_add"), {**data, "period_start": "2026-03-01"})
    assert (
        twice.status_code == 200
        and "There is a value for this KPI, period and subject already" in twice.content.decode()
    )
