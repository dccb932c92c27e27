"""Russian that reads right: plural forms, dates inside sentences."""

import pytest
from django.core.management import call_command

from journeys.models import Journey

pytestmark = pytest.mark.django_db


def test_admin_counts_read_right_for_any_number_and_journey_dates_end_once(client):
    call_command("seed_demo", password="pw-text", customers=200, responses=300)
    assert client.login(username="lead", password="pw-text")
    client.cookies["django_language"] = "ru"
    surveys = client.get("/admin/surveys/survey/").content.decode()
    assert "Опросы: 5" in surveys and "5 опрос" not in surveys
    units = client.get("/admin/cxprogram/unit/").content.decode()
    assert "Подразделения: 15" in units
    journey = client.get(f"/journeys/{Journey.objects.order_by('pk').first().pk}/").content.decode()
    assert "г.." not in journey
    assert "Оценки за " in journey


def test_demo_kpi_descriptions_read_in_both_languages(client):
    call_command("seed_demo", password="pw-text", customers=200, responses=300)
    assert client.login(username="alice", password="pw-text")
    client.cookies["django_language"] = "ru"
    russian = client.get("/me/").content.decode()
    assert "Сначала выслушиваю, потом помогаю выбрать то, что подходит покупателю." in russian
    assert "I listen first" not in russian
    client.cookies["django_language"] = "en"
    assert "I listen first and help the customer choose what fits them." in client.get("/me/").content.decode()
