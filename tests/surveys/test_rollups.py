"""Rollups: every figure from them (scores, choices, responses and comments counted) equals the raw engine's, slice
by slice, after submissions, deletions, a customer's erasure and a rebuild; concurrent submissions neither lose nor
double a count."""

import threading
from datetime import datetime, time, timedelta
from itertools import product

import pytest
from django.contrib.admin.sites import site
from django.db import connection, connections
from django.db.models import Q, Sum, prefetch_related_objects
from django.test import RequestFactory
from django.utils import timezone

from cxprogram.models import Unit
from surveys.charts import fitted_range, trend_chart
from surveys.links import ResponseContext
from surveys.models import ALL_UNITS, ChoiceCount, Question, Response, ResponseCount, ScoreCount
from surveys.selectors import rollups
from surveys.selectors.metrics import Slice, breakdown, question_result, question_results, responses_in
from surveys.selectors.results import responses_count, survey_results, verbatims
from surveys.services.privacy import customer_erase
from surveys.services.responses import response_submit
from surveys.services.rollups import responses_delete
from surveys.services.rollups_rebuild import rollups_rebuild
from tests.cxprogram.factories import CustomerFactory, EmployeeFactory, SegmentFactory, UnitFactory
from tests.surveys.factories import ChoiceFactory, QuestionFactory, SurveyFactory

QT = Question.Type
KEY = ("monthly", "day", "question_id", "unit_id", "channel", "touchpoint")
SCORES = {QT.NPS: range(11), QT.CSAT: range(1, 6), QT.CES: range(1, 8), QT.RATING: range(1, 11), QT.YES_NO: (0, 1)}


@pytest.fixture(autouse=True)
def _small_samples(settings):
    settings.RESULTS_MIN_SAMPLE = 1


