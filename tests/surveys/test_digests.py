"""Digests: a manager's daily one about their units only (new unhappy customers, due tonight, overdue), a CX lead's
weekly one, each in the reader's language, only when there is something to say, and once per period."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from surveys.models import DigestSent, FollowUp, Response
from surveys.services.digests import digests_send
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def monday_at(hour: int) -> datetime:
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return timezone.make_aware(datetime.combine(monday, datetime.min.time()).replace(hour=hour))


@pytest.fixture
def people(org):
    for name, language in (("store_manager", "ru"), ("south_manager", "en"), ("north_manager", "en"), ("lead", "en")):
        employee = org["people"][name]
        employee.language = language
        employee.save(update_fields=["language"])
        employee.user.email = f"{employee.user.username}@example.com"
        employee.user.save(update_fields=["email"])
    return org["people"]


def case(org, unit_name: str, *, opened: datetime, due: datetime, name: str = "Vera") -> FollowUp:
    survey = SurveyFactory()
    QuestionFactory(survey=survey)
    unit = org["units"][unit_name]
    response = Response.objects.create(survey=survey, unit=unit, customer=CustomerFactory(name=name), language="ru",
                                       source="api", submitted_at=opened)  # fmt: skip
    followup = FollowUp.objects.create(response=response, unit=unit, reason_codes=[["nps", 2]], due_at=due)
    FollowUp.objects.filter(pk=followup.pk).update(created_at=opened)
    return followup


def test_managers_hear_about_their_own_units_in_their_language_once(org, people, django_capture_on_commit_callbacks):
    now = monday_at(9)
    north = case(org, "north_store", opened=now - timedelta(hours=3), due=now + timedelta(hours=5), name="Nora")
    case(org, "north_store", opened=now - timedelta(days=3), due=now - timedelta(days=2))  # overdue
    with django_capture_on_commit_callbacks(execute=True):
        sent = digests_send(now=now)
    by_to = {m.to[0]: m for m in mail.outbox}
    store = by_to["store.manager@example.com"]
    assert store.subject == "North store: обращения на сегодня"
    assert "1 новый недовольный клиент за последние сутки." in store.body
    assert "1 обращение нужно обработать до вечера." in store.body and "1 обращение просрочено." in store.body
    assert f"#{north.pk} NPS 2 · Nora · North store" in store.body
    regional = by_to["north.manager@example.com"]
    assert regional.subject == "North: your cases today" and "1 case is overdue." in regional.body
    assert "south.manager@example.com" not in by_to  # nothing to say about the south store
    assert "lead@example.com" in by_to and by_to["lead@example.com"].subject == "The CX program's week"
    assert sent == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send(now=now + timedelta(hours=1)) == 0  # the same day: already sent
    assert DigestSent.objects.count() == 3


def test_nothing_before_the_hour_nor_on_a_quiet_day_and_leads_only_on_mondays(org, people):
    now = monday_at(7)
    case(org, "north_store", opened=now - timedelta(hours=3), due=now + timedelta(hours=5))
    assert digests_send(now=now) == 0  # before DIGEST_HOUR
    tuesday = monday_at(9) + timedelta(days=1)
    DigestSent.objects.all().delete()
    FollowUp.objects.all().delete()
    assert digests_send(now=tuesday) == 0 and mail.outbox == []  # nothing to say, and no weekly digest on a Tuesday
