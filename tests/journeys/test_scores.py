"""Touchpoint scores are the metric engine's figures for the same slice, pooled over the measuring questions."""

from datetime import date

import pytest

from journeys.selectors.scores import sentiment, touchpoint_scores
from surveys.models import Question
from surveys.selectors.metrics import Slice, question_result
from tests.cxprogram.factories import CustomerFactory, SegmentFactory
from tests.journeys.factories import TouchpointFactory, day, measured_by, respond
from tests.surveys.factories import QuestionFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


@pytest.fixture(autouse=True)
def _small_samples(settings):
    settings.RESULTS_MIN_SAMPLE = 3


def score_of(touchpoint, slice_, previous=None):
    touchpoint = type(touchpoint).objects.prefetch_related("measures__question").get(pk=touchpoint.pk)
    return touchpoint_scores([touchpoint], slice_, previous)[0]


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        (QT.NPS, [10, 9, 8, 6, 0, 10], 16.67),  # 3 promoters, 2 detractors of 6
        (QT.CSAT, [5, 4, 3, 2, 4], 60.0),  # 3 of 5 satisfied
        (QT.CES, [1, 2, 7, 4], 3.5),  # mean effort
        (QT.YES_NO, [1, 1, 0, 1], 75.0),
        (QT.RATING, [1, 3, 5], 3.0),
    ],
)
def test_a_touchpoint_scores_what_the_engine_computes_for_its_question(org, kind, values, expected):
    question = QuestionFactory(type=kind)
    touchpoint = measured_by(TouchpointFactory(), question)
    for value in values:
        respond({question: value}, unit=org["units"]["north_store"])
    score = score_of(touchpoint, Slice())
    engine = question_result(Slice(survey=question.survey), question).headline
    assert (round(score.figure.value, 2), score.figure.n) == (expected, len(values))
    assert (score.figure.value, score.figure.low, score.figure.high, score.figure.n) == (
        engine.value,
        engine.low,
        engine.high,
        engine.n,
    )
    assert score.metric == kind


