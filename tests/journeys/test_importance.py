"""Computed moments of truth on a hand-built fixture: importance (Pearson r against the same customers' NPS) and gap."""

import math
from datetime import date, timedelta

import pytest
from django.utils import timezone

from journeys.models import ImportanceRun, Journey, Touchpoint, TouchpointMeasure
from journeys.selectors.importance import importance_key
from journeys.selectors.maps import journey_map, journey_touchpoints
from journeys.selectors.scores import touchpoint_importance
from journeys.services.importance import importance_compute
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
    stores = [org["units"]["north_store"]] * 2 + [org["units"]["south_store"]] * 2
    for customer, store, xs, effort, y in zip(
        customers[:4], stores, [[1], [1, 3], [3], [4]], [7, 6, 4, 1], [2, 4, 5, 9], strict=True
    ):
        for x in xs:
            respond({csat: x}, customer=customer, unit=store, at=day(2026, 3, 5))
        respond({ces: effort}, customer=customer, unit=store, at=day(2026, 3, 6))
        respond({nps: y}, customer=customer, at=day(2026, 3, 7))  # overall NPS: asked of the customer, no store
    respond({csat: 1}, customer=customers[4], at=day(2026, 3, 5))
    respond({csat: 5}, at=day(2026, 3, 5))
    respond({nps: 0}, customer=customers[0], at=day(2026, 2, 7))  # outside the period
    return {"journey": journey, "delivery": delivery, "booking": booking, "loyalty": loyalty, "nps": nps,
            "customers": customers, **org}  # fmt: skip


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


def computed(journey, slice_=MARCH, scope_unit_id=None):
    """The importance of the map's period and scope computed as the background job does it; the run."""
    _stages, touchpoints = journey_touchpoints(journey)
    key = importance_key(journey, touchpoints, slice_, scope_unit_id)
    run = ImportanceRun.objects.create(**key.lookup, requested_at=timezone.now())
    return importance_compute(run_id=run.pk)


def test_the_map_flags_touchpoints_important_and_below_target_to_fix_first(fixture):
    computed(fixture["journey"])
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


# ---------------------------------------------------------------- importance computed in the background


def stored_cards(journey, slice_=MARCH, scope_unit_id=None):
    result = journey_map(journey=journey, slice_=slice_, previous=None, scope_unit_id=scope_unit_id)
    return result, {card.touchpoint.code: card.importance for column in result.columns for card in column.cards}


def test_the_stored_importance_equals_the_live_computation_for_every_scope(fixture, settings):
    settings.RESULTS_MIN_SAMPLE = 2
    north, north_store = fixture["units"]["north"], fixture["units"]["north_store"]
    from cxprogram.models import Unit

    scopes = [
        (MARCH, None),  # a CX lead
        (MARCH.but(unit=north), None),  # a CX lead choosing the north region
        (MARCH.but(units_in_scope=Unit.objects.subtree_of(north_store)), north_store.pk),  # the store's manager
    ]
    shown = []
    for slice_, scope_unit_id in scopes:
        computed(fixture["journey"], slice_, scope_unit_id)
        _result, stored = stored_cards(fixture["journey"], slice_, scope_unit_id)
        _stages, touchpoints = journey_touchpoints(fixture["journey"])
        live = touchpoint_importance(touchpoints, slice_, fixture["nps"])
        assert {code: (i.r, i.pairs) for code, i in stored.items() if i} == {
            t.code: (live[t.pk].r, live[t.pk].pairs) for t in touchpoints if t.pk in live
        }
        shown.append((stored["delivery"].pairs, round(stored["delivery"].r, 6)))
    # every customer, then only the north store's two (x = 1, 2 against y = 2, 4: r = 1)
    assert shown == [(4, 0.964764), (2, 1.0), (2, 1.0)]


