"""Recognition rules: the points ledger, the monthly allowance (also under concurrency), achievements paid once,
and customer praise turned into suggested recognitions."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kpis.models import Kpi, KpiMeasurement, PointEntry, Recognition
from kpis.selectors.recognition import (
    allowance_left,
    month_start,
    points_balance,
    recognition_suggestions,
    recognition_summary,
)
from kpis.services.recognition import (
    achievement_record,
    achievements_record,
    recognition_from_suggestion,
    recognition_give,
)
from surveys.models import Answer, Question, Response, Survey
from tests.cxprogram.factories import EmployeeFactory
from tests.kpis.factories import CompanyValueFactory, KpiFactory, KpiMeasurementFactory, RecognitionFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

QT = Question.Type


@pytest.fixture
def care(db):
    return CompanyValueFactory(code="care", name_en="Customer care", name_ru="Забота о клиенте")


@pytest.fixture(autouse=True)
def _allowance(settings):
    settings.RECOGNITION_MONTHLY_ALLOWANCE = 50
    settings.RECOGNITION_CUSTOMER_PRAISE_POINTS = 10


def give(giver, receiver, value, points=0, visibility="company", message="Thanks for the help!"):
    return recognition_give(
        giver=giver, receiver=receiver, value=value, message=message, visibility=visibility, points=points
    )


# --- the ledger and the allowance -------------------------------------------------------------------------------


def test_balance_is_the_sum_of_the_ledger(org, care):
    p = org["people"]
    give(p["bob"], p["alice"], care, points=30)
    give(p["carol"], p["alice"], care, points=20)
    PointEntry.objects.create(employee=p["alice"], amount=-5, reason="Correction: counted twice")

    assert points_balance(p["alice"]) == 45
    assert points_balance(p["bob"]) == 0
    assert sorted(PointEntry.objects.filter(employee=p["alice"]).values_list("amount", flat=True)) == [-5, 20, 30]
    summary = recognition_summary(p["alice"])
    assert (summary.balance, summary.received, summary.allowance_left) == (45, 2, 50)
    assert [r.giver for r in summary.recent] == [p["carol"], p["bob"]]
    assert recognition_summary(p["bob"]).allowance_left == 20


def test_nobody_recognises_themselves_in_the_service(org, care):
    alice = org["people"]["alice"]
    with pytest.raises(ValidationError) as caught:
        give(alice, alice, care, points=10)
    assert caught.value.message_dict == {"receiver": ["You cannot recognise yourself. Choose a colleague."]}
    assert Recognition.objects.count() == PointEntry.objects.count() == 0


def test_nobody_recognises_themselves_in_the_database(org, care):
    alice = org["people"]["alice"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Recognition.objects.create(giver=alice, receiver=alice, unit=alice.unit, value=care, message="Me!")


def test_ledger_refuses_zero_lines_and_two_sources_for_one_line(org, care):
    p = org["people"]
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(employee=p["alice"], amount=0, reason="Nothing")
    recognition = give(p["bob"], p["alice"], care, points=5)
    met = measurement(employee=p["alice"])
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(
            employee=p["alice"], amount=5, reason="Both", recognition=recognition, measurement=met
        )
    assert points_balance(p["alice"]) == 5


def test_allowance_exactly_at_the_limit_then_one_over(org, care):
    p = org["people"]
    give(p["bob"], p["alice"], care, points=30)
    give(p["bob"], p["carol"], care, points=20)  # 50 of 50: exactly the allowance
    assert allowance_left(p["bob"]) == 0

    with pytest.raises(ValidationError) as caught:
        give(p["bob"], p["alice"], care, points=1)
    assert caught.value.message_dict == {"points": ["You have 0 points left to give this month."]}
    give(p["bob"], p["alice"], care, points=0)  # a thank-you without points is always possible
    assert points_balance(p["alice"]) == 30
    assert points_balance(p["carol"]) == 20
    assert Recognition.objects.filter(giver=p["bob"]).count() == 3


def test_allowance_one_over_in_a_single_recognition(org, care):
    p = org["people"]
    with pytest.raises(ValidationError) as caught:
        give(p["bob"], p["alice"], care, points=51)
    assert caught.value.message_dict == {"points": ["You have 50 points left to give this month."]}
    assert not Recognition.objects.exists()


def test_allowance_starts_again_each_calendar_month(org, care):
    p = org["people"]
    start = month_start()
    RecognitionFactory(
        giver=p["bob"], receiver=p["alice"], value=care, points=50, created_at=start - timedelta(seconds=1)
    )
    assert allowance_left(p["bob"]) == 50  # last month's giving does not count
    RecognitionFactory(giver=p["bob"], receiver=p["carol"], value=care, points=15, created_at=start)
    assert allowance_left(p["bob"]) == 35  # the first second of this month does
    with pytest.raises(ValidationError):
        give(p["bob"], p["alice"], care, points=36)
    give(p["bob"], p["alice"], care, points=35)
    assert allowance_left(p["bob"]) == 0


def test_month_starts_at_local_midnight(settings):
    settings.TIME_ZONE = "Europe/Moscow"
    moment = datetime(2025, 3, 31, 21, 30, tzinfo=UTC)  # 1 April 00:30 in Moscow
    start = month_start(moment)
    assert (start.year, start.month, start.day, start.hour) == (2025, 4, 1, 0)
    assert start.utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"value": "inactive"}, "value", "Choose one of the company's current values."),
        ({"message": "   "}, "message", "Write a few words about what they did."),
        ({"visibility": "everyone"}, "visibility", "Choose who may see the recognition."),
        ({"points": -3}, "points", "Points cannot be negative."),
    ],
)
def test_bad_recognitions_are_refused_with_a_clear_message(org, care, change, field, message):
    p = org["people"]
    kwargs = {"giver": p["bob"], "receiver": p["alice"], "value": care, "message": "Thanks", "visibility": "company"}
    kwargs.update({"points": 5, **change})
    if change.get("value") == "inactive":
        kwargs["value"] = CompanyValueFactory(code="old", name_en="Old value", active=False)
    with pytest.raises(ValidationError) as caught:
        recognition_give(**kwargs)
    assert caught.value.message_dict == {field: [message]}
    assert not Recognition.objects.exists()


def test_a_colleague_who_left_cannot_be_recognised(org, care):
    p = org["people"]
    p["alice"].user.is_active = False
    p["alice"].user.save()
    with pytest.raises(ValidationError) as caught:
        give(p["bob"], p["alice"], care, points=5)
    assert "is no longer with the company" in caught.value.message_dict["receiver"][0]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_recognitions_never_exceed_the_allowance(org, care, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL; SQLite serialises writers")
    p = org["people"]
    settings.RECOGNITION_MONTHLY_ALLOWANCE = 50
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []

    def give_ten() -> None:
        try:
            barrier.wait()
            give(p["bob"], p["alice"], care, points=10)
            outcomes.append("given")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=give_ten) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["given"] * 5 + ["refused"] * 3
    assert points_balance(p["alice"]) == 50
    assert Recognition.objects.filter(giver=p["bob"]).count() == 5


# --- achievements -----------------------------------------------------------------------------------------------


def measurement(*, level="employee", status="met", points=25, **subject):
    kpi = Kpi.objects.create(
        name="Polite service",
        code=f"polite-{level}",
        metric=Kpi.Metric.YES_SHARE,
        level=level,
        target=90,
        points=points,
    )
    return KpiMeasurement.objects.create(
        kpi=kpi, period_start=date(2025, 3, 1), period_end=date(2025, 3, 31), value=95.0, n=40, status=status,
        computed_at=timezone.now(), **subject,
    )  # fmt: skip


def test_a_met_kpi_pays_its_points_once_however_often_it_is_recomputed(org):
    alice = org["people"]["alice"]
    met = measurement(employee=alice)

    first = achievement_record(measurement=met)
    again = achievement_record(measurement=met)

    assert first == again
    assert (first.source, first.receiver, first.unit, first.points) == ("achievement", alice, alice.unit, 25)
    assert first.giver is None
    assert first.message == "Polite service: target met for 2025-03-01 – 2025-03-31"
    assert timezone.localtime(first.created_at).date() == date(2025, 3, 31)  # dated when the period ended
    assert list(PointEntry.objects.values_list("employee", "amount", "measurement")) == [(alice.pk, 25, met.pk)]
    assert points_balance(alice) == 25


def test_the_ledger_refuses_a_second_payment_for_one_measurement(org):
    alice = org["people"]["alice"]
    met = measurement(employee=alice)
    achievement_record(measurement=met)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(employee=alice, amount=25, measurement=met, reason="again")


def test_a_measurement_that_is_not_met_pays_nothing(org):
    assert achievement_record(measurement=measurement(employee=org["people"]["alice"], status="near")) is None
    assert not Recognition.objects.exists()
    assert not PointEntry.objects.exists()


def test_a_met_unit_kpi_credits_the_people_of_the_unit(org):
    p = org["people"]
    celebration = achievement_record(measurement=measurement(level="unit", unit=org["units"]["north_store"]))
    assert (celebration.receiver, celebration.unit, celebration.visibility) == (
        None,
        org["units"]["north_store"],
        "unit",
    )
    credited = {e.user.username: points_balance(e) for e in (p["alice"], p["bob"], p["store_manager"], p["carol"])}
    assert credited == {"alice": 25, "bob": 25, "store.manager": 25, "carol": 0}


def test_a_met_company_kpi_is_celebrated_by_all_without_points(org):
    celebration = achievement_record(measurement=measurement(level="company", unit=org["units"]["company"]))
    assert (celebration.visibility, celebration.points) == ("company", 0)
    assert not PointEntry.objects.exists()


def met_measurements(org, months=(3,)):
    """Met measurements of the three levels for each month of 2025 in `months` (and one that is only near):
    alice's and carol's own KPI, both stores' KPI, the company's KPI."""
    p, u = org["people"], org["units"]
    own = KpiFactory(name="Polite service", level="employee", points=25)
    team = KpiFactory(name="Store NPS", level="unit", points=10)
    company = KpiFactory(name="Company NPS", level="company", points=50, employee_influence=False)
    rows = []
    for month in months:
        dates = {"period_start": date(2025, month, 1), "period_end": date(2025, month, 28)}
        rows += [
            KpiMeasurementFactory(kpi=own, employee=p["alice"], **dates),
            KpiMeasurementFactory(kpi=own, employee=p["carol"], **dates),
            KpiMeasurementFactory(kpi=own, employee=p["bob"], status="near", **dates),
            KpiMeasurementFactory(kpi=team, unit=u["north_store"], **dates),
            KpiMeasurementFactory(kpi=team, unit=u["south_store"], **dates),
            KpiMeasurementFactory(kpi=company, unit=u["company"], **dates),
        ]
    return rows


CELEBRATION = ["source", "giver", "receiver", "unit", "value", "message", "visibility", "points", "answer",
               "measurement", "created_at"]  # fmt: skip
LEDGER_LINE = ["employee", "amount", "reason", "recognition", "measurement", "created_at"]


def awarded():
    """Every celebration and ledger line, as a person would compare them (ids aside)."""
    celebrations = Recognition.objects.order_by("measurement").values_list(*CELEBRATION)
    ledger = PointEntry.objects.order_by("measurement", "employee").values_list(*LEDGER_LINE)
    return list(celebrations), list(ledger)


def fresh(rows):
    """The measurements as a caller that loaded nothing else hands them over."""
    return list(KpiMeasurement.objects.filter(pk__in=[m.pk for m in rows]).order_by("pk"))


def test_the_batch_awards_exactly_what_one_call_per_measurement_does(org):
    p, u = org["people"], org["units"]
    EmployeeFactory(user__username="dave", user__is_active=False, unit=u["north_store"])  # has left: no points
    rows = met_measurements(org, months=(3, 4))
    for row in fresh(rows):
        achievement_record(measurement=row)
    one_by_one = awarded()
    PointEntry.objects.all().delete()
    Recognition.objects.all().delete()

    assert achievements_record(measurements=fresh(rows)) == 10  # 5 met measurements a month, the near one skipped

    assert awarded() == one_by_one
    celebrations, ledger = one_by_one
    march = [c for c in celebrations if c[5].endswith("2025-03-01 – 2025-03-28")]
    assert {c[9]: (c[2], c[3], c[6], c[7]) for c in march} == {  # receiver, unit, who sees it, points
        rows[0].pk: (p["alice"].pk, u["north_store"].pk, "unit", 25),
        rows[1].pk: (p["carol"].pk, u["south_store"].pk, "unit", 25),
        rows[3].pk: (None, u["north_store"].pk, "unit", 10),
        rows[4].pk: (None, u["south_store"].pk, "unit", 10),
        rows[5].pk: (None, u["company"].pk, "company", 0),
    }
    assert {timezone.localtime(c[10]).date() for c in march} == {date(2025, 3, 28)}  # dated when the period ended
    balances = {name: points_balance(p[name]) for name in ("alice", "bob", "carol", "store_manager", "south_manager")}
    # Two months each: alice 2 × (25 own + 10 store), bob and the store manager 2 × 10, carol 2 × (25 + 10).
    assert balances == {"alice": 70, "bob": 20, "carol": 70, "store_manager": 20, "south_manager": 20}
    assert len(ledger) == 2 * (2 + 3 + 2)  # own KPI: alice, carol; north store: 3 active; south store: 2
    assert ("KPI target met: Store NPS, 2025-04-01 – 2025-04-28") in {line[2] for line in ledger}


def test_running_the_batch_again_awards_nothing(org):
    rows = met_measurements(org)
    assert achievements_record(measurements=fresh(rows)) == 5
    first = awarded()

    assert achievements_record(measurements=fresh(rows)) == 0
    assert achievements_record(measurements=fresh(rows) + fresh(rows)) == 0
    assert achievement_record(measurement=fresh(rows)[0]) == Recognition.objects.get(measurement=rows[0])
    assert awarded() == first
    assert points_balance(org["people"]["alice"]) == 35


def test_the_batch_pays_only_what_is_missing_when_some_are_celebrated_already(org):
    rows = met_measurements(org)
    achievement_record(measurement=fresh(rows)[3])  # the north store's celebration, posted one by one earlier
    assert points_balance(org["people"]["bob"]) == 10

    assert achievements_record(measurements=fresh(rows)) == 4
    assert Recognition.objects.count() == 5
    assert points_balance(org["people"]["bob"]) == 10  # not paid twice


def test_the_batch_takes_the_same_queries_for_few_or_many_measurements(org, django_assert_max_num_queries):
    for name in ("erin", "frank", "grace", "heidi"):  # more people in a store, more ledger lines
        EmployeeFactory(user__username=name, unit=org["units"]["north_store"])
    few = fresh(met_measurements(org, months=(1,)))
    many = fresh(met_measurements(org, months=(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)))

    # (the KPIs, the employees, the celebrations already there, the people of the units; the two inserts and the
    # savepoints around them)
    with django_assert_max_num_queries(10):
        assert achievements_record(measurements=few) == 5
    with django_assert_max_num_queries(10):
        assert achievements_record(measurements=many) == 55
    assert PointEntry.objects.count() == 12 * (2 + 7 + 2)


@pytest.mark.django_db(transaction=True)
def test_two_computations_at_once_celebrate_each_measurement_once(org):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL; SQLite serialises writers")
    rows = met_measurements(org)
    first_posted = threading.Event()
    posted: dict[str, int] = {}

    def first() -> None:  # posts three of the five and keeps its transaction open a moment
        try:
            with transaction.atomic():
                posted["first"] = achievements_record(measurements=fresh(rows[:4]))
                first_posted.set()
                threading.Event().wait(0.5)
        finally:
            connection.close()

    def second() -> None:  # all of them: meets the first one's rows on the unique constraint, posts the rest
        try:
            first_posted.wait(10)
            posted["second"] = achievements_record(measurements=fresh(rows))
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert posted == {"first": 3, "second": 2}  # rows[2] is only near; the second posts the south store and company
    assert sorted(Recognition.objects.values_list("measurement", flat=True)) == sorted(
        m.pk for m in rows if m.status == "met"
    )
    p = org["people"]
    assert (points_balance(p["alice"]), points_balance(p["bob"]), points_balance(p["south_manager"])) == (35, 10, 10)


# --- customer praise --------------------------------------------------------------------------------------------


@pytest.fixture
def store_visit(db):
    survey = SurveyFactory(public_id="store-visit", kind=Survey.Kind.TRANSACTIONAL, anonymous=False)
    return survey, {
        "nps": QuestionFactory(survey=survey, code="nps", type=QT.NPS),
        "csat": QuestionFactory(survey=survey, code="csat", type=QT.CSAT),
        "comment": QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False),
    }


def comment_on(survey_and_questions, *, employee, text, nps=None, csat=None, days_ago=1, unit=None):
    """A response served by `employee` with the given scores and comment; returns the comment's answer."""
    survey, q = survey_and_questions
    response = Response.objects.create(
        survey=survey, unit=unit or employee.unit, employee=employee, language="ru", source="invitation",
        submitted_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    for code, number in (("nps", nps), ("csat", csat)):
        if number is not None:
            Answer.objects.create(response=response, question=q[code], question_type=q[code].type, number=number)
    return Answer.objects.create(response=response, question=q["comment"], question_type=QT.LONG_TEXT, text=text)


@pytest.fixture
def named_people(org):
    for key, first in (("alice", "Алиса"), ("bob", "Борис"), ("carol", "Мария")):
        user = org["people"][key].user
        user.first_name = first
        user.save()
    return org["people"]


def suggested(unit):
    return [(s.comment, s.employee.user.username, s.named) for s in recognition_suggestions(unit)]


def test_praising_comments_become_suggestions_for_the_person_they_praise(org, named_people, store_visit):
    p = named_people
    comment_on(store_visit, employee=p["bob"], nps=10, text="Алиса помогла подобрать шторы, очень внимательная!")
    comment_on(
        store_visit, employee=p["bob"], csat=5, days_ago=2, text="Борис на кассе — молодец, быстро оформил возврат."
    )
    comment_on(
        store_visit, employee=p["alice"], nps=8, days_ago=3, text="Спасибо Алисе за терпение."
    )  # declined name, neutral
    comment_on(store_visit, employee=p["alice"], nps=10, text="Friendly staff and a tidy store.")
    comment_on(store_visit, employee=p["alice"], nps=2, text="Алиса нагрубила мне.")  # names her, but unhappy
    comment_on(store_visit, employee=p["bob"], nps=10, csat=1, text="Nobody knew when the wardrobe is back.")  # mixed
    comment_on(store_visit, employee=p["bob"], nps=8, text="Fine overall, clearer signs please.")  # neither
    comment_on(store_visit, employee=p["alice"], nps=10, days_ago=40, text="Алиса — лучшая! (давно)")  # too old
    comment_on(store_visit, employee=p["carol"], nps=10, text="Мария всё объяснила.")  # another region

    assert suggested(org["units"]["north_store"]) == [
        ("Алиса помогла подобрать шторы, очень внимательная!", "alice", True),
        ("Борис на кассе — молодец, быстро оформил возврат.", "bob", True),
        ("Спасибо Алисе за терпение.", "alice", True),
        ("Friendly staff and a tidy store.", "alice", False),
    ]
    assert suggested(org["units"]["south_store"]) == [("Мария всё объяснила.", "carol", True)]
    assert len(suggested(org["units"]["company"])) == 5


def test_anonymous_surveys_and_the_pulse_are_never_suggested(org, named_people):
    for kind, anonymous in ((Survey.Kind.TRANSACTIONAL, True), (Survey.Kind.EMPLOYEE_PULSE, True)):
        survey = SurveyFactory(kind=kind, anonymous=anonymous)
        questions = {
            "nps": QuestionFactory(survey=survey, code="nps", type=QT.NPS),
            "csat": QuestionFactory(survey=survey, code="csat", type=QT.CSAT),
            "comment": QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT),
        }
        comment_on((survey, questions), employee=named_people["alice"], nps=10, text="Алиса помогла!")
    assert suggested(org["units"]["north_store"]) == []