def test_slices_by_period_segment_and_unit_match_the_engine(org):
    csat = QuestionFactory(type=QT.CSAT)
    touchpoint = measured_by(TouchpointFactory(), csat)
    families = SegmentFactory(code="families", name="Families")
    family = CustomerFactory(segment=families)
    north, south = org["units"]["north_store"], org["units"]["south_store"]
    for value, unit, customer, at in [
        (5, north, family, day(2026, 3, 2)),
        (4, north, family, day(2026, 3, 9)),
        (1, north, None, day(2026, 3, 9)),
        (2, south, family, day(2026, 3, 15)),
        (5, south, family, day(2026, 4, 2)),  # outside March
        (5, north, family, day(2026, 3, 20)),
    ]:
        respond({csat: value}, unit=unit, customer=customer, at=at)
    march = Slice(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    for slice_, n, value in [
        (march, 5, 60.0),
        (march.but(segment=families), 4, 75.0),
        (march.but(unit=org["units"]["north"]), 4, 75.0),
        (march.but(segment=families, unit=org["units"]["north"]), 3, 100.0),
    ]:
        score = score_of(touchpoint, slice_)
        engine = question_result(slice_.but(survey=csat.survey), csat).headline
        assert (score.figure.n, score.figure.value) == (n, value) == (engine.n, engine.value)


def test_a_tagged_only_measure_counts_responses_that_carry_the_touchpoint_code(org):
    csat = QuestionFactory(type=QT.CSAT)
    checkout = measured_by(TouchpointFactory(code="checkout"), csat, tagged_only=True)
    whole_visit = measured_by(TouchpointFactory(code="visit"), csat)
    for value, code in [(5, "checkout"), (4, "checkout"), (1, "checkout"), (1, "advice"), (2, "")]:
        respond({csat: value}, touchpoint=code)
    tagged = score_of(checkout, Slice())
    assert (tagged.figure.n, round(tagged.figure.value, 2)) == (3, 66.67)
    engine = question_result(Slice(survey=csat.survey, touchpoint="checkout"), csat).headline
    assert tagged.figure.value == engine.value
    assert score_of(whole_visit, Slice()).figure.n == 5


def test_answers_of_several_questions_are_pooled(org):
    store, delivery = QuestionFactory(type=QT.CSAT), QuestionFactory(type=QT.CSAT)
    touchpoint = measured_by(TouchpointFactory(), store, delivery)
    for value in (5, 5, 1):
        respond({store: value})
    for value in (4, 2):
        respond({delivery: value})
    score = score_of(touchpoint, Slice())
    assert (score.figure.n, score.figure.value) == (5, 60.0)


def test_previous_period_target_and_status_with_lower_effort_being_better(org):
    ces = QuestionFactory(type=QT.CES)
    touchpoint = measured_by(TouchpointFactory(target=3.0), ces)
    for value in (5, 5, 5):
        respond({ces: value}, at=day(2026, 2, 10))
    for value in (2, 3, 3):
        respond({ces: value}, at=day(2026, 3, 10))
    feb = Slice(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    march = Slice(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    score = score_of(touchpoint, march, feb)
    assert (round(score.figure.value, 4), score.previous.value) == (2.6667, 5.0)
    assert (round(score.change, 4), score.improved) == (-2.3333, True)
    assert (round(score.gap, 4), score.status) == (-0.3333, "met")
    before = score_of(touchpoint, feb)
    assert (before.gap, before.status, before.change) == (2.0, "below", None)


def test_small_samples_and_unmeasured_touchpoints_say_so(org):
    nps = QuestionFactory(type=QT.NPS)
    touchpoint = measured_by(TouchpointFactory(target=30), nps)
    respond({nps: 10})
    respond({nps: 9})
    score = score_of(touchpoint, Slice())
    assert (score.figure.value, score.figure.n, score.status, score.gap) == (None, 2, "no_data", None)
    bare = score_of(TouchpointFactory(), Slice())
    assert (bare.measured, bare.figure, bare.status) == (False, None, "unmeasured")


@pytest.mark.parametrize(
    ("metric", "value", "level"),
    [
        (QT.NPS, 50, 1.0),
        (QT.NPS, -100, -2.0),
        (QT.CSAT, 75, 1.0),
        (QT.CES, 1, 2.0),
        (QT.CES, 5.5, -1.0),
        (QT.YES_NO, 50, 0.0),
        (QT.RATING, 4, 1.0),
    ],
)
def test_scores_are_placed_on_the_emotion_scale(metric, value, level):
    assert sentiment(metric, value, (1, 5)) == level


def both_ways(touchpoints, slice_, previous=None):
    """The scores from the rollups and from the raw answers, as (n, value, low, high) now and before."""
    loaded = list(
        type(touchpoints[0]).objects.filter(pk__in=[t.pk for t in touchpoints]).prefetch_related("measures__question")
    )
    shown = []
    for use_rollups in (True, False):
        scores = touchpoint_scores(loaded, slice_, previous, use_rollups=use_rollups)
        shown.append({
            s.touchpoint.code: [(f.n, f.value, f.low, f.high) if f else None for f in (s.figure, s.previous)]
            for s in scores
        })  # fmt: skip
    return shown


def test_rollup_scores_equal_the_raw_answers_slice_by_slice(org):
    """Shared questions, a tagged-only measure, two periods, units, a manager's scope, and responses deleted."""
    csat, nps = QuestionFactory(type=QT.CSAT), QuestionFactory(type=QT.NPS)
    other_nps = QuestionFactory(type=QT.NPS)
    checkout = measured_by(TouchpointFactory(code="checkout"), csat, tagged_only=True)
    visit = measured_by(TouchpointFactory(code="visit"), csat, nps)
    loyalty = measured_by(TouchpointFactory(code="loyalty"), nps, other_nps)
    north, south = org["units"]["north_store"], org["units"]["south_store"]
    rows = [(5, 9, north, "checkout", day(2026, 2, 27)), (4, 10, north, "checkout", day(2026, 3, 1)),
            (1, 3, south, "checkout", day(2026, 3, 9)), (2, 6, north, "advice", day(2026, 3, 31)),
            (5, 8, south, "", day(2026, 4, 1)), (3, 0, None, "checkout", day(2026, 3, 15))]  # fmt: skip
    for value, score, unit, code, at in rows:
        respond({csat: value, nps: score}, unit=unit, touchpoint=code, at=at)
    respond({other_nps: 10}, unit=south, at=day(2026, 3, 3))
    march = Slice(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    feb = Slice(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    touchpoints = [checkout, visit, loyalty]
    fast, raw = both_ways(touchpoints, march, feb)
    assert fast == raw
    # checkout: March CSAT 4, 1, 3 tagged "checkout" (the "advice" one and the untagged one are not its own)
    assert fast["checkout"][0][:2] == (3, pytest.approx(100 / 3))
    assert fast["visit"][0][0] == 8 and fast["loyalty"][0][0] == 5
    for slice_, previous in [
        (march.but(unit=org["units"]["north"]), feb.but(unit=org["units"]["north"])),
        (march.but(units_in_scope=type(south).objects.filter(pk=south.pk)), None),
        (Slice(date_from=date(2026, 3, 10), date_to=date(2026, 4, 2)), Slice(date_from=date(2026, 2, 15),
                                                                             date_to=date(2026, 3, 9))),
        (Slice(), None),
    ]:  # fmt: skip
        assert both_ways(touchpoints, slice_, previous)[0] == both_ways(touchpoints, slice_, previous)[1]
    from surveys.models import Response
    from surveys.services.rollups import responses_delete

    responses_delete(responses=Response.objects.filter(unit=north))
    fast, raw = both_ways(touchpoints, march, feb)
    assert fast == raw and fast["checkout"][0][0] == 2


def test_rollup_scores_read_one_grouped_query_for_both_periods(org, django_assert_num_queries):
    csat = QuestionFactory(type=QT.CSAT)
    touchpoints = [measured_by(TouchpointFactory(), csat), measured_by(TouchpointFactory(), csat, tagged_only=True)]
    respond({csat: 5})
    loaded = list(type(touchpoints[0]).objects.prefetch_related("measures__question"))
    march = Slice(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    # which of the measured surveys hold anonymous answers, then the counts of both periods
    with django_assert_num_queries(2):
        touchpoint_scores(loaded, march, Slice(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)))


def test_anonymous_answers_never_count_even_when_a_survey_was_switched_either_way(org):
    """The rollups cannot tell anonymous answers apart: an anonymous survey's questions are left out, and a survey
    holding both kinds (its anonymity switched behind the admin's back, which refuses it) is read raw."""
    from surveys.models import Response, Survey

    pulse = QuestionFactory(type=QT.CSAT, survey__anonymous=True)
    switched_on = QuestionFactory(type=QT.CSAT)  # named answers first, then anonymous ones
    switched_off = QuestionFactory(type=QT.CSAT, survey__anonymous=True)  # anonymous first, then named
    touchpoints = [measured_by(TouchpointFactory(code=f"t{i}"), q) for i, q in
                   enumerate([pulse, switched_on, switched_off])]  # fmt: skip
    north = org["units"]["north_store"]
    for value in (1, 1, 1):
        respond({pulse: value}, unit=north)
        respond({switched_off: value}, unit=north)
    for value in (5, 4):
        respond({switched_on: value}, unit=north)
    Survey.objects.filter(pk=switched_on.survey_id).update(anonymous=True)
    Survey.objects.filter(pk=switched_off.survey_id).update(anonymous=False)
    switched_on.survey.refresh_from_db()
    switched_off.survey.refresh_from_db()
    for value in (1, 2, 1):
        respond({switched_on: value}, unit=north)
    respond({switched_off: 5}, unit=north)
    assert Response.objects.filter(anonymous=True).count() == 9
    fast, raw = both_ways(touchpoints, Slice())
    assert fast == raw
    # the pulse: nothing; switched on: its 2 named answers (both satisfied); switched off: its 1 named answer
    assert [fast[f"t{i}"][0][:2] for i in range(3)] == [(0, None), (2, None), (1, None)]