def test_a_map_without_a_figure_queues_exactly_one_job_and_says_it_is_being_computed(
    fixture, client, monkeypatch, django_capture_on_commit_callbacks
):
    from journeys import tasks

    queued = []
    monkeypatch.setattr(tasks.compute_importance, "delay", queued.append)
    client.force_login(fixture["people"]["lead"].user)
    url = f"/journeys/{fixture['journey'].pk}/?date_from=2026-03-01&date_to=2026-03-31"
    pages = []
    for language in ("en", "ru"):
        with django_capture_on_commit_callbacks(execute=True):
            pages.append(client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    run = ImportanceRun.objects.get()
    assert queued == [run.pk] and run.computed_at is None
    assert "Importance to overall NPS is being computed" in pages[0]
    assert "Связь с общим NPS вычисляется" in pages[1]
    assert "Drives NPS" not in pages[0] and "Fix first" not in pages[0]
    importance_compute(run_id=run.pk)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    moment = timezone.localtime(ImportanceRun.objects.get().computed_at).strftime("%m/%d/%Y %-I:%M")
    assert queued == [run.pk]
    assert f"Importance to overall NPS as of {moment}" in page and "Drives NPS" in page and "Fix first" in page
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    moment = timezone.localtime(ImportanceRun.objects.get().computed_at).strftime("%d.%m.%Y %H:%M")
    assert f"Связь с общим NPS — по данным на {moment}" in page


def test_concurrent_asks_queue_one_job_and_a_lost_one_is_queued_again(fixture, monkeypatch):
    from journeys import tasks
    from journeys.services.importance import importance_request

    queued = []
    monkeypatch.setattr(tasks.compute_importance, "delay", queued.append)
    _stages, touchpoints = journey_touchpoints(fixture["journey"])
    key = importance_key(fixture["journey"], touchpoints, MARCH, None)
    assert [importance_request(key=key) for _ in range(3)] == [True, False, False]
    ImportanceRun.objects.update(requested_at=timezone.now() - timedelta(minutes=16))  # its worker died
    assert [importance_request(key=key) for _ in range(2)] == [True, False]


def test_figures_of_a_changed_journey_or_an_old_running_period_are_not_passed_off_as_current(fixture, settings):
    run = computed(fixture["journey"])
    result, stored = stored_cards(fixture["journey"])
    assert (result.importance.computed_at, result.importance.wanted, stored["delivery"].pairs) == (
        run.computed_at, False, 4)  # fmt: skip
    # a measure added since: the stored figures are not this journey's any more
    TouchpointMeasure.objects.create(touchpoint=fixture["delivery"], question=fixture["nps"])
    result, stored = stored_cards(fixture["journey"])
    assert (result.importance.pending, result.importance.wanted, stored["delivery"]) == (True, True, None)
    TouchpointMeasure.objects.filter(touchpoint=fixture["delivery"], question=fixture["nps"]).delete()
    # March computed on March 20 (running) two days ago: shown with its time, and computed again
    ImportanceRun.objects.update(computed_at=day(2026, 3, 20), requested_at=day(2026, 3, 20))
    result = journey_map(journey=fixture["journey"], slice_=MARCH, previous=None)
    assert (result.importance.computed_at, result.importance.wanted) == (day(2026, 3, 20), True)
    # computed after March ended: final
    ImportanceRun.objects.update(computed_at=day(2026, 4, 2), requested_at=day(2026, 4, 2))
    result = journey_map(journey=fixture["journey"], slice_=MARCH, previous=None)
    assert (result.importance.computed_at, result.importance.wanted) == (day(2026, 4, 2), False)


def test_a_redelivered_job_changes_nothing_and_a_deleted_unit_drops_its_run(fixture):
    run = computed(fixture["journey"])
    again = importance_compute(run_id=run.pk)
    assert (again.computed_at, list(again.figures.values_list("pk", flat=True))) == (
        run.computed_at, list(run.figures.values_list("pk", flat=True)))  # fmt: skip
    south = fixture["units"]["south_store"]
    scoped = ImportanceRun.objects.create(
        journey=fixture["journey"], date_from=MARCH.date_from, date_to=MARCH.date_to, unit_id=south.pk,
        requested_at=timezone.now(),
    )  # fmt: skip
    south.employees.all().delete()
    south.delete()
    assert importance_compute(run_id=scoped.pk) is None
    assert list(ImportanceRun.objects.values_list("pk", flat=True)) == [run.pk]


def test_the_nightly_job_queues_every_current_journey_and_forgets_old_runs(
    fixture, monkeypatch, django_capture_on_commit_callbacks
):
    from journeys import tasks

    queued = []
    monkeypatch.setattr(tasks.compute_importance, "delay", queued.append)
    fixture["journey"].state = Journey.State.CURRENT
    fixture["journey"].save()
    other = JourneyFactory(state=Journey.State.FUTURE, outcome_question=fixture["nps"])
    measured_by(TouchpointFactory(stage=StageFactory(journey=other)), fixture["nps"])
    old = ImportanceRun.objects.create(
        journey=fixture["journey"],
        date_from=date(2025, 1, 1),
        date_to=date(2025, 3, 31),
        requested_at=timezone.now() - timedelta(days=31),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.compute_journey_importance() == 1
    run = ImportanceRun.objects.get()
    today = timezone.localdate()
    assert (run.journey, run.date_from, run.date_to, run.unit_id, queued) == (
        fixture["journey"], today - timedelta(days=89), today, 0, [run.pk])  # fmt: skip
    assert not ImportanceRun.objects.filter(pk=old.pk).exists()
