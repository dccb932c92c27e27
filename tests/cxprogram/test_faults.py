"""Faults: the database away (a 503 to try again, nothing half-saved), the cache or the broker away (answers still
saved, the work done later), and e-mail that leaves only when its transaction commits (a killed worker sends
nothing twice). bench/faults.py proves the same against real servers that are killed and restarted."""

import re
import socketserver
import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMessage
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from cxprogram import celery_app, ratelimit
from cxprogram.mail import NotAccepted, send_on_commit
from surveys.models import Answer, Distribution, FollowUp, FollowUpEvent, Invitation, Question, Response
from surveys.services.distribution import invitation_for_transaction, invitation_send, invitations_requeue_stale
from surveys.services.followups import followups_check_deadlines
from surveys.tasks import launch_due_distributions, requeue_stale_invitations
from tests.cxprogram.factories import CustomerFactory, EmployeeFactory, UnitFactory
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused at once


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0


@pytest.fixture
def survey(db):
    survey = SurveyFactory(public_id="faults", default_language="ru")
    nps = QuestionFactory(survey=survey, code="nps", type=Question.Type.NPS)
    comment = QuestionFactory(survey=survey, code="comment", type=Question.Type.SHORT_TEXT, required=False)
    return survey, {f"q{nps.pk}": "3", f"q{comment.pk}": "Долго ждал на кассе"}


def hidden_fields(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def page_then_answers(client, answers: dict, **extra) -> dict:
    """GET the survey page and return what the browser would POST: its hidden fields and the answers."""
    page = client.get("/s/faults/", **extra)
    assert page.status_code == 200
    return {**hidden_fields(page.content.decode()), "website": "", "next": "1", **answers}


def database_error(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def database_away(monkeypatch):
    """Make `target` fail as a lost database does (SQLite in memory cannot be stopped): the call raises and the
    connection no longer answers. test_a_dropped_database_connection_... does it for real on PostgreSQL."""

    def away(target: str | tuple) -> None:
        monkeypatch.setattr(*((target,) if isinstance(target, str) else target), database_error)
        monkeypatch.setattr(connection, "is_usable", lambda: False)

    return away


# ---------------------------------------------------------------- the database away


def test_the_database_going_away_while_saving_gives_503_saves_nothing_and_keeps_the_answers(
    client, survey, database_away, monkeypatch
):
    _survey, answers = survey
    ru = {"headers": {"accept-language": "ru"}}
    data = page_then_answers(client, answers, **ru)
    # The response row is written, then the database goes away before its answers: the worst moment. (On
    # PostgreSQL every row goes in one statement, which fails as a whole.)
    if connection.vendor == "postgresql":
        database_away("surveys.services.responses.submission_insert")
    else:
        database_away((Answer.objects, "bulk_create"))
    failed = client.post("/s/faults/", data, **ru)
    assert failed.status_code == 503
    assert failed["Retry-After"] == "15"
    assert "no-store" in failed["Cache-Control"]
    page = failed.content.decode()
    assert '<html lang="ru">' in page
    assert Response.objects.count() == 0
    resent = hidden_fields(page)
    assert {k: resent[k] for k in answers} == answers  # "Send again" posts the same answers
    monkeypatch.undo()
    again = client.post("/s/faults/", {**resent, "next": "1"}, **ru)
    assert again.status_code == 302
    assert Response.objects.get().answers.count() == 2


def test_a_page_that_cannot_load_says_so_in_the_visitors_language(client, survey, database_away):
    database_away("surveys.views.responses.hosted_survey")
    failed = client.get("/s/faults/", headers={"accept-language": "en"})
    assert (failed.status_code, failed["Retry-After"]) == (503, "15")
    page = failed.content.decode()
    assert '<html lang="en">' in page
    assert "This page could not be loaded just now: our database is briefly unavailable." in page
    assert 'href="/s/faults/"' in page


def test_other_forms_are_not_echoed_back(client, db, database_away):
    database_away("django.contrib.auth.backends.ModelBackend.authenticate")
    failed = client.post("/accounts/login/", {"username": "lead", "password": "correct-horse-battery"})
    assert failed.status_code == 503
    page = failed.content.decode()
    assert "correct-horse-battery" not in page
    assert "<form" not in page
    assert "Go back and send the form again in 15 seconds." in page


def test_with_debug_on_the_traceback_page_is_left_alone(client, survey, settings, database_away):
    settings.DEBUG = True
    database_away("surveys.views.responses.hosted_survey")
    with pytest.raises(OperationalError):
        client.get("/s/faults/")


def test_an_error_while_the_database_still_answers_stays_a_500(client, survey, monkeypatch):
    monkeypatch.setattr("surveys.views.responses.hosted_survey", database_error)  # e.g. a table missing on SQLite
    client.raise_request_exception = False
    assert client.get("/s/faults/").status_code == 500


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_gives_503_and_the_next_request_reconnects(client):
    if connection.vendor != "postgresql":
        pytest.skip("terminating the server side of the connection needs PostgreSQL")
    survey = SurveyFactory(public_id="faults", default_language="ru")
    nps = QuestionFactory(survey=survey, code="nps", type=Question.Type.NPS)
    data = page_then_answers(client, {f"q{nps.pk}": "9"})

    def drop_connection() -> None:
        """What a database restart does to an open connection: the server ends it."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        admin = connections.create_connection("default")
        try:
            with admin.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            admin.close()

    drop_connection()
    failed = client.post("/s/faults/", data)
    assert (failed.status_code, failed["Retry-After"]) == (503, "15")
    connection.close_if_unusable_or_obsolete()  # what Django does when each request finishes
    assert client.post("/s/faults/", hidden_fields(failed.content.decode()) | {"next": "1"}).status_code == 302
    assert list(Answer.objects.values_list("number", flat=True)) == [9]


# ---------------------------------------------------------------- the cache away


@pytest.fixture
def unreachable_cache(settings):
    """The shared cache (Redis) refuses connections; the rate limiter starts from a clean slate."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNREACHABLE_REDIS}
    }
    ratelimit._shared_down_until = 0.0
    ratelimit._local.clear()
    yield
    ratelimit._shared_down_until = 0.0
    ratelimit._local.clear()


def test_answers_are_saved_while_the_cache_is_away_and_the_limit_holds_per_process(
    client, survey, settings, unreachable_cache
):
    _survey, answers = survey
    settings.SURVEY_SUBMIT_LIMIT = 2
    statuses = [client.post("/s/faults/", page_then_answers(client, answers)).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert Response.objects.count() == 2


def test_sign_in_works_while_the_cache_is_away(client, db, unreachable_cache):
    User.objects.create_user("lead", password="correct-horse-battery")
    response = client.post("/accounts/login/", {"username": "lead", "password": "correct-horse-battery"})
    assert (response.status_code, response.url) == (302, "/")


def test_the_shared_cache_is_tried_again_after_a_pause(settings, unreachable_cache, monkeypatch):
    assert ratelimit.hit("k", 60) == 1  # counted in this process
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}  # the cache is back
    assert ratelimit.hit("k", 60) == 2  # still in this process during the pause
    later = time.monotonic() + ratelimit.RETRY_SHARED_CACHE_AFTER_SECONDS + 1
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: later)
    assert ratelimit.hit("k", 60) == 1  # the shared cache again, with its own count
    from django.core.cache import cache

    assert cache.get("rl:k") == 1


