"""A stopped worker or beat shows: /healthz names it and answers 503, the CX leads' home page and the admin index
say so in words with what waits; /livez answers while the web process serves, whatever else is down."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cxprogram.models import CustomerImport, Heartbeat
from surveys.models import FollowUp, Invitation, Response
from tests.surveys.factories import InvitationFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def background(settings, tmp_path):
    """A real worker and beat, as far as the web can tell: tasks not in-process, a (working) broker folder."""
    folder = str(tmp_path)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT = "cxprogram.broker:Transport"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": folder, "data_folder_out": folder}
    settings.HEARTBEAT_STALE_SECONDS = 60
    return settings


def beat(role: str, node: str, seconds_ago: float) -> Heartbeat:
    now = timezone.now()
    return Heartbeat.objects.create(
        role=role, node=node, started_at=now - timedelta(hours=1), seen_at=now - timedelta(seconds=seconds_ago)
    )


def test_fresh_worker_and_beat_are_ok(client, background):
    beat("worker", "celery@a", 5)
    beat("beat", "beat@a:1", 5)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "worker": "ok", "beat": "ok"}


def test_a_silent_worker_gives_503_and_says_since_when(client, background):
    dead = beat("worker", "celery@a", 61)
    beat("beat", "beat@a:1", 5)
    response = client.get("/healthz")
    assert response.status_code == 503
    since = dead.seen_at.isoformat(timespec="seconds")
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "ok",
        "worker": f"stale since {since}",
        "beat": "ok",
    }


def test_a_silent_beat_alone_gives_503(client, background):
    beat("worker", "celery@a", 1)
    beat("beat", "beat@a:1", 600)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["worker"], response.json()["beat"][:12]) == ("ok", "stale since ")


def test_no_heartbeat_ever_is_not_ok(client, background):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["worker"], response.json()["beat"]) == ("never seen", "never seen")


def test_one_live_worker_among_dead_ones_carries_the_work(client, background):
    beat("worker", "celery@old-container", 86400)
    beat("worker", "celery@b", 2)
    beat("beat", "beat@b:7", 2)
    assert client.get("/healthz").status_code == 200


def test_livez_answers_while_the_database_is_away(client, background, monkeypatch, django_assert_num_queries):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", refuse)
    with django_assert_num_queries(0):
        live = client.get("/livez")
    assert (live.status_code, live.content, live["Content-Type"]) == (200, b"ok\n", "text/plain; charset=utf-8")
    assert "no-cache" in live["Cache-Control"]
    ready = client.get("/healthz")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "database": "unavailable: OperationalError",
        "broker": "ok",
        "worker": "unknown",
        "beat": "unknown",
    }
    assert client.post("/livez").status_code == 405


# ---------------------------------------------------------------- in words, for CX leads


@pytest.fixture
def waiting(org):
    """Two customer imports unfinished; three invitations queued; of five cases, two have a warning due."""
    for status in (CustomerImport.Status.QUEUED, CustomerImport.Status.RUNNING, CustomerImport.Status.DONE):
        CustomerImport.objects.create(file_name=f"{status}.csv", size=10, status=status)
    store = org["units"]["north_store"]
    survey = SurveyFactory()
    for _ in range(3):
        InvitationFactory(survey=survey, delivery=Invitation.Delivery.QUEUED)
    InvitationFactory(survey=survey, delivery=Invitation.Delivery.SENT)
    now = timezone.now()
    cases = [
        {"due_at": now + timedelta(minutes=30)},  # warning due
        {"due_at": now - timedelta(minutes=5), "warned_at": now - timedelta(hours=1)},  # escalation due
        {"due_at": now + timedelta(days=2)},  # not yet
        {"due_at": now - timedelta(hours=2), "warned_at": now, "escalated_at": now},  # done both
        {"due_at": now - timedelta(hours=2), "status": FollowUp.Status.CONTACTED},  # customer contacted
    ]
    for fields in cases:
        response = Response.objects.create(
            survey=survey, unit=store, language="en", source="public_link", submitted_at=now
        )
        FollowUp.objects.create(response=response, unit=store, reason_codes=[["nps", 2]], **fields)
    return org


def test_the_lead_home_page_says_work_has_stopped_and_what_waits(client, background, waiting):
    beat("worker", "celery@a", 3600)
    client.force_login(waiting["people"]["lead"].user)
    page = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "Background work has stopped" in page
    assert "The worker was last heard from at " in page
    assert "(1\xa0hour ago)" in page
    assert "The scheduler (beat) has never been heard from." in page
    assert "Waiting now: 2 customer imports waiting; 3 invitations queued; 2 cases whose warnings are due." in page


def test_the_notice_reads_in_russian(client, background, waiting):
    beat("worker", "celery@a", 3600)
    beat("beat", "beat@a:1", 1)
    client.force_login(waiting["people"]["lead"].user)
    page = client.get("/", headers={"accept-language": "ru"}).content.decode()
    assert "Фоновая работа остановлена" in page
    assert "Обработчик фоновых задач последний раз отзывался" in page
    assert "Планировщик" not in page  # beat is alive
    assert (
        "Сейчас ждут: 2 импорта клиентов; 3 приглашения в очереди; 2 обращения, по которым пора предупредить." in page
    )


def test_the_notice_costs_one_query_while_all_is_well_and_five_when_it_shows(client, background, waiting):
    beat("worker", "celery@a", 2)
    beat("beat", "beat@a:1", 2)
    client.force_login(waiting["people"]["lead"].user)
    client.get("/")  # the session and the like, read once
    background.CELERY_TASK_ALWAYS_EAGER = True  # no worker to ask about: the notice costs nothing
    with CaptureQueriesContext(connection) as without:
        client.get("/", headers={"accept-language": "en"})
    background.CELERY_TASK_ALWAYS_EAGER = False
    with CaptureQueriesContext(connection) as well:
        page = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "Program overview" in page
    assert "Background work has stopped" not in page
    assert len(well) - len(without) == 1  # the latest heartbeats
    Heartbeat.objects.filter(role="worker").update(seen_at=timezone.now() - timedelta(hours=1))
    with CaptureQueriesContext(connection) as stopped:
        page = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "Background work has stopped" in page
    assert len(stopped) - len(well) == 4  # webhook deliveries, customer imports, invitations queued, cases due


def test_the_admin_index_tells_leads_and_not_other_staff(client, background, waiting):
    lead = waiting["people"]["lead"].user
    manager = waiting["people"]["store_manager"].user
    for user in (lead, manager):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    client.force_login(lead)
    page = client.get("/admin/", headers={"accept-language": "en"}).content.decode()
    assert '<section class="errornote background-notice" role="alert"' in page
    assert "Waiting now: 2 customer imports waiting; 3 invitations queued; 2 cases whose warnings are due." in page
    client.force_login(manager)
    page = client.get("/admin/", headers={"accept-language": "en"}).content.decode()
    assert "Background work has stopped" not in page
    assert "invitations queued" not in page


def test_leads_read_each_process_in_the_admin_and_nobody_writes_there(client, background, waiting):
    beat("worker", "celery@web-1", 2)
    beat("worker", "celery@old-container", 86400)
    lead = waiting["people"]["lead"].user
    lead.is_staff = True
    lead.save(update_fields=["is_staff"])
    lead.user_permissions.add(Permission.objects.get(codename="view_heartbeat"))
    client.force_login(lead)
    page = client.get("/admin/cxprogram/heartbeat/", headers={"accept-language": "en"}).content.decode()
    assert page.index("celery@web-1") < page.index("celery@old-container")  # freshest first
    assert client.get("/admin/cxprogram/heartbeat/add/").status_code == 403
    row = Heartbeat.objects.get(node="celery@web-1")
    seen = row.seen_at
    response = client.post(f"/admin/cxprogram/heartbeat/{row.pk}/change/", {"role": "beat", "node": "x"})
    assert response.status_code == 403
    assert client.post(f"/admin/cxprogram/heartbeat/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    row.refresh_from_db()
    assert (row.role, row.node, row.seen_at) == ("worker", "celery@web-1", seen)