@pytest.fixture
def world(db):
    """A survey with every score type, answered over three days in two stores under a region, in two channels,
    at two touchpoints, by customers of two segments and tiers, about two employees."""
    survey = SurveyFactory()
    questions = [QuestionFactory(survey=survey, type=t) for t in SCORES]
    single, multiple = QuestionFactory(survey=survey, type=QT.SINGLE), QuestionFactory(survey=survey, type=QT.MULTIPLE)
    comment = QuestionFactory(survey=survey, type=QT.LONG_TEXT, required=False)
    picks = {q.pk: [ChoiceFactory(question=q).pk for _ in range(3)] for q in (single, multiple)}
    company = UnitFactory(kind="company")
    region = UnitFactory(kind="region", parent=company)
    stores = [UnitFactory(parent=region), UnitFactory(parent=region)]
    other = UnitFactory(parent=company)
    segments = [SegmentFactory(), SegmentFactory()]
    employees = [EmployeeFactory(unit=stores[0]), EmployeeFactory(unit=stores[1])]
    customers = [CustomerFactory(segment=segments[i % 2], value_tier=("high", "low")[i // 2 % 2]) for i in range(4)]
    now = timezone.now()
    for i in range(60):
        answers = {q.pk: list(SCORES[q.type])[(i * (3 + k)) % len(SCORES[q.type])] for k, q in enumerate(questions)}
        if i % 7 == 0:
            answers.pop(questions[i % len(questions)].pk)  # some answers skipped
        answers |= chosen(i, single, multiple, picks) | ({comment.pk: f"comment {i}"} if i % 2 else {})
        unit = (stores[0], stores[1], other, None)[i % 4]
        response = response_submit(
            survey=survey, questions=[*questions, single, multiple, comment], answers=answers, language="en",
            source="web",
            customer=customers[i % 4],
            context=ResponseContext(
                unit=unit, employee=employees[i % 2], channel=("web", "sms")[i % 3 % 2],
                touchpoint=("checkout", "delivery")[i % 5 % 2],
            ),
        )  # fmt: skip
        # Spread over three local days, one of them just before local midnight.
        moment = timezone.localtime(now).replace(hour=23, minute=59, second=30) - timedelta(days=i % 3)
        Response.objects.filter(pk=response.pk).update(submitted_at=moment)
    rollups_rebuild()  # the submissions counted at "now"; their days were moved above
    today = timezone.localdate()
    return {
        "survey": survey, "questions": questions, "region": region, "stores": stores, "segments": segments,
        "employees": employees, "customers": customers, "today": today, "choices": [single, multiple],
        "texts": [comment],
    }  # fmt: skip


def chosen(i: int, single, multiple, picks) -> dict:
    """Response i's choices: the single question skipped by every fourth, the multiple one a subset (bits of i)."""
    answers = {} if i % 4 == 0 else {single.pk: picks[single.pk][i % 3]}
    subset = [pk for bit, pk in enumerate(picks[multiple.pk]) if i >> bit & 1]
    return answers | ({multiple.pk: subset} if subset else {})


def slices(w):
    s = Slice(survey=w["survey"])
    today = w["today"]
    return {
        "survey": s,
        "from yesterday": s.but(date_from=today - timedelta(days=1)),
        "until yesterday": s.but(date_to=today - timedelta(days=1)),
        "one day": s.but(date_from=today - timedelta(days=2), date_to=today - timedelta(days=2)),
        "region subtree": s.but(unit=w["region"]),
        "one store": s.but(unit=w["stores"][1]),
        "scope": s.but(units_in_scope=Unit.objects.filter(pk=w["stores"][0].pk)),
        "channel": s.but(channel="sms"),
        "touchpoint": s.but(touchpoint="delivery"),
        "all of those": s.but(unit=w["region"], channel="web", touchpoint="checkout", date_from=today),
        "nothing matches": s.but(channel="phone"),
        # Not at the rollups' grain: these read the raw answers.
        "segment": s.but(segment=w["segments"][0]),
        "value tier": s.but(value_tier="high"),
        "employee": s.but(employee=w["employees"][1]),
    }


def figures(result):
    out = []
    for figure in (result.headline, result.secondary):
        if figure is None:
            out.append(None)
            continue
        out.append((figure.n, *(None if v is None else pytest.approx(v, rel=1e-9, abs=1e-9)
                                for v in (figure.value, figure.low, figure.high))))  # fmt: skip
    return out


def choice_figures(result):
    return (figures(result), [(label, count, figures_of(share)) for label, count, share in result.distribution])


def assert_rollups_equal_raw(w):
    for name, slice_ in slices(w).items():
        for question in w["questions"]:
            rolled = question_result(slice_, question)
            raw = question_result(slice_, question, use_rollups=False)
            assert figures(rolled) == figures(raw), (name, question.type)
        for question in [*w["choices"], *w["texts"]]:
            rolled = question_result(slice_, question)
            raw = question_result(slice_, question, use_rollups=False)
            assert choice_figures(rolled) == choice_figures(raw), (name, question.type)
        assert responses_count(slice_) == responses_in(slice_).count(), name
        if rollups.covers_slice(slice_):
            assert rollups.response_totals(slice_)[1] == verbatims(slice_=slice_).count(), name
    assert_all_units_add_up()


def assert_all_units_add_up():
    """The rows of all units together hold exactly the sums of every unit's rows, place by place."""
    for model, extra, counts in (
        (ScoreCount, ("question_id", "number"), ("n",)),
        (ChoiceCount, ("question_id", "choice_id"), ("n",)),
        (ResponseCount, (), ("responses", "comments")),
    ):
        place = ("monthly", "day", "survey_id", "channel", "touchpoint", *extra)
        summed = model.objects.filter(unit_id__gte=0).values(*place).annotate(**{c: Sum(c) for c in counts})
        together = model.objects.filter(unit_id=ALL_UNITS).values(*place, *counts)
        fields = (*place, *counts)
        kept = sorted(tuple(row[f] for f in fields) for row in together if any(row[c] for c in counts))
        assert kept == sorted(tuple(row[f] for f in fields) for row in summed.order_by() if any(row[c] for c in counts))
        assert kept, model


def test_every_metric_and_slice_equals_the_raw_engine(world):
    assert_rollups_equal_raw(world)
    # The figures are not all empty: the whole survey's NPS counts every NPS answer given.
    nps = world["questions"][0]
    answered = Response.objects.filter(survey=world["survey"], answers__question=nps).count()
    assert (
        question_result(Slice(survey=world["survey"]), nps).headline.n == answered == 58
    )  # 60 less the two that skipped it (i = 0, 35)


def test_choices_responses_and_comments_counted_exactly(world):
    survey = Slice(survey=world["survey"])
    single, multiple = (question_result(survey, q) for q in world["choices"])
    # The single question: every fourth response skipped it (45 of 60 answered), choices by i % 3.
    assert single.headline.n == 45
    assert [count for _label, count, _share in single.distribution] == [15, 15, 15]
    # The multiple one: the bits of i pick choices; i = 0, 8, 16, ..., 56 picked none (8 of 60).
    assert multiple.headline.n == 52
    assert [count for _label, count, _share in multiple.distribution] == [30, 30, 28]
    assert round(multiple.distribution[0][2].value, 6) == round(100 * 30 / 52, 6)
    assert rollups.response_totals(survey) == (60, 30)  # every odd response left a comment
    assert question_result(survey, world["texts"][0]).headline.n == 30
    store = survey.but(unit=world["stores"][0])  # i % 4 == 0: no single-choice answers there
    assert question_result(store, world["choices"][0]).headline.n == 0
    assert rollups.response_totals(store) == (15, 0)


def test_rebuild_recounts_choices_responses_and_comments(world):
    def rows():
        return (
            sorted(ChoiceCount.objects.values_list("monthly", "day", "question_id", "unit_id", "channel",
                                                   "touchpoint", "choice_id", "n")),
            sorted(ResponseCount.objects.values_list("monthly", "day", "unit_id", "channel", "touchpoint",
                                                     "responses", "comments")),
        )  # fmt: skip

    before = rows()
    ChoiceCount.objects.filter(choice_id=ChoiceCount.RESPONDENTS).update(n=999)
    ResponseCount.objects.filter(unit_id=0).delete()
    rollups_rebuild()
    assert rows() == before
    for unit_rows in (lambda unit: unit >= 0, lambda unit: unit == ALL_UNITS):  # by unit, then all units together
        respondents = [
            n
            for monthly, _day, _question, unit, _channel, _touchpoint, choice, n in before[0]
            if choice == ChoiceCount.RESPONDENTS and monthly and unit_rows(unit)
        ]
        assert sum(respondents) == 45 + 52 + 30  # each count kept by day and by month, per unit and for all units
    assert_rollups_equal_raw(world)


def test_anonymous_comments_are_not_counted_for_the_comment_list(db):
    survey = SurveyFactory(anonymous=True)
    comment = QuestionFactory(survey=survey, type=QT.LONG_TEXT)
    for text in ("one", "two"):
        response_submit(survey=survey, questions=[comment], answers={comment.pk: text}, language="en", source="web")
    slice_ = Slice(survey=survey)
    assert rollups.response_totals(slice_) == (2, 0) == (responses_in(slice_).count(), verbatims(slice_=slice_).count())
    responses_delete(responses=Response.objects.filter(survey=survey))
    assert rollups.response_totals(slice_) == (0, 0)


def test_a_surveys_choices_and_scores_in_two_grouped_queries(world, django_assert_num_queries):
    slice_ = slices(world)["region subtree"]
    questions = [*world["questions"], *world["choices"], *world["texts"]]
    prefetch_related_objects(questions, "choices")  # as the results page does
    with django_assert_num_queries(2):
        together = question_results(slice_, questions)
    assert [choice_figures(r) for r in together[-3:]] == [
        choice_figures(question_result(slice_, q, use_rollups=False)) for q in [*world["choices"], *world["texts"]]
    ]


def test_off_the_rollups_grain_the_scores_are_one_grouped_pass_over_the_answers(world, django_assert_num_queries):
    slice_ = slices(world)["segment"]
    with django_assert_num_queries(1) as captured:
        together = question_results(slice_, world["questions"])
    assert "surveys_answer" in captured.captured_queries[0]["sql"]
    assert [figures(r) for r in together] == [
        figures(question_result(slice_, q, use_rollups=False)) for q in world["questions"]
    ]


def test_a_covered_slice_reads_one_small_query_not_the_answers(world, django_assert_num_queries):
    slice_ = slices(world)["region subtree"]
    with django_assert_num_queries(1) as captured:
        question_result(slice_, world["questions"][0])
    assert "surveys_scorecount" in captured.captured_queries[0]["sql"]
    assert "surveys_answer" not in captured.captured_queries[0]["sql"]


def test_after_deleting_responses_and_erasing_a_customer(world):
    survey = world["survey"]
    removed = responses_delete(responses=Response.objects.filter(survey=survey, channel="sms", unit=world["stores"][0]))
    assert removed > 0
    assert_rollups_equal_raw(world)
    world["customers"][0].delete()  # an erased customer's responses stay, without the customer
    assert_rollups_equal_raw(world)
    customer_erase(customer=world["customers"][1], actor=None)  # their comments stay, as "erased"
    assert_rollups_equal_raw(world)
    assert not ScoreCount.objects.filter(n__lt=0).exists()
    assert not ChoiceCount.objects.filter(n__lt=0).exists()
    assert not ResponseCount.objects.filter(Q(responses__lt=0) | Q(comments__lt=0)).exists()


def test_admin_delete_takes_scores_out_too(world, admin_user):
    request = RequestFactory().post("/")
    request.user = admin_user
    admin = site._registry[Response]
    admin.delete_model(request, Response.objects.filter(survey=world["survey"]).first())
    admin.delete_queryset(request, Response.objects.filter(survey=world["survey"], unit=world["stores"][1]))
    assert_rollups_equal_raw(world)


def test_a_rebuild_gives_the_same_rows_and_repairs_damage(world):
    before = sorted(ScoreCount.objects.values_list(*KEY, "number", "n"))
    ScoreCount.objects.filter(number=10).update(n=999)  # damage
    ScoreCount.objects.filter(number=0).delete()
    rollups_rebuild(survey=world["survey"])
    after = sorted(ScoreCount.objects.values_list(*KEY, "number", "n"))
    assert after == before
    unit = KEY.index("unit_id")
    for by_unit in (True, False):  # each answer counted by day and again by month, per unit and for all units
        rows = [row for row in after if (row[unit] >= 0) == by_unit]
        by_month = sum(row[-1] for row in rows if row[0])
        assert by_month == sum(row[-1] for row in rows if not row[0]) == 60 * 5 - 9
    assert_rollups_equal_raw(world)


def test_a_submission_that_rolls_back_leaves_no_count(db):
    question = QuestionFactory(type=QT.NPS)
    with pytest.raises(ZeroDivisionError):
        from django.db import transaction

        with transaction.atomic():
            response_submit(survey=question.survey, questions=[question], answers={question.pk: 9}, language="en",
                            source="web")  # fmt: skip
            1 / 0  # noqa: B018
    assert not ScoreCount.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_the_same_scores_neither_lose_nor_double():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers to one database need PostgreSQL; SQLite in memory serialises them")
    unit = UnitFactory(kind="company")
    survey = SurveyFactory()
    questions = [QuestionFactory(survey=survey, type=QT.NPS), QuestionFactory(survey=survey, type=QT.CSAT)]
    threads_count, per_thread = 8, 15
    barrier = threading.Barrier(threads_count)
    errors = []

    def submit(index: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                # Every thread hits the same few keys, in opposite orders half the time.
                answers = {questions[0].pk: 9 + i % 2, questions[1].pk: 5}
                if index % 2:
                    answers = dict(reversed(list(answers.items())))
                response_submit(survey=survey, questions=questions, answers=answers, language="en", source="web",
                                context=ResponseContext(unit=unit, channel="web"))  # fmt: skip
        except Exception as error:  # noqa: BLE001  # reported below with the thread's index
            errors.append((index, error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = threads_count * per_thread
    assert Response.objects.filter(survey=survey).count() == total
    for monthly, unit_id in product((False, True), (unit.pk, ALL_UNITS)):  # day and month, the store and all units
        rows = ScoreCount.objects.filter(monthly=monthly, unit_id=unit_id)
        counts = dict(rows.filter(question=questions[0]).values_list("number", "n"))
        assert counts == {9: threads_count * 8, 10: threads_count * 7}  # i = 0..14: eight 9s, seven 10s
        assert list(rows.filter(question=questions[1]).values_list("number", "n")) == [(5, total)]
        assert ResponseCount.objects.get(survey=survey, monthly=monthly, unit_id=unit_id).responses == total
    figure = question_result(Slice(survey=survey), questions[0]).headline
    assert (figure.n, figure.value) == (total, 100.0)


def test_breakdowns_from_rollups_equal_the_raw_grouping(world):
    for name, slice_ in slices(world).items():
        for question in world["questions"]:
            for by in ("month", "unit", "channel", "touchpoint"):
                rolled = breakdown(slice_, question, by, min_sample=2)
                raw = breakdown(slice_, question, by, min_sample=2, use_rollups=False)
                assert {k: figures_of(f) for k, f in rolled} == {k: figures_of(f) for k, f in raw}, (name, by)
                assert len(rolled) == len(raw)


def figures_of(figure):
    return (figure.n, *(None if v is None else pytest.approx(v, rel=1e-9, abs=1e-9)
                        for v in (figure.value, figure.low, figure.high)))  # fmt: skip


def test_a_surveys_figures_in_one_grouped_query(world, django_assert_num_queries):
    slice_ = slices(world)["all of those"]
    with django_assert_num_queries(1):
        together = question_results(slice_, world["questions"])
    assert [figures(r) for r in together] == [
        figures(question_result(slice_, q, use_rollups=False)) for q in world["questions"]
    ]


def test_month_rows_and_day_rows_count_every_day_once(db):
    """Over three months, a range reads month rows for its whole months and day rows at its edges: every range
    gives the raw engine's figures."""
    question = QuestionFactory(type=QT.NPS)
    survey = question.survey
    today = timezone.localdate()
    for i in range(100):
        response = response_submit(survey=survey, questions=[question], answers={question.pk: i % 11}, language="en",
                                   source="web")  # fmt: skip
        moment = timezone.make_aware(datetime.combine(today - timedelta(days=i), time(12)))
        Response.objects.filter(pk=response.pk).update(submitted_at=moment)
    rollups_rebuild()
    first = today.replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    ranges = [
        (None, None), (last_month, None), (None, first - timedelta(days=1)), (last_month, first - timedelta(days=1)),
        (last_month + timedelta(days=3), today), (today - timedelta(days=70), today - timedelta(days=5)),
        (today - timedelta(days=2), today - timedelta(days=1)), (first, first), (today, None),
    ]  # fmt: skip
    for date_from, date_to in ranges:
        slice_ = Slice(survey=survey, date_from=date_from, date_to=date_to)
        raw = question_result(slice_, question, use_rollups=False)
        assert figures(question_result(slice_, question)) == figures(raw), (date_from, date_to)
        assert responses_count(slice_) == responses_in(slice_).count() == raw.headline.n, (date_from, date_to)
    assert question_result(Slice(survey=survey), question).headline.n == 100
    assert ScoreCount.objects.filter(monthly=True).values("day").distinct().count() in (4, 5)


def test_the_results_pages_figures_and_trend_from_one_pass_equal_the_raw_engine(world, settings):
    settings.RESULTS_MIN_SAMPLE = 2
    for name, slice_ in slices(world).items():
        page = survey_results(slice_=slice_, by="unit", sort="label", language="en")
        raw = [figures(question_result(slice_, q, use_rollups=False)) for q in world["questions"]]
        assert [figures(r) for r in page.questions[: len(raw)]] == raw, name
        months = breakdown(slice_, page.main.question, "month", use_rollups=False)
        points = [(k.strftime("%Y-%m"), f.value, f.low, f.high, f.n) for k, f in months]
        lo, hi = {"nps": (-100, 100), "csat": (0, 100), "ces": (1, 7)}[page.main.question.type]
        expected = trend_chart(points, *fitted_range(points, lo=lo, hi=hi)) if points else None
        assert page.trend == expected, name


def test_a_slice_of_every_unit_reads_the_rows_of_all_units_together(world):
    """A survey-wide slice reads the all-units rows (one per score, not one per store); a unit's slice its own."""
    survey, nps = Slice(survey=world["survey"]), world["questions"][0]
    whole, store = question_result(survey, nps).headline, question_result(survey.but(unit=world["stores"][0]), nps)
    ScoreCount.objects.filter(unit_id__gte=0, question=nps).update(n=0)  # every per-unit row emptied
    assert question_result(survey, nps).headline.n == whole.n == 58
    assert question_result(survey.but(unit=world["stores"][0]), nps).headline.n == 0 < store.headline.n
    assert breakdown(survey, nps, "unit") == []  # the breakdown by unit reads the per-unit rows
