"""Score rollups: every figure from them equals the raw engine's, slice by slice, after submissions,
deletions, a customer's erasure and a rebuild; concurrent submissions neither lose nor double a count."""

import threading
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.db import connection, connections
from django.test import RequestFactory
from django.utils import timezone

from cxprogram.models import Unit
from surveys.links import ResponseContext
from surveys.models import Question, Response, ScoreCount
from surveys.selectors.metrics import Slice, breakdown, question_result, question_results
from surveys.services.responses import response_submit
from surveys.services.rollups import responses_delete, rollups_rebuild
from tests.cxprogram.factories import CustomerFactory, EmployeeFactory, SegmentFactory, UnitFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

QT = Question.Type
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
        unit = (stores[0], stores[1], other, None)[i % 4]
        response = response_submit(
            survey=survey, questions=questions, answers=answers, language="en", source="web",
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
        "employees": employees, "customers": customers, "today": today,
    }  # fmt: skip


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


def assert_rollups_equal_raw(w):
    for name, slice_ in slices(w).items():
        for question in w["questions"]:
            rolled = question_result(slice_, question)
            raw = question_result(slice_, question, use_rollups=False)
            assert figures(rolled) == figures(raw), (name, question.type)


def test_every_metric_and_slice_equals_the_raw_engine(world):
    assert_rollups_equal_raw(world)
    # The figures are not all empty: the whole survey's NPS counts every NPS answer given.
    nps = world["questions"][0]
    answered = Response.objects.filter(survey=world["survey"], answers__question=nps).count()
    assert (
        question_result(Slice(survey=world["survey"]), nps).headline.n == answered == 58
    )  # 60 less the two that skipped it (i = 0, 35)


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
    assert not ScoreCount.objects.filter(n__lt=0).exists()


def test_admin_delete_takes_scores_out_too(world, admin_user):
    request = RequestFactory().post("/")
    request.user = admin_user
    admin = site._registry[Response]
    admin.delete_model(request, Response.objects.filter(survey=world["survey"]).first())
    admin.delete_queryset(request, Response.objects.filter(survey=world["survey"], unit=world["stores"][1]))
    assert_rollups_equal_raw(world)


def test_a_rebuild_gives_the_same_rows_and_repairs_damage(world):
    before = sorted(
        ScoreCount.objects.values_list("day", "question_id", "unit_id", "channel", "touchpoint", "number", "n")
    )
    ScoreCount.objects.filter(number=10).update(n=999)  # damage
    ScoreCount.objects.filter(number=0).delete()
    rollups_rebuild(survey=world["survey"])
    after = sorted(
        ScoreCount.objects.values_list("day", "question_id", "unit_id", "channel", "touchpoint", "number", "n")
    )
    assert after == before
    assert sum(row[-1] for row in after) == Response.objects.filter(survey=world["survey"]).count() * 5 - 9
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
    counts = dict(ScoreCount.objects.filter(question=questions[0]).values_list("number", "n"))
    assert counts == {9: threads_count * 8, 10: threads_count * 7}  # i = 0..14: eight 9s, seven 10s
    assert list(ScoreCount.objects.filter(question=questions[1]).values_list("number", "n")) == [(5, total)]
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
