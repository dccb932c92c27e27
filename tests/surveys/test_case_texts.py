"""What the closed loop writes for people is stored as codes and worded in the reader's language when shown:
case reasons, the case's history, the owner "CX leads", root causes, and the alert e-mails to staff."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from surveys.services.followups import followup_reassign, followup_resolve, followups_check_deadlines
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.test_closed_loop import answer, loop  # noqa: F401  # the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(loop):  # noqa: F811
    org = loop[2]
    vip = CustomerFactory(name="Пётр Яковлев", value_tier="high")
    answers = {"nps": 3, "contact": 1, "comment": "В зале грязно, кассир нагрубил"}
    return answer(loop, answers, unit=org["units"]["north_store"], customer=vip).followup, org


def test_reasons_are_codes_worded_for_each_reader(client, case):
    followup, org = case
    assert followup.reason_codes == [["nps", 3], ["keywords", "грязно"], ["contact_me", None]]
    followup_reassign(followup=followup, actor=org["people"]["lead"], owner=None)
    followup_resolve(followup=followup, actor=org["people"]["lead"], root_cause="price", action_taken="Вернули 500 ₽")
    client.force_login(org["people"]["lead"].user)
    client.cookies["django_language"] = "ru"
    russian = client.get(f"/followups/{followup.pk}/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(f"/followups/{followup.pk}/").content.decode()
    assert "просит связаться" in russian and "в комментарии есть «грязно»" in russian
    assert "asked to be contacted" in english and "comment mentions “грязно”" in english
    manager = str(org["people"]["store_manager"])
    assert f"{manager} → Руководители CX" in russian and f"{manager} → CX leads" in english
    assert "Цены и оплата: Вернули 500 ₽" in russian and "Price and billing: Вернули 500 ₽" in english
    assert "asked to be contacted" not in russian and "comment mentions" not in russian


def test_the_api_gives_codes_and_the_wording_in_the_requests_language(client, case):
    followup, org = case
    client.force_login(org["people"]["lead"].user)
    data = client.get(f"/api/v1/followups/{followup.pk}/", headers={"accept-language": "ru"}).json()
    assert data["reason_codes"] == followup.reason_codes
    assert "просит связаться" in data["reasons"]


def test_alerts_are_in_the_owners_language_and_quote_the_customer(case):
    followup, org = case
    manager = org["people"]["store_manager"]
    manager.user.email = "tverskaya@example.com"
    manager.user.save()
    mail.outbox.clear()
    assert followups_check_deadlines(now=followup.due_at - timedelta(minutes=30)) == (1, 0)
    (message,) = mail.outbox
    assert message.to == ["tverskaya@example.com"]
    assert message.subject.startswith("Скоро срок по обращению: NPS 3; ")
    assert f"Обращение №{followup.pk} (NPS 3; " in message.body
    assert "Подразделение: North store." in message.body
    assert "Покупатель: Пётр Яковлев, ценность: " in message.body
    assert "Покупатель написал: «В зале грязно, кассир нагрубил»" in message.body
    assert "asked" not in message.body and "is due" not in message.body


@pytest.fixture
def latest_schema_after():
    """Migrate back to the newest schema afterwards, so later transactional tests find every column."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_turns_stored_english_into_codes(transactional_db, latest_schema_after):
    executor = MigrationExecutor(connection)
    executor.migrate([("surveys", "0009_distribution_texts_and_repeats")])
    apps = executor.loader.project_state([("surveys", "0009_distribution_texts_and_repeats")]).apps
    Survey, Response = apps.get_model("surveys", "Survey"), apps.get_model("surveys", "Response")
    FollowUp, Event = apps.get_model("surveys", "FollowUp"), apps.get_model("surveys", "FollowUpEvent")
    survey = Survey.objects.create(name="Old", public_id="old", title_en="Old")
    response = Response.objects.create(survey=survey, language="ru", source="api", submitted_at=timezone.now())
    case = FollowUp.objects.create(
        response=response, due_at=timezone.now(), reasons="NPS 2; asked to be contacted; comment mentions “грязно”"
    )
    for kind, text in [("opened", case.reasons), ("assigned", "Анна Петрова → CX leads"), ("warned", "CX leads"),
                       ("resolved", "Price and billing: Вернули деньги"), ("answered", "not solved"),
                       ("note", "Позвонила, не ответил")]:  # fmt: skip
        Event.objects.create(followup=case, kind=kind, text=text, at=timezone.now())
    executor = MigrationExecutor(connection)
    executor.migrate([("surveys", "0011_remove_followup_reasons")])
    apps = executor.loader.project_state([("surveys", "0011_remove_followup_reasons")]).apps
    FollowUp, Event = apps.get_model("surveys", "FollowUp"), apps.get_model("surveys", "FollowUpEvent")
    assert FollowUp.objects.get().reason_codes == [["nps", 2], ["contact_me", None], ["keywords", "грязно"]]
    assert list(Event.objects.order_by("pk").values_list("kind", "params", "text")) == [
        ("opened", {"reasons": [["nps", 2], ["contact_me", None], ["keywords", "грязно"]]}, ""),
        ("assigned", {"from": "Анна Петрова", "to": None}, ""),
        ("warned", {"to": None}, ""),
        ("resolved", {"root_cause": "price"}, "Вернули деньги"),
        ("answered", {"solved": False}, ""),
        ("note", {}, "Позвонила, не ответил"),
    ]
