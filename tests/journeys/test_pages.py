"""Journey pages: who may see them, what the map shows, fixed query counts, the customer timeline, escaping."""

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.models import Improvement
from surveys.models import Question
from tests.cxprogram.factories import CustomerFactory
from tests.journeys.factories import JourneyFactory, StageFactory, TouchpointFactory, measured_by, respond
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
XSS = '<script>alert("x")</script>'


@pytest.fixture(autouse=True)
def _small_samples(settings):
    settings.RESULTS_MIN_SAMPLE = 2


@pytest.fixture
def mapped(org):
    survey = SurveyFactory(name="Delivery")
    csat = QuestionFactory(survey=survey, type=QT.CSAT, code="csat")
    comment = QuestionFactory(survey=survey, type=QT.LONG_TEXT, code="comment", required=False)
    journey = JourneyFactory(name="Get my order delivered")
    stage = StageFactory(journey=journey, order=1, name="Receive")
    courier = measured_by(TouchpointFactory(stage=stage, code="courier", name="Courier", target=50), csat)
    StageFactory(journey=journey, order=2, name="Assemble")
    Improvement.objects.create(touchpoint=courier, description=f"Call ahead {XSS}", customer_value=5, effort=1)
    people, units, customers = org["people"], org["units"], org["customers"]
    north = {"unit": units["north_store"], "employee": people["alice"], "customer": customers["north"]}
    respond({csat: 5, comment: f"Quick {XSS}"}, **north)
    respond({csat: 4}, **north)
    respond({csat: 1, comment: "Late and rude"}, unit=units["south_store"], employee=people["carol"],
            customer=customers["south"])  # fmt: skip
    return {"journey": journey, "courier": courier, "csat": csat, "comment": comment, **org}


def map_url(mapped):
    return reverse("journey-detail", args=[mapped["journey"].pk])


@pytest.mark.parametrize(
    ("who", "status", "n", "value"),
    [("lead", 200, 3, "67%"), ("north_manager", 200, 2, "100%"), ("south_manager", 200, 1, None),
     ("alice", 404, None, None), (None, 302, None, None)],
)  # fmt: skip
def test_the_map_is_for_leads_and_managers_with_scores_of_their_units(client, mapped, who, status, n, value):
    if who:
        client.force_login(mapped["people"][who].user)
    response = client.get(map_url(mapped))
    assert response.status_code == status
    if status != 200:
        return
    card = response.context["map"].columns[0].cards[0]
    assert card.score.figure.n == n
    html = response.content.decode()
    assert ">Courier</a>" in html and "Assemble" in html
    if value:
        assert f'<span class="figure-value">{value}</span>' in html
    else:
        assert "Not enough data" in html


def test_the_map_shows_status_against_target_and_its_query_count_does_not_grow(
    client, mapped, django_assert_max_num_queries
):
    client.force_login(mapped["people"]["lead"].user)
    with django_assert_max_num_queries(12):
        html = client.get(map_url(mapped)).content.decode()
    assert "On target (50)" in html and "status-met" in html
    for _ in range(20):
        respond({mapped["csat"]: 2}, unit=mapped["units"]["north_store"], customer=CustomerFactory())
    with django_assert_max_num_queries(12):
        html = client.get(map_url(mapped)).content.decode()
    assert "Below target (50)" in html and "status-below" in html


