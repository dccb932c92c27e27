"""The seeded demo has two journey maps whose touchpoints show live scores from the demo surveys."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from journeys.models import Journey, TouchpointMeasure

pytestmark = pytest.mark.django_db


def test_demo_journeys_are_measured_and_the_map_shows_live_scores(client):
    call_command("seed_demo", customers=200, responses=1500)
    call_command("seed_demo", customers=200, responses=1500)  # idempotent
    journeys = Journey.objects.order_by("name")
    assert [(j.name, j.stages.count()) for j in journeys] == [
        ("Обставить комнату в магазине", 5),
        ("Получить заказ с доставкой домой", 5),
    ]
    assert TouchpointMeasure.objects.count() == 13
    client.login(username="lead", password="demo")
    for journey in journeys:
        response = client.get(reverse("journey-detail", args=[journey.pk]))
        cards = [card for column in response.context["map"].columns for card in column.cards]
        scored = [card for card in cards if card.score.measured and card.score.figure.enough]
        assert len(scored) >= 5, [(c.touchpoint.code, c.score.figure) for c in cards]
