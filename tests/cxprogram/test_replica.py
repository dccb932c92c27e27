"""The read replica: results pages, exports, the metrics API and KPI pages read from it; forms and the page after
them, the case desk, the hosted survey and the admin read from the primary; without a replica nothing changes.

The replica here is a test mirror of the test database (cxprogram/settings/test.py), a second connection to the
same data, so queries are counted per connection. Rows must be committed for the second connection to see them:
these tests run outside a test transaction.
"""

import csv
import io
import json

import pytest
from django.db import OperationalError, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cxprogram import replica
from cxprogram.replica import ROUTER, WROTE_COOKIE, ReplicaRouter, reads_from_replica
from cxprogram.settings.environment import databases_from_environ
from surveys.links import ResponseContext
from surveys.models import Question, Response
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.conftest import submit
from tests.surveys.factories import QuestionFactory, SurveyFactory

QT = Question.Type
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
# What the primary still reads on a page that reads from the replica: the session and the signed-in user, looked
# up before the view runs, so that someone who has just signed in is known (and in the API the caller's role,
# checked by its permission class before the view).
SIGN_IN_TABLES = {"django_session", "auth_user"}
API_SIGN_IN_TABLES = SIGN_IN_TABLES | {"cxprogram_employee"}


@pytest.fixture
def with_replica(settings, monkeypatch):
    """The settings DATABASE_REPLICA_URL gives: the router and the middleware; a fresh lag verdict."""
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "cxprogram.replica.PrimaryAfterWriteMiddleware"]
    settings.DATABASE_REPLICA_MAX_LAG = 10
    settings.SURVEY_MIN_FILL_SECONDS = 0
    monkeypatch.setattr(replica, "_last_check", replica.LagCheck())


@pytest.fixture
def survey(org):
    survey = SurveyFactory(public_id="visit", title_en="Store visit", title_ru="Визит", followup_enabled=True)
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False)
    north = org["units"]["north_store"]
    for score, text in [(10, "Всё отлично"), (9, "Хорошо"), (3, "Долго ждали")]:
        response_submit(
            survey=survey, questions=[nps, comment], language="ru", source="api",
            answers={nps.pk: score, comment.pk: text}, customer=CustomerFactory(),
            context=ResponseContext(unit=north, employee=org["people"]["alice"]),
        )  # fmt: skip
    return survey


def tables(queries) -> set[str]:
    """The tables named after FROM in each captured query."""
    found = set()
    for query in queries:
        sql = query["sql"].replace('"', "")
        if " FROM " in sql:
            found.add(sql.split(" FROM ", 1)[1].split()[0])
    return found


