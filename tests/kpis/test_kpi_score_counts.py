"""KPI figures from the KPI score counts (surveys.models.KpiScoreCount) equal the raw answers' for every survey
metric, level and period, after submissions, deletions, moves, an erasure, deleted people and a rebuild; what staff
typed in and anonymous answers are never counted, integration accounts' answers are."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kpis.models import Kpi
from kpis.services.measurements import kpi_figures
from surveys.links import ResponseContext
from surveys.models import KpiScoreCount, Question, Response
from surveys.services import responses as submission
from surveys.services.privacy import customer_erase
from surveys.services.responses import response_submit
from surveys.services.rollups import responses_delete, responses_move
from surveys.services.rollups_rebuild import rollups_rebuild
from tests.cxprogram.factories import CustomerFactory, UnitFactory
from tests.kpis.factories import KpiFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
JAN, MAR = date(2026, 1, 1), date(2026, 3, 31)
METRICS = {"nps": ("nps", "calm"), "csat": ("csat",), "ces": ("ces",), "mean": ("rating", "nps", "csat"),
           "yes_share": ("polite",)}  # fmt: skip
KEY = ("month", "survey_id", "unit_id", "employee_id", "question_id", "number", "n")


class Clock:
    """django.utils.timezone with `now()` set: submissions through the real service on a chosen day."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def __getattr__(self, name):
        return getattr(timezone, name)


def submit(monkeypatch, survey, questions, scores, *, day, hour=12, source="invitation", entered_by=None, **context):
    moment = timezone.make_aware(datetime.combine(day, time(hour)))
    monkeypatch.setattr(submission, "timezone", Clock(moment))
    answers = {questions[code].pk: value for code, value in scores.items()}
    customer = context.pop("customer", None)
    return response_submit(
        survey=survey, questions=list(questions.values()), answers=answers, language="en", source=source,
        customer=customer, context=ResponseContext(**context), entered_by=entered_by,
    )  # fmt: skip


@pytest.fixture
def program(org, monkeypatch):
    """Store visits over January–March 2026 about alice, bob, carol, a kiosk's integration account and nobody, in
    two stores, a third store and no store; a fifth of them typed in by the store manager (all 10s, about
    themselves or alice), and an anonymous survey's calm-down NPS (all 0s) in the north store."""
    people, units = org["people"], org["units"]
    kiosk = people["north_manager"]
    kiosk.integration = True
    kiosk.save()
    extra = UnitFactory(kind="store", parent=units["south"])
    visit = SurveyFactory(public_id="visit")
    q = {
        "nps": QuestionFactory(survey=visit, code="nps", type=QT.NPS, order=1),
        "csat": QuestionFactory(survey=visit, code="csat", type=QT.CSAT, order=2),
        "ces": QuestionFactory(survey=visit, code="ces", type=QT.CES, order=3),
        "rating": QuestionFactory(survey=visit, code="rating", type=QT.RATING, order=4, scale_min=0, scale_max=10),
        "polite": QuestionFactory(survey=visit, code="polite", type=QT.YES_NO, order=5, required=False),
    }
    pulse = SurveyFactory(public_id="calm", anonymous=True)
    calm = {"calm": QuestionFactory(survey=pulse, code="calm", type=QT.NPS)}
    customers = [CustomerFactory(), CustomerFactory()]
    servers = [people["alice"], people["bob"], people["carol"], kiosk, None]
    manager = people["store_manager"]
    for i in range(150):
        employee = servers[i % 5]
        unit = employee.unit if employee else (units["north_store"], extra, None)[i % 3]
        day = JAN + timedelta(days=(i * 7) % 90)
        scores = {"nps": (i * 3) % 11, "csat": 1 + i % 5, "ces": 1 + (i * 2) % 7, "rating": (i * 5) % 11}
        if i % 4:
            scores["polite"] = i % 3 % 2
        submit(monkeypatch, visit, q, scores, day=day, hour=(0, 12, 23)[i % 3], unit=unit, employee=employee,
               customer=customers[i % 2], source="api" if employee == kiosk else "invitation",
               entered_by=kiosk.user if employee == kiosk else None)  # fmt: skip
        if i % 5 == 0:  # typed in by the manager: counts toward nobody's KPIs
            about = manager if i % 2 else people["alice"]
            submit(monkeypatch, visit, q, dict.fromkeys(q, 10) | {"polite": 1, "ces": 1, "csat": 5}, day=day,
                   unit=manager.unit, employee=about, source="staff", entered_by=manager.user)  # fmt: skip
        if i % 6 == 0:
            submit(monkeypatch, pulse, calm, {"calm": 0}, day=day, unit=units["north_store"])
    return {"visit": visit, "pulse": pulse, "q": q | calm, "extra": extra, "customers": customers, "org": org}


