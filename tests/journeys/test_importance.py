"""Computed moments of truth on a hand-built fixture: importance (Pearson r against the same customers' NPS) and gap."""

import math
from datetime import date

import pytest

from journeys.models import Touchpoint
from journeys.selectors.maps import journey_map
from journeys.selectors.scores import touchpoint_importance
from surveys.models import Question
from surveys.selectors.metrics import Slice
from tests.cxprogram.factories import CustomerFactory
from tests.journeys.factories import JourneyFactory, StageFactory, TouchpointFactory, day, measured_by, respond
from tests.surveys.factories import QuestionFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
MARCH = Slice(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))


@pytest.fixture(autouse=True)
def _small_samples(settings):
    settings.RESULTS_MIN_SAMPLE = 4
    settings.JOURNEY_IMPORTANCE_HIGH = 0.5


@pytest.fixture
def fixture(org):
    """Four customers: delivery CSAT x = 1, 2, 3, 4 (customer 2 answers 1 and 3), overall NPS y = 2, 4, 5, 9;
    a fifth customer has no NPS answer and an anonymous response has no customer: neither counts."""
    nps = QuestionFactory(type=QT.NPS)
    csat = QuestionFactory(type=QT.CSAT)
    ces = QuestionFactory(type=QT.CES)
    journey = JourneyFactory(outcome_question=nps)
    stage = StageFactory(journey=journey, order=1)
    delivery = measured_by(TouchpointFactory(stage=stage, code="delivery", target=90), csat)
    booking = measured_by(TouchpointFactory(stage=stage, code="booking", target=2.0), ces)
    loyalty = measured_by(TouchpointFactory(stage=stage, code="loyalty", target=50), nps)
    customers = [CustomerFactory() for _ in range(5)]
    for customer, xs, effort, y in zip(customers[:4], [[1], [1, 3], [3], [4]], [7, 6, 4, 1], [2, 4, 5, 9], strict=True):
        for x in xs:
            respond({csat: x}, customer=customer, at=day(2026, 3, 5))
        respond({ces: effort}, customer=customer, at=day(2026, 3, 6))
        respond({nps: y}, customer=customer, at=day(2026, 3, 7))
    respond({csat: 1}, customer=customers[4], at=day(2026, 3, 5))
    respond({csat: 5}, at=day(2026, 3, 5))
    respond({nps: 0}, customer=customers[0], at=day(2026, 2, 7))  # outside the period
    return {"journey": journey, "delivery": delivery, "booking": booking, "loyalty": loyalty, "nps": nps}


def loaded(*touchpoints):
    return list(Touchpoint.objects.filter(pk__in=[t.pk for t in touchpoints]).prefetch_related("measures__question"))


def test_importance_is_pearson_r_between_customers_touchpoint_score_and_their_nps(fixture):
    importance = touchpoint_importance(loaded(fixture["delivery"]), MARCH, fixture["nps"])
    # x = 1, 2, 3, 4; y = 2, 4, 5, 9: n = 4, Σx = 10, Σy = 20, Σxy = 61, Σx² = 30, Σy² = 126
    expected = (4 * 61 - 10 * 20) / math.sqrt((4 * 30 - 10**2) * (4 * 126 - 20**2))
    result = importance[fixture["delivery"].pk]
    assert (result.pairs, round(result.r, 6)) == (4, round(expected, 6)) == (4, 0.964764)


def test_effort_correlates_with_its_sign_turned_and_the_outcome_itself_has_no_importance(fixture):
    importance = touchpoint_importance(loaded(fixture["booking"], fixture["loyalty"]), MARCH, fixture["nps"])
    # effort 7, 6, 4, 1 against NPS 2, 4, 5, 9: Σx = 18, Σxy = 67, Σx² = 102, so r = −92 / √(84 · 104) = −0.9843
    expected = -(4 * 67 - 18 * 20) / math.sqrt((4 * 102 - 18**2) * (4 * 126 - 20**2))
    assert round(importance[fixture["booking"].pk].r, 4) == round(expected, 4) == 0.9843
    assert fixture["loyalty"].pk not in importance


def test_too_few_customers_give_no_importance(fixture, settings):
    settings.RESULTS_MIN_SAMPLE = 5
    result = touchpoint_importance(loaded(fixture["delivery"]), MARCH, fixture["nps"])[fixture["delivery"].pk]
    assert (result.pairs, result.r, result.enough) == (4, None, False)


def test_the_map_flags_touchpoints_important_and_below_target_to_fix_first(fixture):
    result = journey_map(journey=fixture["journey"], slice_=MARCH, previous=None)
    cards = {card.touchpoint.code: card for column in result.columns for card in column.cards}
    # delivery: CSAT answers 1, 1, 3, 3, 4, 1, 5 → 2 satisfied of 7 = 28.6% < 90: below target, and r = 0.96
    assert (cards["delivery"].score.figure.n, round(cards["delivery"].score.figure.value, 1)) == (7, 28.6)
    assert (cards["delivery"].key, cards["delivery"].score.status) == (True, "below")
    # booking: mean effort 4.5 > target 2: below target, and r = 0.98 after the sign turn
    assert (cards["booking"].key, cards["booking"].score.status, cards["booking"].score.figure.value) == (
        True,
        "below",
        4.5,
    )
    assert [card.touchpoint.code for card in result.fix_first] == ["booking", "delivery"]
    assert cards["loyalty"].key is False