def test_the_api_answers_and_throttles_per_process_while_the_cache_is_away(db, settings, unreachable_cache):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/min"}
    lead = EmployeeFactory(role="cx_lead", unit=UnitFactory(parent=None, kind="company"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=lead.user).key}")
    assert [client.get("/api/v1/units/").status_code for _ in range(3)] == [200, 200, 429]


# ---------------------------------------------------------------- the broker away


@pytest.fixture
def broker():
    """Switch Celery from in-process tasks to a broker that refuses connections, and back."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url, conf.broker_transport, conf.broker_write_url

    def drop_pooled_connections() -> None:
        # Not celery_app.close(): that also takes the app off Celery's active list, and task modules imported
        # afterwards (shared_task) would then never be registered with it.
        celery_app._pool = None
        # The producers hold connections of their own: without this, tasks would still reach the broker that was
        # configured before (a test that ran earlier with a real Redis), and "down" would not be down.
        celery_app.amqp._producer_pool = None

    def down() -> None:
        # The embedded default names its folder transport explicitly, which would outrank the URL's scheme.
        conf.task_always_eager, conf.broker_url, conf.broker_transport = False, UNREACHABLE_REDIS, None
        # Celery derives its write URL from the broker URL once (a run with a real Redis has done so already).
        conf.broker_write_url = UNREACHABLE_REDIS
        drop_pooled_connections()

    def back() -> None:
        conf.task_always_eager, conf.broker_url, conf.broker_transport, conf.broker_write_url = saved
        drop_pooled_connections()

    yield down, back
    back()


def test_an_invitation_asked_for_while_the_broker_is_down_is_sent_once_by_the_sweep(
    db, broker, django_capture_on_commit_callbacks
):
    down, back = broker
    survey = SurveyFactory(public_id="faults")
    QuestionFactory(survey=survey)
    customer = CustomerFactory(email="nora@example.com")
    down()
    with django_capture_on_commit_callbacks(execute=True):
        invitation, reason = invitation_for_transaction(survey=survey, customer=customer, transaction_ref="T-9")
    invitation.refresh_from_db()
    assert (reason, invitation.delivery, len(mail.outbox)) == ("", "queued", 0)
    back()
    assert requeue_stale_invitations.apply().result == 0  # not stale yet: its task may still be on its way
    Invitation.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert requeue_stale_invitations.apply().result == 1
    assert requeue_stale_invitations.apply().result == 0
    invitation.refresh_from_db()
    assert (invitation.delivery, [m.to for m in mail.outbox]) == ("sent", [["nora@example.com"]])


@pytest.mark.django_db(transaction=True)
def test_e_mailing_invitations_from_the_admin_while_the_broker_is_down_says_so_and_the_sweep_sends_them(
    admin_client, broker
):
    """As through the API: no error page, the invitations saved as queued, sent once by the sweep later; and the
    CX lead is told, not left to wonder why nothing went out."""
    down, back = broker
    survey = SurveyFactory(public_id="faults")
    QuestionFactory(survey=survey)
    invitation = InvitationFactory(survey=survey, customer=CustomerFactory(email="olga@example.com"))
    down()
    answer = admin_client.post(
        "/admin/surveys/invitation/",
        {"action": "email", "_selected_action": [invitation.pk]},
        headers={"accept-language": "en"},
        follow=True,
    )
    invitation.refresh_from_db()
    assert (answer.status_code, invitation.delivery, len(mail.outbox)) == (200, "queued", 0)
    assert "1 e-mail is saved as queued, but the task queue cannot be reached" in answer.content.decode()
    back()
    Invitation.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert requeue_stale_invitations.apply().result == 1
    invitation.refresh_from_db()
    assert (invitation.delivery, [m.to for m in mail.outbox]) == ("sent", [["olga@example.com"]])


@pytest.mark.django_db(transaction=True)
def test_launching_a_distribution_from_the_admin_while_the_broker_is_down_leaves_it_for_the_beat(admin_client, broker):
    """The launch is not lost in a draft: it is scheduled for now, the CX lead is told, and the beat launches it
    once the broker is back."""
    down, back = broker
    survey = SurveyFactory(public_id="faults")
    QuestionFactory(survey=survey)
    CustomerFactory(email="pavel@example.com")
    distribution = Distribution.objects.create(survey=survey, name="December")
    down()
    answer = admin_client.post(
        "/admin/surveys/distribution/",
        {"action": "launch", "_selected_action": [distribution.pk]},
        headers={"accept-language": "en"},
        follow=True,
    )
    distribution.refresh_from_db()
    assert (answer.status_code, distribution.status, len(mail.outbox)) == (200, "scheduled", 0)
    assert (
        "1 distribution is scheduled for now and will be launched automatically once the queue is back"
        in answer.content.decode()
    )
    back()
    assert launch_due_distributions.apply().result == 1
    distribution.refresh_from_db()
    assert (distribution.status, [m.to for m in mail.outbox]) == ("sent", [["pavel@example.com"]])


def test_the_sweep_takes_the_oldest_stale_invitations_up_to_its_limit(db):
    now = timezone.now()
    ages = {"fresh": 1, "old": 40, "older": 50, "sent": 60}
    invitations = {
        name: InvitationFactory(customer=CustomerFactory(), delivery="sent" if name == "sent" else "queued")
        for name in ages
    }
    for name, minutes in ages.items():
        Invitation.objects.filter(pk=invitations[name].pk).update(created_at=now - timedelta(minutes=minutes))
    assert invitations_requeue_stale(older_than=timedelta(minutes=30), limit=1) == 1
    assert Invitation.objects.get(pk=invitations["older"].pk).delivery == "sent"
    assert Invitation.objects.get(pk=invitations["old"].pk).delivery == "queued"
    assert invitations_requeue_stale(older_than=timedelta(minutes=30), limit=10) == 1
    assert dict(Invitation.objects.values_list("pk", "delivery"))[invitations["fresh"].pk] == "queued"
    assert len(mail.outbox) == 2


# ---------------------------------------------------------------- e-mail on commit, through a real SMTP server


class SMTPServer:
    """An SMTP server on a free port that keeps the messages it accepted and counts data cut off before its end."""

    def __init__(self):
        self.accepted: list[bytes] = []
        self.aborted = 0
        self.end_of_data_reply = b"250 OK"
        server = self

        class Session(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 test ESMTP\r\n")
                while line := self.rfile.readline():
                    verb = line[:4].upper()
                    if verb == b"QUIT":
                        self.wfile.write(b"221 Bye\r\n")
                        return
                    if verb != b"DATA":
                        self.wfile.write(b"250 OK\r\n")
                        continue
                    self.wfile.write(b"354 Go ahead\r\n")
                    lines = []
                    while (chunk := self.rfile.readline()) != b".\r\n":
                        if not chunk:
                            server.aborted += 1
                            return
                        lines.append(chunk)
                    if server.end_of_data_reply.startswith(b"250"):
                        server.accepted.append(b"".join(lines))
                    self.wfile.write(server.end_of_data_reply + b"\r\n")

        self.tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self.tcp.daemon_threads = True
        self.port = self.tcp.server_address[1]
        threading.Thread(target=self.tcp.serve_forever, daemon=True).start()

    def wait_for_abort(self, count: int) -> int:
        deadline = time.monotonic() + 5
        while self.aborted < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.aborted


@pytest.fixture
def smtp(settings):
    server = SMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
    yield server
    server.tcp.shutdown()
    server.tcp.server_close()


class Killed(Exception):
    """Stands for the process dying before its transaction commits."""


@pytest.mark.django_db(transaction=True)
def test_an_email_in_a_rolled_back_transaction_never_reaches_anybody(smtp):
    with pytest.raises(Killed), transaction.atomic():
        send_on_commit(EmailMessage("Hello", "Body", to=["nora@example.com"]))
        raise Killed
    assert smtp.wait_for_abort(1) == 1  # the server got the message up to its last line, then lost the connection
    assert smtp.accepted == []
    with transaction.atomic():
        send_on_commit(EmailMessage("Hello", "Body", to=["nora@example.com"]))
        assert smtp.accepted == []  # held until the commit
    assert len(smtp.accepted) == 1


@pytest.mark.django_db(transaction=True)
def test_an_invitation_whose_sender_dies_before_the_commit_is_sent_once_by_the_retry(smtp):
    invitation = InvitationFactory(customer=CustomerFactory(email="nora@example.com"), delivery="queued")
    with pytest.raises(Killed), transaction.atomic():
        invitation_send(invitation_id=invitation.pk)
        raise Killed
    assert (smtp.wait_for_abort(1), smtp.accepted) == (1, [])
    assert Invitation.objects.get(pk=invitation.pk).delivery == "queued"
    assert invitation_send(invitation_id=invitation.pk) is True
    assert invitation_send(invitation_id=invitation.pk) is False
    assert len(smtp.accepted) == 1
    assert invitation.token.encode() in smtp.accepted[0]
    assert Invitation.objects.get(pk=invitation.pk).delivery == "sent"


@pytest.mark.django_db(transaction=True)
def test_an_invitation_refused_at_the_end_of_its_data_is_queued_again(smtp):
    invitation = InvitationFactory(customer=CustomerFactory(email="nora@example.com"), delivery="queued")
    smtp.end_of_data_reply = b"451 4.3.0 Try again later"
    with pytest.raises(NotAccepted):
        invitation_send(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert (invitation.delivery, invitation.sent_at) == ("queued", None)
    smtp.end_of_data_reply = b"250 OK"
    assert invitation_send(invitation_id=invitation.pk) is True
    assert len(smtp.accepted) == 1


@pytest.mark.django_db(transaction=True)
def test_an_escalation_refused_at_the_end_of_its_data_is_sent_by_the_next_run(smtp):
    company = UnitFactory(kind="company", parent=None)
    region = UnitFactory(kind="region", parent=company)
    store = UnitFactory(kind="store", parent=region)
    owner = EmployeeFactory(role="manager", unit=store, user__email="store@example.com")
    EmployeeFactory(role="manager", unit=region, user__email="region@example.com")
    response = Response.objects.create(
        survey=SurveyFactory(), unit=store, language="en", source="public_link", submitted_at=timezone.now()
    )
    case = FollowUp.objects.create(
        response=response,
        owner=owner,
        unit=store,
        reason_codes=[["nps", 2]],
        due_at=timezone.now() - timedelta(hours=1),
    )
    smtp.end_of_data_reply = b"554 5.7.1 Message rejected"
    with pytest.raises(NotAccepted):
        followups_check_deadlines()
    case.refresh_from_db()
    assert (case.escalated_at, case.escalated_to, case.events.count()) == (None, None, 0)
    smtp.end_of_data_reply = b"250 OK"
    assert followups_check_deadlines() == (0, 1)
    assert followups_check_deadlines() == (0, 0)
    assert len(smtp.accepted) == 1
    assert b"region@example.com" in smtp.accepted[0]
    assert list(FollowUpEvent.objects.values_list("kind", flat=True)) == ["escalated"]