def kpis(program) -> list[Kpi]:
    q = program["q"]
    return [
        KpiFactory(metric=metric, level=level, period=period, min_sample=3, questions=[q[c] for c in codes])
        for metric, codes in METRICS.items()
        for level in ("employee", "unit", "company")
        for period in ("month", "quarter", "week")
    ]


def assert_counts_equal_raw(program) -> int:
    """Every survey KPI's figures from the counts equal the raw answers', exactly; returns the figures compared."""
    compared = 0
    now = timezone.now()
    for kpi in kpis(program):
        for start, end in ((JAN, MAR), (date(2026, 2, 1), date(2026, 2, 28))):
            if kpi.period == "quarter" and start.month == 2:
                continue
            if kpi.period == "week":
                start, end = start - timedelta(days=start.weekday()), end + timedelta(days=6 - end.weekday())
            counted = kpi_figures(kpi=kpi, start=start, end=end, now=now)
            raw = kpi_figures(kpi=kpi, start=start, end=end, now=now, use_rollups=False)
            assert counted == raw, (kpi.metric, kpi.level, kpi.period, start)
            compared += len(raw)
    return compared


def test_every_survey_metric_level_and_period_equals_the_raw_answers(program):
    assert assert_counts_equal_raw(program) > 400
    org = program["org"]
    alice, manager = org["people"]["alice"], org["people"]["store_manager"]
    nps = KpiFactory(metric="nps", level="employee", period="month", min_sample=1, questions=[program["q"]["nps"]])
    figures = kpi_figures(kpi=nps, start=JAN, end=MAR, now=timezone.now())
    # alice served i = 0, 5, …, 145: 30 visits, 11 in January (days 0, 35, 70 … of a 7-day stride mod 90)
    january = Response.objects.filter(employee=alice, source="invitation", submitted_at__lt=datetime(2026, 2, 1,
                                      tzinfo=timezone.get_current_timezone()))  # fmt: skip
    assert figures[(JAN, None, alice.pk)].n == january.count() > 0
    assert not any(key[2] == manager.pk for key in figures)  # only their own typing names them: nothing
    company = KpiFactory(metric="nps", level="company", period="quarter", questions=[program["q"]["nps"]])
    whole = kpi_figures(kpi=company, start=JAN, end=MAR, now=timezone.now())
    assert [f.n for f in whole.values()] == [150]  # the 30 typed-in visits are not among them


def test_covered_kpis_read_the_counts_and_never_the_answers(program):
    for kpi in kpis(program):
        with CaptureQueriesContext(connection) as captured:
            kpi_figures(kpi=kpi, start=JAN, end=MAR, now=timezone.now())
        read = " ".join(q["sql"] for q in captured.captured_queries)
        if kpi.period == "week":
            assert "surveys_answer" in read  # days are not counted: a week reads the answers
            continue
        assert "surveys_kpiscorecount" in read and "surveys_answer" not in read, (kpi.metric, kpi.level)