def test_a_bad_filter_is_a_400_with_the_reason(client, mapped):
    client.force_login(mapped["people"]["lead"].user)
    response = client.get(map_url(mapped), {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert client.get(map_url(mapped), {"date_from": "yesterday"}).status_code == 400


def test_touchpoint_page_shows_comments_behind_the_score_escaped(client, mapped):
    client.force_login(mapped["people"]["north_manager"].user)
    url = reverse("touchpoint-detail", args=[mapped["journey"].pk, mapped["courier"].pk])
    html = client.get(url).content.decode()
    assert "Quick &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "Call ahead &lt;script&gt;" in html
    assert XSS not in html
    assert "Late and rude" not in html  # the south store is outside this manager's units
    other = JourneyFactory()
    assert client.get(reverse("touchpoint-detail", args=[other.pk, mapped["courier"].pk])).status_code == 404


def test_priorities_rank_value_per_effort(client, mapped):
    Improvement.objects.create(touchpoint=mapped["courier"], description="Rebuild the app", customer_value=4, effort=5)
    Improvement.objects.create(touchpoint=mapped["courier"], description="Done already", status="done")
    client.force_login(mapped["people"]["lead"].user)
    response = client.get(reverse("journey-priorities", args=[mapped["journey"].pk]))
    assert [i.description for i in response.context["items"]] == [f"Call ahead {XSS}", "Rebuild the app"]
    assert XSS not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "customer", "status", "entries"),
    [("lead", "north", 200, 2), ("north_manager", "north", 200, 2), ("alice", "north", 200, 2),
     ("bob", "north", 404, 0), ("south_manager", "north", 404, 0), ("carol", "south", 200, 1)],
)  # fmt: skip
def test_customer_timeline_permissions(client, mapped, who, customer, status, entries):
    client.force_login(mapped["people"][who].user)
    response = client.get(reverse("customer-timeline", args=[mapped["customers"][customer].pk]))
    assert response.status_code == status
    if status == 200:
        assert len(response.context["entries"]) == entries


def test_the_timeline_places_responses_on_stages_in_order(client, mapped, django_assert_max_num_queries):
    nps = QuestionFactory(type=QT.NPS, survey=SurveyFactory(name="Relationship"))
    respond({nps: 3}, customer=mapped["customers"]["north"], unit=mapped["units"]["north_store"])
    client.force_login(mapped["people"]["lead"].user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("customer-timeline", args=[mapped["customers"]["north"].pk]))
    entries = response.context["entries"]
    assert [(e.response.survey.name, e.touchpoint.code if e.touchpoint else None, e.band) for e in entries] == [
        ("Delivery", "courier", "happy"),
        ("Delivery", "courier", "happy"),
        ("Relationship", None, "unhappy"),
    ]
    journey, stages = response.context["journeys"][0]
    assert (journey.name, [(s.stage.name, len(s.entries)) for s in stages]) == (
        "Get my order delivered",
        [("Receive", 2), ("Assemble", 0)],
    )
    html = response.content.decode()
    assert "Quick &lt;script&gt;" in html and XSS not in html
    assert entries[0].response.submitted_at <= entries[2].response.submitted_at <= timezone.now()


def test_customer_search_finds_only_visible_customers(client, mapped):
    client.force_login(mapped["people"]["alice"].user)
    response = client.get(reverse("customer-search"), {"q": "o"})
    assert [c.name for c in response.context["customers"]] == ["Nora North"]
    client.force_login(mapped["people"]["lead"].user)
    response = client.get(reverse("customer-search"), {"q": "o"})
    assert [c.name for c in response.context["customers"]] == ["Nora North", "Sam South"]


def test_the_map_page_query_count_is_pinned_while_importance_is_computed_and_after(
    client, mapped, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Session, user and employee, journey, touchpoints with measures (2), stages, which surveys hold anonymous
    answers, the score rollups, the themes, the filters' segments and units: 12; the stored importance (1, or 2 with
    its figures) and, the first time it is missing, asking for it (get_or_create in a savepoint and the job: 6)."""
    from journeys.models import ImportanceRun
    from journeys.services.importance import importance_compute
    from surveys.models import Question as SurveyQuestion

    nps = QuestionFactory(survey=mapped["csat"].survey, type=QT.NPS, code="nps")
    journey = mapped["journey"]
    journey.outcome_question = SurveyQuestion.objects.get(pk=nps.pk)
    journey.save()
    client.force_login(mapped["people"]["lead"].user)
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(19):
        assert "being computed" in client.get(map_url(mapped)).content.decode()
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(13):
        assert "being computed" in client.get(map_url(mapped)).content.decode()  # asked already: no write
    importance_compute(run_id=ImportanceRun.objects.get().pk)
    with django_assert_num_queries(14):
        assert "Importance to overall NPS as of" in client.get(map_url(mapped)).content.decode()