def test_one_click_sends_a_suggestion_once(org, named_people, store_visit):
    p = named_people
    care = CompanyValueFactory(code="care", name_en="Customer care")
    answer = comment_on(store_visit, employee=p["bob"], nps=10, text="Алиса помогла подобрать шторы!")

    recognition = recognition_from_suggestion(manager=p["store_manager"], answer_id=answer.pk)

    assert (recognition.source, recognition.giver, recognition.receiver) == ("customer", p["store_manager"], p["alice"])
    assert (recognition.value, recognition.visibility, recognition.points) == (care, "unit", 10)
    assert recognition.message == "Алиса помогла подобрать шторы!"
    assert points_balance(p["alice"]) == 10
    assert allowance_left(p["store_manager"]) == 40  # the praise's points come out of the manager's allowance
    assert suggested(org["units"]["north_store"]) == []  # already sent: no longer suggested
    with pytest.raises(ValidationError):
        recognition_from_suggestion(manager=p["north_manager"], answer_id=answer.pk)
    assert Recognition.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Recognition.objects.create(
            source="customer", giver=p["north_manager"], receiver=p["alice"], unit=p["alice"].unit, value=care,
            message="again", answer=answer,
        )  # fmt: skip


@pytest.mark.parametrize("who", ["bob", "south_manager"])
def test_only_the_employees_managers_pass_praise_on(org, named_people, store_visit, who):
    CompanyValueFactory(code="care")
    answer = comment_on(store_visit, employee=named_people["bob"], nps=10, text="Алиса помогла!")
    with pytest.raises(ValidationError):
        recognition_from_suggestion(manager=named_people[who], answer_id=answer.pk)
    assert not Recognition.objects.exists()