def test_staff_entries_and_anonymous_answers_are_never_counted(program):
    org = program["org"]
    manager, alice = org["people"]["store_manager"], org["people"]["alice"]
    typed = Response.objects.filter(source="staff")
    assert typed.count() == 30 and set(typed.values_list("employee", flat=True)) == {manager.pk, alice.pk}
    assert not KpiScoreCount.objects.filter(employee_id=manager.pk).exists()
    assert not KpiScoreCount.objects.filter(survey=program["pulse"]).exists()
    counted = sum(KpiScoreCount.objects.values_list("n", flat=True))
    scored = 150 * 4 + sum(1 for i in range(150) if i % 4)  # four scores a visit, polite on three visits in four
    assert counted == scored
    kiosk = org["people"]["north_manager"]  # an integration account: its answers count (for its store)
    assert KpiScoreCount.objects.filter(employee_id=kiosk.pk).exists()


def test_after_deletions_moves_an_erasure_deleted_people_and_a_rebuild(program):
    org = program["org"]
    visit, units = program["visit"], org["units"]
    deleted = responses_delete(responses=Response.objects.filter(survey=visit, employee=org["people"]["bob"],
                                                                 submitted_at__lt=timezone.make_aware(
                                                                     datetime(2026, 2, 10))))  # fmt: skip
    assert deleted > 0
    assert_counts_equal_raw(program)
    moved = responses_move(responses=Response.objects.filter(survey=visit, unit=units["north_store"])[:7],
                           unit_id=units["south_store"].pk)  # fmt: skip
    assert moved == 7
    assert_counts_equal_raw(program)
    customer_erase(customer=program["customers"][0], actor=None)
    assert_counts_equal_raw(program)
    before = sorted(KpiScoreCount.objects.filter(n__gt=0).values_list(*KEY))
    KpiScoreCount.objects.filter(number=10).update(n=999)  # damage
    KpiScoreCount.objects.filter(number=0).delete()
    rollups_rebuild()
    assert sorted(KpiScoreCount.objects.values_list(*KEY)) == before
    assert_counts_equal_raw(program)
    carol = org["people"]["carol"]
    carol.delete()  # her responses stay, naming nobody
    program["extra"].delete()  # the third store's responses stay, in no unit
    assert_counts_equal_raw(program)
    rollups_rebuild(survey=visit)  # the recount files them under nobody and no unit
    assert not KpiScoreCount.objects.filter(employee_id=carol.pk).exists()
    assert not KpiScoreCount.objects.filter(n__lt=0).exists()
    assert not KpiScoreCount.objects.filter(unit_id__lt=0).exists()  # no rows of all units: a unit KPI adds them up
    assert_counts_equal_raw(program)


def test_a_staff_typed_response_moves_no_figure(org, monkeypatch):
    """The manager typing in forty promoters about themselves and alice leaves every KPI figure as it was."""
    survey = SurveyFactory(public_id="visit")
    q = {"nps": QuestionFactory(survey=survey, code="nps", type=QT.NPS)}
    alice, manager = org["people"]["alice"], org["people"]["store_manager"]
    for score in (0, 3, 9):
        submit(monkeypatch, survey, q, {"nps": score}, day=date(2026, 2, 3), unit=alice.unit, employee=alice)
    levels = [KpiFactory(metric="nps", level=level, min_sample=1, questions=[q["nps"]]) for level in
              ("employee", "unit", "company")]  # fmt: skip
    before = [kpi_figures(kpi=k, start=JAN, end=MAR, now=timezone.now()) for k in levels]
    for i in range(40):
        submit(monkeypatch, survey, q, {"nps": 10}, day=date(2026, 2, 4), unit=manager.unit,
               employee=(manager, alice)[i % 2], source="staff", entered_by=manager.user)  # fmt: skip
    assert [kpi_figures(kpi=k, start=JAN, end=MAR, now=timezone.now()) for k in levels] == before
    assert round(before[0][(date(2026, 2, 1), None, alice.pk)].value, 2) == -33.33  # 1 promoter, 2 detractors of 3
    assert sum(KpiScoreCount.objects.values_list("n", flat=True)) == 3
