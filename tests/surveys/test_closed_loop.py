"""The closed loop: one case per unhappy response, assignment, business-hour deadlines, the case's rules,
warnings and escalation exactly once, loop metrics and permissions."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from surveys.links import ResponseContext
from surveys.models import FollowUp, Question
from surveys.selectors.followups import loop_metrics
from surveys.services.followups import (
    business_due,
    followup_contacted,
    followup_resolve,
    followups_check_deadlines,
)
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.conftest import submit
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
MSK = ZoneInfo("Europe/Moscow")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.mark.parametrize(
    ("opened", "sla", "due"),
    [
        (at(2026, 11, 23, 10, 0), None, at(2026, 11, 23, 18, 0)),  # Monday morning: same day
        (at(2026, 11, 23, 19, 30), None, at(2026, 11, 24, 18, 0)),  # after hours: next business day
        (at(2026, 11, 27, 18, 0), None, at(2026, 11, 30, 18, 0)),  # Friday at closing: Monday
        (at(2026, 11, 28, 12, 0), None, at(2026, 11, 30, 18, 0)),  # Saturday: Monday
        (at(2026, 11, 23, 7, 0), 4, at(2026, 11, 23, 13, 0)),  # before opening: 9:00 + 4 h
        (at(2026, 11, 27, 16, 0), 4, at(2026, 11, 30, 11, 0)),  # Friday 16:00 + 4 business hours
    ],
)
def test_deadline_in_business_hours(opened, sla, due):
    assert business_due(opened, sla) == due


@pytest.fixture
def loop(org):
    survey = SurveyFactory(public_id="loop", followup_keywords="грязно, rude")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False)
    contact = QuestionFactory(survey=survey, code="contact_me", type=QT.YES_NO, required=False)
    return survey, {"nps": nps, "comment": comment, "contact": contact}, org


def answer(loop, answers, unit=None, customer=None, **kwargs):
    survey, q, _org = loop
    return response_submit(
        survey=survey, questions=list(q.values()), answers={q[k].pk: v for k, v in answers.items()},
        language="ru", source="api", context=ResponseContext(unit=unit), customer=customer, **kwargs,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "reasons"),
    [
        ({"nps": 6}, "NPS 6"),
        ({"nps": 9, "contact": 1}, "asked to be contacted"),
        ({"nps": 8, "comment": "Очень грязно в зале"}, "comment mentions “грязно”"),
        ({"nps": 2, "contact": 1}, "NPS 2; asked to be contacted"),
    ],
)
def test_each_trigger_opens_one_case(loop, answers, reasons):
    response = answer(loop, answers, unit=loop[2]["units"]["north_store"])
    assert FollowUp.objects.get().reasons == reasons
    assert response.followup.status == "new"


def test_happy_answers_and_pulse_surveys_open_nothing(loop):
    answer(loop, {"nps": 7, "comment": "ok"})
    pulse = SurveyFactory(kind="employee_pulse")
    enps = QuestionFactory(survey=pulse, type=QT.NPS)
    response_submit(survey=pulse, questions=[enps], answers={enps.pk: 0}, language="ru", source="api")
    assert FollowUp.objects.count() == 0


def test_a_retried_submission_does_not_open_a_second_case(client, loop):
    survey, q, _org = loop
    invitation = InvitationFactory(survey=survey)
    url = f"/s/i/{invitation.token}/"
    assert submit(client, url, {f"q{q['nps'].pk}": "1"}).status_code == 302
    again = submit(client, url, {f"q{q['nps'].pk}": "1"}, headers={"accept-language": "en"})
    assert (again.status_code, b"Your answers were already received" in again.content) == (409, True)
    assert submit(Client(), url, {f"q{q['nps'].pk}": "1"}).status_code == 404  # another browser learns nothing
    assert FollowUp.objects.count() == 1


def test_assignment_goes_to_the_units_manager_else_the_cx_leads(loop):
    org = loop[2]
    with_manager = answer(loop, {"nps": 0}, unit=org["units"]["north_store"])
    without = answer(loop, {"nps": 0}, unit=org["units"]["north"].parent)  # the company has no manager
    assert with_manager.followup.owner == org["people"]["store_manager"]
    assert without.followup.owner is None


def test_a_high_value_detractor_comes_first(loop):
    vip = CustomerFactory(value_tier="high")
    low = CustomerFactory(value_tier="low")
    a = answer(loop, {"nps": 5}, customer=low).followup
    b = answer(loop, {"nps": 5}, customer=vip).followup
    c = answer(loop, {"nps": 0}, customer=low).followup
    assert list(FollowUp.objects.order_by("-priority").values_list("pk", flat=True)) == [b.pk, c.pk, a.pk]


def test_resolving_needs_a_root_cause_and_an_action(loop):
    case = answer(loop, {"nps": 3}).followup
    with pytest.raises(ValidationError) as caught:
        followup_resolve(followup=case, actor=None, root_cause="", action_taken=" ")
    assert caught.value.message_dict == {
        "root_cause": ["Choose the root cause."],
        "action_taken": ["Describe what was done to resolve it."],
    }
    followup_resolve(followup=case, actor=None, root_cause="queues", action_taken="Opened a second till")
    case.refresh_from_db()
    assert (case.status, case.root_cause, case.first_contact_at is not None) == ("resolved", "queues", True)
    with pytest.raises(ValidationError):
        followup_contacted(followup=case, actor=None)


def test_warning_and_escalation_happen_once(loop):
    org = loop[2]
    for key in ("store_manager", "north_manager"):
        user = org["people"][key].user
        user.email = f"{user.username}@example.com"
        user.save()
    org["people"]["north_manager"].language = "en"  # the store manager reads Russian, the default
    org["people"]["north_manager"].save()
    case = answer(loop, {"nps": 1}, unit=org["units"]["north_store"]).followup
    due = case.due_at
    mail.outbox.clear()
    assert followups_check_deadlines(now=due - timedelta(minutes=30)) == (1, 0)
    assert followups_check_deadlines(now=due - timedelta(minutes=20)) == (0, 0)
    assert followups_check_deadlines(now=due + timedelta(minutes=1)) == (0, 1)
    assert followups_check_deadlines(now=due + timedelta(hours=5)) == (0, 0)
    case.refresh_from_db()
    assert case.escalated_to == org["people"]["north_manager"]  # the manager of the unit above
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["store.manager@example.com"], "Скоро срок по обращению: NPS 1"),
        (["north.manager@example.com"], "Overdue follow-up: NPS 1"),
    ]


def test_a_contacted_case_is_not_escalated(loop):
    case = answer(loop, {"nps": 1}).followup
    followup_contacted(followup=case, actor=None)
    assert followups_check_deadlines(now=case.due_at + timedelta(hours=1)) == (0, 0)


def test_loop_metrics_on_a_hand_built_fixture(loop):
    now = timezone.now()
    cases = [answer(loop, {"nps": 2}).followup for _ in range(4)]
    # Case 0: contacted 30 min after opening, in time; case 1: contacted after its deadline;
    # case 2: still new and overdue; case 3: new, not yet due.
    # Deadlines are set by hand: the business-day deadline depends on the time of day the test runs.
    FollowUp.objects.filter(pk=cases[0].pk).update(
        first_contact_at=cases[0].created_at + timedelta(minutes=30),
        due_at=cases[0].created_at + timedelta(hours=1),
        status="contacted",
    )
    FollowUp.objects.filter(pk=cases[1].pk).update(
        due_at=now - timedelta(hours=2), first_contact_at=now - timedelta(hours=1), status="resolved",
        resolved_at=cases[1].created_at + timedelta(minutes=90), root_cause="queues", action_taken="x",
    )  # fmt: skip
    FollowUp.objects.filter(pk=cases[1].pk).update(first_contact_at=cases[1].created_at + timedelta(minutes=60))
    FollowUp.objects.filter(pk=cases[1].pk).update(due_at=cases[1].created_at + timedelta(minutes=10))
    FollowUp.objects.filter(pk=cases[2].pk).update(due_at=now - timedelta(minutes=5))
    FollowUp.objects.filter(pk=cases[3].pk).update(due_at=now + timedelta(hours=3))
    metrics = loop_metrics(FollowUp.objects.all(), now=now)
    assert (metrics.cases, metrics.open, metrics.overdue) == (4, 3, 1)
    # Judged: 0 (contacted), 1 (contacted late), 2 (overdue) → 1 of 3 in time.
    assert (metrics.contacted_in_time.n, round(metrics.contacted_in_time.value, 1)) == (3, 33.3)
    assert metrics.median_minutes_to_contact == 45.0  # 30 and 60 minutes
    assert metrics.median_minutes_to_resolve == 90.0
    assert metrics.top_causes == [("Queues and waiting", 1)]


def test_case_pages_follow_the_unit_subtree(client, loop):
    org = loop[2]
    north = answer(loop, {"nps": 1}, unit=org["units"]["north_store"]).followup
    south = answer(loop, {"nps": 1}, unit=org["units"]["south_store"]).followup
    client.force_login(org["people"]["store_manager"].user)
    queue = client.get("/followups/").content.decode()
    assert f"#{north.pk} NPS 1" in queue and f"#{south.pk} NPS 1" not in queue
    assert client.get(f"/followups/{south.pk}/").status_code == 404
    assert client.post(f"/followups/{south.pk}/contacted/").status_code == 404
    client.force_login(org["people"]["alice"].user)
    assert client.get(f"/followups/{north.pk}/").status_code == 404  # frontline: off by default


def test_an_anonymous_survey_opens_no_case_that_would_show_one_answer(client, loop):
    survey, _q, org = loop
    survey.anonymous = True
    survey.save()
    customer = CustomerFactory(name="Secret Person", phone="+7 900 111-22-33")
    response = answer(loop, {"nps": 0}, unit=org["units"]["north_store"], customer=customer)
    assert FollowUp.objects.filter(response=response).exists() is False
    assert response.customer is None
    client.force_login(org["people"]["store_manager"].user)
    queue = client.get("/followups/").content.decode()
    assert "Secret Person" not in queue and "+7 900 111-22-33" not in queue


def test_manager_works_a_case_from_the_page(client, loop):
    org = loop[2]
    vip = CustomerFactory(name="Vera", value_tier="high", phone="+7 900 000-00-01")
    case = answer(loop, {"nps": 2, "comment": "Очередь"}, unit=org["units"]["north_store"], customer=vip).followup
    client.force_login(org["people"]["store_manager"].user)
    page = client.get(f"/followups/{case.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "Vera" in page and "tel:+7 900 000-00-01" in page and "Очередь" in page
    assert client.post(f"/followups/{case.pk}/contacted/", {"note": "Called, apologised"}).status_code == 302
    refused = client.post(
        f"/followups/{case.pk}/resolve/", {"root_cause": "", "action_taken": ""}, headers={"accept-language": "en"}
    )
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    done = client.post(
        f"/followups/{case.pk}/resolve/", {"root_cause": "queues", "action_taken": "Second till at peak"}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.root_cause, case.action_taken) == ("resolved", "queues", "Second till at peak")
    history = client.get(f"/followups/{case.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "Customer contacted" in history and "Called, apologised" in history


def test_reply_from_a_template_in_the_customers_language(client, loop, django_capture_on_commit_callbacks):
    from surveys.models import ReplyTemplate

    org = loop[2]
    ReplyTemplate.objects.create(
        name="Очереди",
        root_cause="queues",
        language="ru",
        subject="Спасибо за отзыв",
        body="{name}, мы открыли вторую кассу.",
    )
    ReplyTemplate.objects.create(
        name="Queues", root_cause="queues", language="en", subject="Thanks", body="{name}, sorry."
    )
    customer = CustomerFactory(name="Вера", language="ru", email="vera@example.com")
    case = answer(loop, {"nps": 2}, unit=org["units"]["north_store"], customer=customer).followup
    client.force_login(org["people"]["store_manager"].user)
    page = client.get(f"/followups/{case.pk}/?template={ReplyTemplate.objects.get(language='ru').pk}").content.decode()
    assert "Вера, мы открыли вторую кассу." in page
    assert "Thanks" not in page  # only templates in the customer's language are offered
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/followups/{case.pk}/reply/", {"subject": "Спасибо за отзыв", "body": "Вера, исправили!"}
        )
    assert response.status_code == 302
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (["vera@example.com"], "Спасибо за отзыв", "Вера, исправили!")
    ]
    assert case.events.filter(kind="replied").count() == 1


def test_resolved_customer_is_asked_once_and_recovery_is_measured(client, loop, django_capture_on_commit_callbacks):
    customer = CustomerFactory(name="Ира", language="ru", email="ira@example.com")
    case = answer(loop, {"nps": 1}, customer=customer).followup
    with django_capture_on_commit_callbacks(execute=True):
        followup_resolve(
            followup=case, actor=None, root_cause="delivery", action_taken="Redelivered", ask_if_solved=True
        )
    assert [m.subject for m in mail.outbox] == ["Ваша проблема решена?"]
    link = next(word for word in mail.outbox[0].body.split() if "/f/" in word)
    path = link.replace("http://127.0.0.1:8000", "")
    assert client.get(path).status_code == 200  # opening the link (or a mail scanner) answers nothing
    case.refresh_from_db()
    assert case.recovered is None
    client.post(path, {"solved": "yes"})
    client.post(path, {"solved": "no"})  # the first answer counts
    case.refresh_from_db()
    assert case.recovered is True
    metrics = loop_metrics(FollowUp.objects.all(), now=timezone.now())
    assert (metrics.recovered.value, metrics.recovered.n) == (100.0, 1)
    assert client.get("/f/forged/").status_code == 404


def test_frontline_sees_cases_about_own_customers_only_when_allowed(client, loop, settings):
    org = loop[2]
    survey, q, _org = loop
    alice = org["people"]["alice"]
    mine = response_submit(
        survey=survey, questions=[q["nps"]], answers={q["nps"].pk: 1}, language="ru", source="api",
        context=ResponseContext(unit=org["units"]["north_store"], employee=alice),
    ).followup  # fmt: skip
    other = answer(loop, {"nps": 1}, unit=org["units"]["north_store"]).followup
    client.force_login(alice.user)
    assert client.get(f"/followups/{mine.pk}/").status_code == 404
    settings.FOLLOWUP_FRONTLINE_SEES_OWN = True
    assert client.get(f"/followups/{mine.pk}/").status_code == 200
    assert client.get(f"/followups/{other.pk}/").status_code == 404


def test_reasons_are_written_for_staff_and_inactive_managers_get_no_cases(loop):
    from django.utils import translation

    org = loop[2]
    manager = org["people"]["store_manager"].user
    manager.is_active = False
    manager.save()
    with translation.override("ru"):
        case = answer(loop, {"nps": 1, "contact": 1}, unit=org["units"]["north_store"]).followup
    assert case.reasons == "NPS 1; asked to be contacted"
    assert case.owner is None


def test_without_a_manager_at_the_unit_the_touchpoint_owner_gets_the_case(client, loop):
    from journeys.models import Journey, Stage, Touchpoint

    survey, q, org = loop
    journey = Journey.objects.create(name="Get my order delivered")
    stage = Stage.objects.create(journey=journey, name="Delivery")
    Touchpoint.objects.create(
        stage=stage, code="delivery", name="Delivery", channel="delivery", owner_unit=org["units"]["south_store"]
    )
    company = org["units"]["company"]
    case = response_submit(
        survey=survey, questions=[q["nps"]], answers={q["nps"].pk: 0}, language="ru", source="api",
        context=ResponseContext(unit=company, touchpoint="delivery"),
    ).followup  # fmt: skip
    south_manager = org["people"]["south_manager"]
    assert case.owner == south_manager
    client.force_login(south_manager.user)
    assert client.get(f"/followups/{case.pk}/").status_code == 200  # given to them, so visible to them
    unknown = response_submit(
        survey=survey, questions=[q["nps"]], answers={q["nps"].pk: 0}, language="ru", source="api",
        context=ResponseContext(unit=company, touchpoint="no-such-touchpoint"),
    ).followup  # fmt: skip
    assert unknown.owner is None
