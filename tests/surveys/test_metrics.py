"""The metric engine on hand-computed fixtures: NPS, CSAT, CES, shares, intervals, slices and breakdowns."""

from datetime import date

import pytest
from django.utils import timezone

from surveys.models import Question, Response
from surveys.selectors.metrics import Slice, breakdown, question_result
from surveys.services.responses import response_submit
from surveys.services.rollups_rebuild import rollups_rebuild
from tests.cxprogram.factories import CustomerFactory, SegmentFactory, UnitFactory
from tests.surveys.factories import ChoiceFactory, QuestionFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


@pytest.fixture(autouse=True)
def _small_samples(settings):
    settings.RESULTS_MIN_SAMPLE = 1


def answer_all(question, scores, **context):
    for score in scores:
        response_submit(
            survey=question.survey, questions=[question], answers={question.pk: score}, language="en", source="api",
            **context,
        )  # fmt: skip


def test_nps_with_its_interval():
    nps = QuestionFactory(type=QT.NPS)
    answer_all(nps, [10, 10, 9, 8, 7, 6, 5, 0, 9, 10])  # 5 promoters, 2 passives, 3 detractors
    figure = question_result(Slice(survey=nps.survey), nps).headline
    assert (round(figure.value, 2), figure.n) == (20.0, 10)
    # variance of the +1/0/−1 scores: 0.5 + 0.3 − 0.2² = 0.76; margin 100 · 1.96 · √(0.76/10) = 54.03
    assert (round(figure.low, 2), round(figure.high, 2)) == (-34.03, 74.03)


def test_nps_edge_cases_all_passives_and_no_answers():
    nps = QuestionFactory(type=QT.NPS)
    assert question_result(Slice(survey=nps.survey), nps).headline.value is None
    answer_all(nps, [7, 8, 7, 8])
    figure = question_result(Slice(survey=nps.survey), nps).headline
    assert (figure.value, figure.low, figure.high, figure.n) == (0.0, 0.0, 0.0, 4)


def test_below_the_minimum_sample_there_is_no_number(settings):
    settings.RESULTS_MIN_SAMPLE = 30
    nps = QuestionFactory(type=QT.NPS)
    answer_all(nps, [10] * 29)
    figure = question_result(Slice(survey=nps.survey), nps).headline
    assert (figure.value, figure.n, figure.enough) == (None, 29, False)
    answer_all(nps, [10])
    assert question_result(Slice(survey=nps.survey), nps).headline.value == 100.0


def test_csat_share_with_wilson_interval_and_mean():
    csat = QuestionFactory(type=QT.CSAT)
    answer_all(csat, [5, 4, 3, 2, 1, 5])
    result = question_result(Slice(survey=csat.survey), csat)
    share, mean = result.headline, result.secondary
    assert (share.value, share.unit) == (50.0, "%")
    assert (round(share.low, 2), round(share.high, 2)) == (18.76, 81.24)  # Wilson 95% for 3 of 6
    assert round(mean.value, 4) == 3.3333
    assert (round(mean.low, 4), round(mean.high, 4)) == (2.0267, 4.64)  # 3.333 ± 1.96·√(2.6667/6)


def test_ces_mean_and_share_easy():
    ces = QuestionFactory(type=QT.CES)
    answer_all(ces, [1, 2, 3, 6, 7])
    result = question_result(Slice(survey=ces.survey), ces)
    assert result.headline.value == 3.8
    assert result.secondary.value == 60.0  # 3 of 5 answered 1–3


def test_choice_distribution_counts_respondents():
    question = QuestionFactory(type=QT.MULTIPLE)
    tea, coffee, _milk = (ChoiceFactory(question=question, text_en=t) for t in ("Tea", "Coffee", "Milk"))
    for chosen in ([tea.pk, coffee.pk], [tea.pk], [coffee.pk]):
        answer_all(question, [chosen])
    result = question_result(Slice(survey=question.survey), question)
    assert result.headline.n == 3
    assert [(label, count, round(share.value, 1)) for label, count, share in result.distribution] == [
        ("Tea", 2, 66.7),
        ("Coffee", 2, 66.7),
        ("Milk", 0, 0.0),
    ]


def test_slices_by_unit_subtree_segment_tier_and_period():
    company = UnitFactory(kind="company", parent=None)
    north = UnitFactory(kind="region", parent=company)
    store = UnitFactory(kind="store", parent=north)
    south = UnitFactory(kind="store", parent=company)
    families = SegmentFactory(code="families")
    vip = CustomerFactory(segment=families, value_tier="high")
    nps = QuestionFactory(type=QT.NPS)
    answer_all(nps, [10, 9], context=_ctx(store), customer=vip)
    answer_all(nps, [0], context=_ctx(south))
    answer_all(nps, [8], context=_ctx(north))
    survey = nps.survey
    assert question_result(Slice(survey=survey, unit=north), nps).headline.n == 3  # the region and its store
    assert question_result(Slice(survey=survey, unit=south), nps).headline.value == -100.0
    assert question_result(Slice(survey=survey, segment=families), nps).headline.value == 100.0
    assert question_result(Slice(survey=survey, value_tier="high"), nps).headline.n == 2
    Response.objects.filter(unit=south).update(submitted_at=timezone.make_aware(timezone.datetime(2025, 1, 15)))
    rollups_rebuild(survey=survey)  # answers moved behind the services' back: recount
    january = Slice(survey=survey, date_from=date(2025, 1, 1), date_to=date(2025, 1, 31))
    assert question_result(january, nps).headline.n == 1


def _ctx(unit):
    from surveys.links import ResponseContext

    return ResponseContext(unit=unit)


def test_breakdown_by_month_in_one_query(django_assert_num_queries):
    nps = QuestionFactory(type=QT.NPS)
    answer_all(nps, [10, 10, 0, 5])
    first_two = Response.objects.order_by("pk")[:2].values_list("pk", flat=True)
    Response.objects.filter(pk__in=list(first_two)).update(
        submitted_at=timezone.make_aware(timezone.datetime(2026, 3, 10))
    )
    rollups_rebuild(survey=nps.survey)  # answers moved behind the services' back: recount
    with django_assert_num_queries(1):
        rows = breakdown(Slice(survey=nps.survey), nps, "month")
    values = [(key.strftime("%Y-%m"), figure.value, figure.n) for key, figure in rows]
    assert values[0] == ("2026-03", 100.0, 2)
    assert values[1][1:] == (-100.0, 2)