def request(client, method: str, url: str, **kwargs):
    """The response, its body, and the queries the primary and the replica answered meanwhile."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as secondary,
    ):
        response = getattr(client, method)(url, **kwargs)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body, primary.captured_queries, secondary.captured_queries


READ_PAGES = [
    ("lead", "/results/"),
    ("lead", "/results/visit/"),
    ("lead", "/results/visit/export.csv"),
    ("lead", "/results/visit/export.xlsx"),
    ("lead", "/results/visit/allies/"),
    ("lead", "/results/visit/themes/"),
    ("lead", "/api/v1/metrics/?survey=visit"),
    ("alice", "/me/"),
    ("store_manager", "/team/{north_store}/"),
    ("lead", "/kpis/outcomes/"),
]


def test_results_exports_metrics_and_kpi_pages_read_from_the_replica(client, survey, org, with_replica):
    for who, url in READ_PAGES:
        client.force_login(org["people"][who].user)
        url = url.format(north_store=org["units"]["north_store"].pk)
        response, _body, primary, secondary = request(client, "get", url)
        assert response.status_code == 200, url
        assert len(secondary) >= 2, url  # the page's own reads
        expected = API_SIGN_IN_TABLES if url.startswith("/api/") else SIGN_IN_TABLES
        assert tables(primary) == expected, (url, [q["sql"] for q in primary])


def test_without_a_replica_every_page_reads_from_the_primary(client, survey, org):
    for who, url in READ_PAGES:
        client.force_login(org["people"][who].user)
        url = url.format(north_store=org["units"]["north_store"].pk)
        response, _body, primary, secondary = request(client, "get", url)
        assert (response.status_code, secondary) == (200, []), url
        assert len(primary) > len(SIGN_IN_TABLES), url


def test_the_case_desk_the_hosted_survey_and_the_admin_read_from_the_primary(client, admin_client, survey, org,
                                                                             with_replica):  # fmt: skip
    client.force_login(org["people"]["store_manager"].user)
    desk, _body, primary, secondary = request(client, "get", "/followups/")
    assert (desk.status_code, secondary) == (200, [])
    assert "surveys_followup" in tables(primary)
    for url in ("/admin/surveys/survey/", "/admin/surveys/response/"):
        page, _body, primary, secondary = request(admin_client, "get", url)
        assert (page.status_code, secondary) == (200, [])
    customer = Client()
    with CaptureQueriesContext(connections["replica"]) as secondary:
        answered = submit(customer, "/s/visit/", {f"q{survey.questions.get(code='nps').pk}": "7"})
    assert answered.status_code == 302
    assert secondary.captured_queries == []
    assert Response.objects.filter(survey=survey).count() == 4


def test_a_post_to_a_replica_page_and_the_pages_after_it_read_from_the_primary(client, survey, org, with_replica):
    """Writes never go to the replica; a browser that has just sent a form reads what it wrote from the primary,
    for DATABASE_REPLICA_MAX_LAG seconds (its cookie's age), then from the replica again."""
    client.force_login(org["people"]["lead"].user)
    posted, _body, _primary, secondary = request(client, "post", "/results/visit/")
    assert secondary == []
    assert posted.cookies[WROTE_COOKIE]["max-age"] == 10
    assert posted.cookies[WROTE_COOKIE]["httponly"] is True
    after, _body, primary, secondary = request(client, "get", "/results/visit/")
    assert (after.status_code, secondary) == (200, [])
    del client.cookies[WROTE_COOKIE]  # the browser drops it after ten seconds
    later, _body, primary, secondary = request(client, "get", "/results/visit/")
    assert later.status_code == 200 and len(secondary) >= 2
    assert tables(primary) == SIGN_IN_TABLES


def test_the_replica_figures_equal_the_primarys(client, survey, org, settings, with_replica):
    settings.RESULTS_MIN_SAMPLE = 3
    client.force_login(org["people"]["lead"].user)
    _r, from_replica, _p, secondary = request(client, "get", "/api/v1/metrics/?survey=visit")
    assert len(secondary) >= 2
    settings.DATABASE_ROUTERS = []
    _r, from_primary, _p, secondary = request(client, "get", "/api/v1/metrics/?survey=visit")
    assert secondary == []
    metrics = json.loads(from_replica)
    assert metrics == json.loads(from_primary)
    assert metrics["responses"] == 3
    assert metrics["questions"][0]["headline"] | {"min_sample": 3} == {
        "value": 33.33, "n": 3, "low": -73.35, "high": 100.0, "unit": "", "enough": True, "min_sample": 3,
    }  # fmt: skip


def test_the_csv_export_streams_its_rows_from_the_replica(client, survey, org, with_replica):
    client.force_login(org["people"]["lead"].user)
    _response, body, primary, secondary = request(client, "get", "/results/visit/export.csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row[-2] for row in rows[1:]] == ["10", "9", "3"]
    assert "surveys_answer" in tables(secondary)
    assert "surveys_answer" not in tables(primary)


def test_a_replica_too_far_behind_or_away_is_not_read(client, survey, org, with_replica, monkeypatch):
    """Past DATABASE_REPLICA_MAX_LAG (or unreachable) the primary answers; the verdict is kept five seconds."""
    clock = [1000.0]
    monkeypatch.setattr(replica, "monotonic", lambda: clock[0])
    monkeypatch.setattr(replica, "replica_lag", lambda: 12.5)
    client.force_login(org["people"]["lead"].user)
    behind, _body, _primary, secondary = request(client, "get", "/results/visit/")
    assert (behind.status_code, secondary) == (200, [])
    monkeypatch.setattr(replica, "replica_lag", lambda: 0.2)
    clock[0] += 4.9
    _r, _body, _primary, secondary = request(client, "get", "/results/visit/")
    assert secondary == []  # still the verdict of 4.9 s ago
    clock[0] += 0.2
    _r, _body, _primary, secondary = request(client, "get", "/results/visit/")
    assert len(secondary) >= 2

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(replica, "replica_lag", unreachable)
    clock[0] += 5
    away, _body, _primary, secondary = request(client, "get", "/results/visit/")
    assert (away.status_code, secondary) == (200, [])


def test_healthz_tells_the_replicas_state_without_failing_for_it(client, with_replica, monkeypatch):
    """The site works on the primary alone, so a lagging or lost replica is told, not a 503."""
    assert (client.get("/healthz").status_code, client.get("/healthz").json()["replica"]) == (200, "ok")
    monkeypatch.setattr(replica, "replica_lag", lambda: 31.34)
    assert (client.get("/healthz").status_code, client.get("/healthz").json()["replica"]) == (200, "behind 31.3 s")

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(replica, "replica_lag", unreachable)
    answer = client.get("/healthz")
    assert (answer.status_code, answer.json()["replica"]) == (200, "unavailable: OperationalError")


def test_the_lag_is_measured_on_the_replica(with_replica):
    """On the test mirror (no standby) the lag is 0 seconds; a real standby is measured by bench/replica.py."""
    assert replica.replica_lag() == 0.0
    assert replica.replica_usable() is True


def test_the_router_writes_and_migrates_only_the_primary(with_replica):
    router = ReplicaRouter()
    assert router.db_for_read(Response) is None

    @reads_from_replica
    def view(request):
        return (router.db_for_read(Response), router.db_for_write(Response))

    class Get:
        method, COOKIES = "GET", {}

    assert view(Get()) == ("replica", "default")
    assert router.db_for_read(Response) is None  # only inside the view
    assert router.allow_migrate("default", "surveys") is True
    assert router.allow_migrate("replica", "surveys") is False
    assert router.allow_relation(Response(), Response()) is True


def test_the_replica_alias_comes_only_from_database_replica_url(tmp_path):
    assert list(databases_from_environ({}, tmp_path)) == ["default"]
    assert list(databases_from_environ({"DATABASE_REPLICA_URL": " "}, tmp_path)) == ["default"]
    databases = databases_from_environ(
        {
            "DATABASE_URL": "postgres://cx:secret@db:5432/cxprogram",
            "DATABASE_REPLICA_URL": "postgres://cx:secret@db-replica:5432/cxprogram?connect_timeout=3",
        },
        tmp_path,
    )
    assert databases["replica"]["HOST"] == "db-replica"
    assert databases["replica"]["OPTIONS"] == {"connect_timeout": "3", "prepare_threshold": 5}
    assert databases["replica"]["TEST"] == {"MIRROR": "default"}
    with pytest.raises(Exception, match="DATABASE_REPLICA_URL 'mysql://x/y' is not understood"):
        databases_from_environ({"DATABASE_REPLICA_URL": "mysql://x/y"}, tmp_path)