def test_a_complaint_is_never_offered_as_praise(org, named_people, store_visit):
    p = named_people
    ivan = p["bob"].user
    ivan.first_name = "Иван"
    ivan.save()
    complaint = "Диван привезли с царапиной, сборщик опоздал на три часа"
    comment_on(store_visit, employee=p["bob"], nps=9, text=complaint)  # a happy score, an unhappy comment
    comment_on(store_visit, employee=p["bob"], nps=8, text="Иван опоздал, но извинился.")  # named, a complaint
    comment_on(store_visit, employee=p["alice"], text="Иван на месте.")  # named, no score, no praise
    comment_on(store_visit, employee=p["alice"], csat=3, text="Иван, СПАСИБО за помощь!")  # named, thanked
    assert suggested(org["units"]["north_store"]) == [("Иван, СПАСИБО за помощь!", "bob", True)]


def test_the_same_praise_is_suggested_and_passed_on_once(org, named_people, store_visit):
    p = named_people
    praise = "Алиса помогла подобрать шторы!"
    first = comment_on(store_visit, employee=p["bob"], nps=10, text=praise, days_ago=1)
    for days_ago in (2, 3):
        comment_on(store_visit, employee=p["bob"], nps=10, text=praise, days_ago=days_ago)
    comment_on(store_visit, employee=p["alice"], nps=10, text="Всё понравилось", days_ago=4)
    assert suggested(org["units"]["north_store"]) == [(praise, "alice", True), ("Всё понравилось", "alice", False)]
    CompanyValueFactory(code="care", name_en="Customer care")
    recognition_from_suggestion(manager=p["store_manager"], answer_id=first.pk)
    assert suggested(org["units"]["north_store"]) == [("Всё понравилось", "alice", False)]
    assert Recognition.objects.filter(message=praise).count() == 1
