"""Home pages: each role lands on its numbers, and those numbers are the results pages' and the queue's own, for the
same span and scope; pulse answers never show individually; the query count does not grow with the data."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, FollowUp, Question, Response, Survey
from surveys.services.rollups import rollup_add
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


def answer(survey, unit, scores: dict, *, days_ago: int, comment: str = "", customer=None) -> Response:
    response = Response.objects.create(
        survey=survey, unit=unit, customer=customer, language="en", source="api",
        submitted_at=timezone.now() - timedelta(days=days_ago, hours=1),
    )  # fmt: skip
    rows = [Answer(response=response, question=q, question_type=q.type, number=v) for q, v in scores.items()]
    if comment:
        text = survey.questions.get(type=QT.LONG_TEXT)
        rows.append(Answer(response=response, question=text, question_type=text.type, text=comment))
    rollup_add(response=response, answers=Answer.objects.bulk_create(rows))
    return response


@pytest.fixture
def program(org):
    """NPS, CSAT and CES surveys answered in both stores, this quarter and the one before; an anonymous pulse."""
    north, south = org["units"]["north_store"], org["units"]["south_store"]
    surveys = {}
    for public_id, kind in (("visit", QT.NPS), ("delivery", QT.CSAT), ("support", QT.CES)):
        survey = SurveyFactory(public_id=public_id, name=f"Survey {public_id}")
        main = QuestionFactory(survey=survey, code="main", type=kind, order=1)
        QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False, order=2)
        surveys[public_id] = (survey, main)
    visit, nps = surveys["visit"]
    for i in range(40):
        answer(visit, north, {nps: [10, 9, 8, 3][i % 4]}, days_ago=2 + i)
        answer(visit, south, {nps: [10, 2][i % 2]}, days_ago=3 + i)
        answer(visit, north, {nps: [10, 6][i % 2]}, days_ago=95 + i)
    delivery, csat = surveys["delivery"]
    for i in range(35):
        answer(delivery, north, {csat: [5, 4, 2][i % 3]}, days_ago=5 + i)
    support, ces = surveys["support"]
    for i in range(12):  # too few: "not enough data"
        answer(support, south, {ces: 6}, days_ago=4 + i)
    answer(
        visit, north, {nps: 1}, days_ago=0, comment="Queue at the till was endless", customer=org["customers"]["north"]
    )
    answer(visit, south, {nps: 2}, days_ago=0, comment="South store lost my order")
    pulse = SurveyFactory(public_id="pulse", kind=Survey.Kind.EMPLOYEE_PULSE, anonymous=True, name="Pulse")
    enps = QuestionFactory(survey=pulse, code="enps", type=QT.NPS, order=1)
    QuestionFactory(survey=pulse, code="comment", type=QT.LONG_TEXT, required=False, order=2)
    for i in range(35):
        answer(pulse, north, {enps: 3}, days_ago=1 + i, comment=f"My manager ignores me {i}" if i == 0 else "")
    return surveys


def headline(client, public_id: str, query: str):
    page = client.get(f"{reverse('results-detail', args=[public_id])}?{query}")
    assert page.status_code == 200
    return page.context["results"].main.headline


@pytest.mark.parametrize("who", ["lead", "store_manager", "north_manager", "south_manager"])
def test_each_score_on_the_home_page_is_the_results_page_figure(client, org, program, who):
    client.force_login(org["people"][who].user)
    home = client.get("/")
    assert home.status_code == 200
    tiles = {tile.survey.public_id: tile for tile in home.context["tiles"]}
    assert sorted(tiles) == ["delivery", "support", "visit"]  # the employee pulse is not a customer score
    for public_id, tile in tiles.items():
        figure = headline(client, public_id, tile.results_query)
        assert (tile.current.value, tile.current.n, tile.current.low, tile.current.high) == (
            figure.value, figure.n, figure.low, figure.high,
        )  # fmt: skip
        assert f"{reverse('results-detail', args=[public_id])}?{tile.results_query}".replace("&", "&amp;") in (
            home.content.decode()
        )


def test_lead_sees_the_whole_program_and_a_manager_only_the_subtree(client, org, program):
    client.force_login(org["people"]["lead"].user)
    visit = {t.survey.public_id: t for t in client.get("/").context["tiles"]}["visit"]
    # 40 north + 40 south in the last 90 days, plus today's two detractors: 10·20 + 9·10 ... counted by hand
    assert visit.current.n == 82
    promoters, detractors = 10 + 10 + 20, 10 + 20 + 2
    assert round(visit.current.value, 6) == round(100 * (promoters - detractors) / 82, 6)
    assert visit.previous.n == 40 and round(visit.previous.value) == 0  # 20 promoters, 20 detractors before
    assert round(visit.change, 6) == round(visit.current.value, 6)
    client.force_login(org["people"]["store_manager"].user)
    tiles = {t.survey.public_id: t for t in client.get("/").context["tiles"]}
    assert tiles["visit"].current.n == 41  # north only
    assert tiles["support"].current.n == 0 and not tiles["support"].current.enough
    client.force_login(org["people"]["lead"].user)
    support = {t.survey.public_id: t for t in client.get("/").context["tiles"]}["support"]
    assert (support.current.n, support.current.value) == (12, None)
    assert "Not enough data" in client.get("/").content.decode()


def test_newest_comments_stay_in_scope_and_never_show_pulse_answers(client, org, program):
    client.force_login(org["people"]["store_manager"].user)
    page = client.get("/").content.decode()
    assert "Queue at the till was endless" in page
    assert reverse("customer-timeline", args=[org["customers"]["north"].pk]) in page
    assert "South store lost my order" not in page
    assert "My manager ignores me" not in page
    client.force_login(org["people"]["lead"].user)
    page = client.get("/").content.decode()
    assert "South store lost my order" in page and "Queue at the till was endless" in page
    assert "My manager ignores me" not in page


def test_an_anonymous_customer_comment_is_never_among_the_newest_even_when_it_is_the_newest(client, org, program):
    """An anonymous customer survey's comment, written after every other, in the manager's own store: neither the
    manager nor the CX lead reads it on the home page (it shows only as a group on its results page)."""
    secret = SurveyFactory(public_id="secret", anonymous=True, name="Anonymous feedback")
    score = QuestionFactory(survey=secret, code="nps", type=QT.NPS, order=1)
    QuestionFactory(survey=secret, code="comment", type=QT.LONG_TEXT, required=False, order=2)
    response = answer(secret, org["units"]["north_store"], {score: 0}, days_ago=0, comment="Only my boss knows this")
    Response.objects.filter(pk=response.pk).update(anonymous=True, submitted_at=timezone.now())
    for who in ("store_manager", "lead"):
        client.force_login(org["people"][who].user)
        page = client.get("/").content.decode()
        assert "Only my boss knows this" not in page
        assert "Queue at the till was endless" in page  # the newest named comment still shows


def test_loop_health_and_cases_due_today_are_the_queues(client, org, program):
    now = timezone.now()
    north, south = org["units"]["north_store"], org["units"]["south_store"]
    visit, nps = program["visit"]
    manager = org["people"]["store_manager"]

    def case(unit, owner, due, **extra):
        response = answer(visit, unit, {nps: 0}, days_ago=1)
        return FollowUp.objects.create(
            response=response, unit=unit, owner=owner, reason_codes=[["nps", 0]], due_at=due, **extra
        )

    overdue = case(north, manager, now - timedelta(hours=3))
    later = case(north, manager, now + timedelta(days=3))
    case(north, manager, now - timedelta(days=2), status="contacted", first_contact_at=now - timedelta(days=3))
    case(south, org["people"]["south_manager"], now - timedelta(hours=1))
    client.force_login(manager.user)
    home = client.get("/")
    queue = client.get(reverse("followup-list"))
    for name in ("open", "overdue", "cases"):
        assert getattr(home.context["metrics"], name) == getattr(queue.context["metrics"], name)
    assert (home.context["metrics"].open, home.context["metrics"].overdue) == (3, 1)
    assert home.context["metrics"].contacted_in_time == queue.context["metrics"].contacted_in_time
    due = [c.pk for c in home.context["due"]]
    assert overdue.pk in due and later.pk not in due
    assert home.context["due_count"] == len(due)


def test_frontline_lands_on_my_page_and_a_stranger_gets_an_explanation(client, org, django_user_model):
    client.force_login(org["people"]["alice"].user)
    assert client.get("/").url == reverse("me")
    client.force_login(django_user_model.objects.create_user("nobody", password="pw-nobody-123"))
    assert client.get("/").status_code == 403


@pytest.mark.parametrize("who", ["lead", "store_manager"])
def test_home_query_count_does_not_grow_with_the_data(client, org, program, who):
    client.force_login(org["people"][who].user)
    with CaptureQueriesContext(connection) as before:
        assert client.get("/").status_code == 200
    visit, nps = program["visit"]
    for i in range(30):
        response = answer(visit, org["units"]["north_store"], {nps: 1}, days_ago=i % 80, comment=f"More {i}")
        FollowUp.objects.create(
            response=response, unit=response.unit, owner=org["people"]["store_manager"], reason_codes=[["nps", 1]],
            due_at=timezone.now() - timedelta(hours=i),
        )  # fmt: skip
    with CaptureQueriesContext(connection) as after:
        assert client.get("/").status_code == 200
    assert len(after) == len(before)
    # the manager: one more for their units' ids, read once (a list the indexes can narrow to)
    assert len(after) <= {"lead": 18, "store_manager": 17}[who]


def test_fix_first_waits_for_the_importance_and_then_ranks_by_it(
    client, org, program, monkeypatch, django_capture_on_commit_callbacks, settings
):
    """While a journey's importance is being computed the home page says so, and does not claim that nothing needs
    fixing; once stored, the touchpoint below its target shows with its r and the figure's time."""
    from journeys import tasks
    from journeys.models import ImportanceRun, Journey
    from journeys.services.importance import importance_compute
    from tests.cxprogram.factories import CustomerFactory
    from tests.journeys.factories import JourneyFactory, StageFactory, TouchpointFactory, measured_by

    visit, nps = program["visit"]
    delivery, csat = program["delivery"]
    journey = JourneyFactory(name="Get my sofa", state=Journey.State.CURRENT, outcome_question=nps)
    measured_by(TouchpointFactory(stage=StageFactory(journey=journey), name="Couriers", target=90), csat)
    for x, y in [(1, 2), (2, 4), (4, 8), (5, 10), (1, 3)]:
        customer = CustomerFactory()
        answer(delivery, org["units"]["north_store"], {csat: x}, days_ago=1, customer=customer)
        answer(visit, org["units"]["north_store"], {nps: y}, days_ago=1, customer=customer)
    settings.RESULTS_MIN_SAMPLE = 5
    queued = []
    monkeypatch.setattr(tasks.compute_importance, "delay", queued.append)
    client.force_login(org["people"]["lead"].user)
    with django_capture_on_commit_callbacks(execute=True):
        html = client.get("/").content.decode()
    assert "Importance to customers' NPS is being computed for: Get my sofa." in html
    assert "is below its target" not in html and len(queued) == 1
    importance_compute(run_id=queued[0])
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    run = ImportanceRun.objects.get()
    assert run.figures.get().pairs == 5 and round(run.figures.get().r, 2) == 0.99
    assert ">Couriers</a>" in html and "r = 0,99" in html
    moment = timezone.localtime(run.computed_at).strftime("%d.%m.%Y %H:%M")
    assert f"Связь с общим NPS — по данным на {moment}" in html


