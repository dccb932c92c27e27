"""The numbers people are rewarded on cannot be made up by them: a manager's token typing in promoter answers for
their own store with themselves as the employee moves none of their KPIs, points or eNPS, and the audit trail
names who entered what."""

from datetime import datetime, time, timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cxprogram.services import cx_lead_group_sync
from kpis.models import Kpi, KpiMeasurement, PointEntry, Recognition
from kpis.selectors.recognition import allowance_left, points_balance, recognition_suggestions
from kpis.services.measurements import kpi_compute
from kpis.services.recognition import recognition_from_suggestion, recognition_give
from surveys.models import Question, Response
from tests.kpis.factories import CompanyValueFactory, KpiFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


@pytest.fixture
def visit(org, settings):
    settings.RECOGNITION_MONTHLY_ALLOWANCE = 100
    settings.RECOGNITION_CUSTOMER_PRAISE_POINTS = 50
    survey = SurveyFactory(public_id="visit", name="Store visit")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS, order=1)
    QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, order=2, required=False)
    own = KpiFactory(code="my-nps", level=Kpi.Level.EMPLOYEE, points=50, target=50, questions=[nps])
    store = KpiFactory(code="store-nps", level=Kpi.Level.UNIT, target=50, questions=[nps])
    CompanyValueFactory(code="care", name_en="Customer care")
    return survey, own, store


def care():
    return CompanyValueFactory(code="care")


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def stuff(client, employee, count=40, comment="Марина — лучший директор!"):
    for _ in range(count):
        answered = client.post(
            "/api/v1/responses/",
            {"survey": "visit", "answers": {"nps": 10, "comment": comment}, "unit": employee.unit.code,
             "employee": employee.pk},
            format="json",
        )  # fmt: skip
        assert answered.status_code == 201, answered.content


def compute(*kpis):
    """Compute this month, then again once it has closed (when a met target pays its points)."""
    today = timezone.localdate()
    first_of_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    closed = timezone.make_aware(datetime.combine(first_of_next + timedelta(days=1), time(9)))
    for kpi in kpis:
        kpi_compute(kpi=kpi, date_from=today, date_to=today)
        kpi_compute(kpi=kpi, date_from=today, date_to=today, now=closed)


def test_a_managers_forty_promoters_move_nothing_of_theirs(org, visit):
    _survey, own, store = visit
    manager = org["people"]["store_manager"]
    stuff(token_client(manager.user), manager)
    compute(own, store)
    saved = Response.objects.filter(survey__public_id="visit")
    assert saved.count() == 40
    assert set(saved.values_list("source", "entered_by")) == {("staff", manager.user.pk)}
    assert KpiMeasurement.objects.filter(kpi=own, employee=manager, status="met").count() == 0
    assert KpiMeasurement.objects.filter(kpi=store, unit=manager.unit, status="met").count() == 0
    assert points_balance(manager) == 0 and PointEntry.objects.count() == 0
    assert recognition_suggestions(manager.unit) == []  # "praise" typed in by staff is nobody's customer praise


def test_an_employees_own_entries_by_their_manager_move_nothing_either(org, visit):
    _survey, own, _store = visit
    alice = org["people"]["alice"]
    stuff(token_client(org["people"]["store_manager"].user), alice, count=5, comment="Алиса молодец")
    compute(own)
    assert KpiMeasurement.objects.filter(kpi=own, employee=alice, status="met").count() == 0
    assert points_balance(alice) == 0


def test_a_kiosk_runs_as_an_integration_account_whose_answers_count_but_which_has_no_kpis(org, visit):
    _survey, own, store = visit
    kiosk = org["people"]["north_manager"]  # a kiosk's integration user, scoped to the region
    kiosk.integration = True
    kiosk.save()
    alice = org["people"]["alice"]
    stuff(token_client(kiosk.user), alice, count=3)
    stuff(token_client(kiosk.user), kiosk, count=3)
    compute(own, store)
    assert set(Response.objects.values_list("source", flat=True)) == {"api"}
    assert KpiMeasurement.objects.get(kpi=own, employee=alice).status == "met"
    assert KpiMeasurement.objects.filter(kpi=own, employee=kiosk).count() == 0  # nobody to measure
    assert points_balance(alice) == 50 and points_balance(kiosk) == 0
    with pytest.raises(ValidationError, match="Integration accounts"):
        recognition_give(giver=alice, receiver=kiosk, value=care(), message="thanks", visibility="company", points=0)


def test_passing_on_customer_praise_spends_the_managers_allowance(org, visit):
    survey, _own, _store = visit
    manager, alice = org["people"]["store_manager"], org["people"]["alice"]
    alice.user.first_name = "Алиса"
    alice.user.save()
    comment = survey.questions.get(code="comment")
    answers = []
    for text in ("Алиса помогла!", "Алиса — чудо", "Спасибо, Алиса"):
        response = Response.objects.create(
            survey=survey, unit=manager.unit, employee=alice, language="ru", source="invitation",
            submitted_at=timezone.now() - timedelta(hours=1),
        )  # fmt: skip
        response.answers.create(question=survey.questions.get(code="nps"), question_type="nps", number=10)
        answers.append(response.answers.create(question=comment, question_type="long_text", text=text))
    first = recognition_from_suggestion(manager=manager, answer_id=answers[0].pk)
    second = recognition_from_suggestion(manager=manager, answer_id=answers[1].pk)
    third = recognition_from_suggestion(manager=manager, answer_id=answers[2].pk)
    assert [first.points, second.points, third.points] == [50, 50, 0]  # the allowance of 100 is spent
    assert allowance_left(manager) == 0 and points_balance(alice) == 100
    assert Recognition.objects.count() == 3


def test_the_audit_trail_names_who_entered_each_answer_and_who_changed_kpis_points_and_roles(org, visit):
    _survey, own, _store = visit
    manager, lead = org["people"]["store_manager"], org["people"]["lead"]
    stuff(token_client(manager.user), manager, count=1)
    response = Response.objects.get(survey__public_id="visit")
    entry = LogEntry.objects.get_for_object(response).get()
    assert (entry.action, entry.actor) == (LogEntry.Action.CREATE, manager.user)
    assert entry.changes["source"] == [None, "staff"]

    lead.user.is_staff = True
    lead.user.save()
    lead.user.groups.add(cx_lead_group_sync())
    admin = Client()
    admin.force_login(lead.user)
    # A KPI definition changed in the admin, and a role.
    kpi_form = admin.get(f"/admin/kpis/kpi/{own.pk}/change/")
    assert kpi_form.status_code == 200
    own.target, own.warning = 60, 40
    own.save()
    alice = org["people"]["alice"]
    alice.role = "manager"
    alice.save()
    recognition_give(giver=manager, receiver=alice, value=care(), message="Great week", visibility="company", points=20)
    kinds = {ContentType.objects.get_for_id(e.content_type_id).model for e in LogEntry.objects.exclude(pk=entry.pk)}
    assert {"kpi", "employee", "pointentry"} <= kinds
    role_change = LogEntry.objects.get_for_object(alice).latest("timestamp")
    assert role_change.changes["role"] == ["frontline", "manager"]
    # CX leads read it in the admin: who entered the response is on the page.
    page = admin.get("/admin/auditlog/logentry/", {"q": str(response.pk)})
    assert page.status_code == 200
    assert manager.user.username in admin.get(f"/admin/auditlog/logentry/{entry.pk}/change/").content.decode()
    # Nobody edits or deletes the trail, CX leads included.
    assert admin.post(f"/admin/auditlog/logentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()