def test_fix_first_across_journeys_is_each_maps_own_in_the_same_queries(org, program, settings):
    """The touchpoints to fix first across journeys are the ones each journey's map lists (below target and a moment
    of truth), most important first; a met target or a weak link never shows; a third journey costs no query."""
    from journeys.models import Journey
    from journeys.selectors.importance import importance_key
    from journeys.selectors.maps import journey_map, journey_touchpoints
    from journeys.services.importance import importance_compute, importance_request
    from kpis.selectors.home import HOME_DAYS, fix_first
    from surveys.selectors.metrics import Slice
    from tests.cxprogram.factories import CustomerFactory
    from tests.journeys.factories import JourneyFactory, StageFactory, TouchpointFactory, measured_by

    visit, nps = program["visit"]
    delivery, csat = program["delivery"]
    support, ces = program["support"]
    north = org["units"]["north_store"]
    for x, e, y in [(1, 6, 2), (2, 5, 4), (4, 2, 8), (5, 1, 10), (1, 6, 3), (2, 4, 5)]:
        customer = CustomerFactory()
        answer(delivery, north, {csat: x}, days_ago=1, customer=customer)
        answer(support, north, {ces: e}, days_ago=1, customer=customer)
        answer(visit, north, {nps: y}, days_ago=1, customer=customer)
    settings.RESULTS_MIN_SAMPLE = 5
    today = timezone.localdate()
    window = Slice(date_from=today - timedelta(days=HOME_DAYS - 1), date_to=today)

    def journey(name, *touchpoints):
        made = JourneyFactory(name=name, state=Journey.State.CURRENT, outcome_question=nps)
        stage = StageFactory(journey=made)
        for tp_name, question, target in touchpoints:
            measured_by(TouchpointFactory(stage=stage, name=tp_name, target=target), question)
        return made

    def compute_all():
        for made in Journey.objects.all():
            key = importance_key(made, journey_touchpoints(made)[1], window, None)
            importance_request(key=key)
            importance_compute(run_id=made.importance_runs.get().pk)

    sofa = journey("Get my sofa", ("Couriers", csat, 90), ("Hotline", ces, 1.5))
    compute_all()
    with CaptureQueriesContext(connection) as one:
        alone = fix_first(units=None, today=today)
    journey("Return it", ("Refund desk", csat, 10))  # met: 67% satisfied against 10
    journey("Ask us", ("Chat", ces, 3))  # below: CES 4.0 against at most 3
    compute_all()
    with CaptureQueriesContext(connection) as three:
        urgent = fix_first(units=None, today=today)
    assert len(three) == len(one) == 7  # journeys, touchpoints, measures, runs, figures, anonymous kinds, counts
    listed = [(journey.name, card.touchpoint.name) for journey, card in urgent.cards]
    assert [c.touchpoint.name for _j, c in alone.cards] == ["Hotline", "Couriers"]  # effort tracks NPS closer
    maps = [journey_map(journey=j, slice_=window, previous=None) for j in Journey.objects.order_by("pk")]
    from_maps = sorted(((m.journey.name, c) for m in maps for c in m.fix_first), key=lambda pair: -pair[1].importance.r)
    assert listed == [(name, card.touchpoint.name) for name, card in from_maps]
    assert {name for name, _tp in listed} == {sofa.name, "Ask us"}
    assert [card.importance.r for _j, card in urgent.cards] == [card.importance.r for _n, card in from_maps]
