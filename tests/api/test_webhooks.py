"""Outbound webhooks: deliveries stored with the change that caused them, signed with HMAC-SHA256, retried with
backoff, logged; private, loopback and link-local addresses refused on save and at send time; redirects not
followed; an unreachable broker never loses a survey answer.

A real HTTP server on 127.0.0.1 receives the deliveries; only these tests allow loopback addresses."""

import hashlib
import hmac
import json
import logging
import socket
import ssl
import subprocess
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from kombu.exceptions import OperationalError

from cxprogram.models import Webhook, WebhookDelivery
from cxprogram.tasks import deliver_webhook
from cxprogram.webhooks import webhook_deliver, webhook_emit, webhook_sweep
from surveys.models import FollowUp, Response
from surveys.services.followups import followups_check_deadlines
from tests.surveys.conftest import form_state, submit

pytestmark = pytest.mark.django_db
EVENTS = [e.value for e in Webhook.Event]


class Receiver:
    """An HTTP server in a thread that records each request and answers with the next scripted reply."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.requests: list[dict] = []
        self.replies: list[tuple[int, dict, float]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, headers, delay = receiver.replies.pop(0) if receiver.replies else (200, {}, 0)
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?src=cx"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def hook(receiver, settings):
    """A webhook for every event pointing at the local receiver; loopback allowed for this test only."""
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    return Webhook.objects.create(name="CRM", url=receiver.url, events=EVENTS, secret="s3cret")


def verify(request: dict, secret: str) -> dict:
    """What a receiver does: check the signature over "<timestamp>.<body>", then read the JSON."""
    fields = dict(part.split("=", 1) for part in request["headers"]["X-CX-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(fields["v1"], expected)
    assert abs(int(fields["t"]) - time.time()) < 60
    return json.loads(request["body"])


def test_submitted_response_and_opened_case_are_delivered_signed(
    api, program, hook, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api("lead").post(
            "/api/v1/responses/",
            {"survey": "visit", "answers": {"nps": 2, "comment": "Slow"}, "unit": "north-store", "customer": "N1"},
            format="json",
        )
    assert response.status_code == 201
    assert [r["headers"]["X-CX-Event"] for r in receiver.requests] == ["response.submitted", "case.opened"]
    submitted, opened = (verify(r, "s3cret") for r in receiver.requests)
    assert receiver.requests[0]["path"] == "/hook?src=cx"
    assert receiver.requests[0]["headers"]["Content-Type"] == "application/json"
    assert submitted["event"] == "response.submitted"
    assert submitted["data"] | {"submitted_at": None} == {
        "id": response.json()["id"], "survey": "visit", "submitted_at": None, "source": "staff", "language": "en",
        "customer": "N1", "unit": "north-store", "employee": None, "touchpoint": "", "channel": "",
        "transaction_ref": "", "band": "unhappy",
        "answers": [
            {"question": "nps", "type": "nps", "number": 2, "choices": [], "text": ""},
            {"question": "comment", "type": "long_text", "number": None, "choices": [], "text": "Slow"},
        ],
    }  # fmt: skip
    case = FollowUp.objects.get(response_id=response.json()["id"])
    assert (opened["data"]["id"], opened["data"]["status"], opened["data"]["customer"]) == (case.pk, "new", "N1")
    log = list(WebhookDelivery.objects.order_by("pk").values_list("event", "status", "attempts", "response_code"))
    assert log == [("response.submitted", "sent", 1, 200), ("case.opened", "sent", 1, 200)]
    assert [r["headers"]["X-CX-Delivery"] for r in receiver.requests] == [
        str(pk) for pk in WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True)
    ]


def test_a_tampered_body_does_not_verify(hook, receiver):
    with mock.patch.object(deliver_webhook, "apply_async"):
        (delivery_id,) = webhook_emit(event="case.opened", payload=lambda: {"id": 1})
    webhook_deliver(delivery_id=delivery_id)
    request = receiver.requests[0]
    verify(request, "s3cret")
    with pytest.raises(AssertionError):
        verify(request | {"body": request["body"].replace(b'"id":1', b'"id":2')}, "s3cret")
    with pytest.raises(AssertionError):
        verify(request, "another secret")


def test_cases_overdue_and_resolved_are_delivered(api, program, hook, receiver, django_capture_on_commit_callbacks):
    case = program["cases"]["north"]
    FollowUp.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        followups_check_deadlines()
    with django_capture_on_commit_callbacks(execute=True):
        api("store_manager").post(
            f"/api/v1/followups/{case.pk}/resolve/",
            {"root_cause": "staff", "action_taken": "Apologised"},
            format="json",
        )
    events = [(r["headers"]["X-CX-Event"], verify(r, "s3cret")["data"]) for r in receiver.requests]
    assert [(event, data["id"], data["status"]) for event, data in events] == [
        ("case.overdue", case.pk, "new"),
        ("case.resolved", case.pk, "resolved"),
    ]
    assert events[0][1]["escalated_to"] == program["org"]["people"]["north_manager"].pk
    assert events[1][1]["root_cause"] == "staff"


def test_only_active_webhooks_subscribed_to_the_event_get_it(hook, receiver):
    Webhook.objects.create(name="Off", url=receiver.url, events=EVENTS, active=False)
    Webhook.objects.create(name="Cases only", url=receiver.url, events=["case.opened"])
    built = []
    ids = webhook_emit(event="response.submitted", payload=lambda: built.append(1) or {})
    assert list(WebhookDelivery.objects.filter(pk__in=ids).values_list("webhook__name", flat=True)) == ["CRM"]
    hook.delete()
    assert webhook_emit(event="response.submitted", payload=lambda: built.append(2) or {}) == []
    assert built == [1]  # the payload is not even built when nobody listens


def test_failures_are_retried_with_backoff_then_given_up(hook, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.replies = [(500, {}, 0), (503, {}, 0), (502, {}, 0)]
    with mock.patch.object(deliver_webhook, "apply_async"):
        (delivery_id,) = webhook_emit(event="case.opened", payload=lambda: {"id": 7})
    start = timezone.now()
    outcome = webhook_deliver(delivery_id=delivery_id, now=start)
    assert outcome == ("retry", timedelta(seconds=30))
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.error) == (
        "pending", 1, 500, "The receiver answered 500.",
    )  # fmt: skip
    assert delivery.next_attempt_at == start + timedelta(seconds=30)
    assert webhook_deliver(delivery_id=delivery_id, now=start + timedelta(seconds=10)) == ("skipped", None)
    assert webhook_deliver(delivery_id=delivery_id, now=start + timedelta(seconds=30)) == (
        "retry", timedelta(seconds=60),
    )  # fmt: skip
    assert webhook_deliver(delivery_id=delivery_id, now=start + timedelta(seconds=90)) == ("failed", None)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 3, 502)
    assert len(receiver.requests) == 3
    assert webhook_deliver(delivery_id=delivery_id, now=start + timedelta(days=1)) == ("skipped", None)


def test_the_task_schedules_the_retry_with_the_backoff(hook, receiver):
    receiver.replies = [(500, {}, 0)]
    with mock.patch.object(deliver_webhook, "apply_async"):
        (delivery_id,) = webhook_emit(event="case.opened", payload=lambda: {"id": 7})
    scheduled = mock.patch.object(deliver_webhook, "retry", side_effect=RuntimeError("retry scheduled"))
    with scheduled as retry, pytest.raises(RuntimeError, match="retry scheduled"):
        deliver_webhook.run(delivery_id)
    retry.assert_called_once_with(countdown=30)
    assert deliver_webhook.run(delivery_id) == "skipped"  # not due yet: a second copy of the task does nothing


def test_a_success_after_a_failure_is_sent_once(hook, receiver):
    receiver.replies = [(500, {}, 0), (204, {}, 0)]
    with mock.patch.object(deliver_webhook, "apply_async"):
        (delivery_id,) = webhook_emit(event="case.opened", payload=lambda: {"id": 7})
    now = timezone.now()
    webhook_deliver(delivery_id=delivery_id, now=now)
    assert webhook_deliver(delivery_id=delivery_id, now=now + timedelta(minutes=1)) == ("sent", None)
    assert webhook_deliver(delivery_id=delivery_id, now=now + timedelta(minutes=5)) == ("skipped", None)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.error) == ("sent", 2, 204, "")
    assert len(receiver.requests) == 2


def test_a_slow_receiver_times_out_and_is_retried(hook, receiver):
    receiver.replies = [(200, {}, 2.5)]
    with mock.patch.object(deliver_webhook, "apply_async"):
        (delivery_id,) = webhook_emit(event="case.opened", payload=lambda: {"id": 7})
    outcome, _wait = webhook_deliver(delivery_id=delivery_id)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert (outcome, delivery.status, delivery.response_code) == ("retry", "pending", None)
    assert delivery.error.startswith(("TimeoutError", "timeout"))


def test_redirects_are_not_followed(hook, receiver):
    receiver.replies = [(302, {"Location": "http://169.254.169.254/latest/meta-data/"}, 0)]
    with mock.patch.object(deliver_webhook, "apply_async"):
        (delivery_id,) = webhook_emit(event="case.opened", payload=lambda: {"id": 7})
    assert webhook_deliver(delivery_id=delivery_id) == ("failed", None)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert (delivery.response_code, delivery.error) == (
        302,
        "The receiver answered with a redirect, which webhooks do not follow.",
    )
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "http://224.0.0.1/hook",
        "http://240.0.0.1/hook",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused_on_save(url):
    webhook = Webhook(name="Bad", url=url, events=EVENTS)
    with pytest.raises(ValidationError) as error:
        webhook.full_clean()
    (message,) = error.value.message_dict["url"]
    assert "webhooks only go to public addresses" in message


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://93.184.215.14/hook", "Use an http:// or https:// address."),
        ("gopher://93.184.215.14/hook", "Enter a valid URL."),
        ("http://user:pw@93.184.215.14/hook",
         "Leave the user name and password out of the address; the signature shows the request is ours."),
        ("http://no-such-host.invalid/hook", "The host name “no-such-host.invalid” could not be resolved."),
    ],
)  # fmt: skip
def test_other_unusable_urls_are_refused_on_save(url, message):
    with pytest.raises(ValidationError) as error:
        Webhook(name="Bad", url=url, events=EVENTS).full_clean()
    assert message in error.value.message_dict["url"]


def public_dns(host, port, *args, **kwargs):
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]


def test_a_public_address_is_accepted_and_unknown_events_are_not():
    with mock.patch("socket.getaddrinfo", public_dns):
        Webhook(name="Good", url="https://hooks.example.com/cx", events=["case.opened"]).full_clean()
        with pytest.raises(ValidationError) as error:
            Webhook(name="Odd", url="https://hooks.example.com/cx", events=["case.deleted"]).full_clean()
    assert error.value.message_dict == {"events": ["Unknown events: case.deleted."]}


def test_a_host_name_that_resolves_to_a_private_address_is_refused(settings):
    def private_dns(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.8", port))]  # fmt: skip

    with mock.patch("socket.getaddrinfo", private_dns), pytest.raises(ValidationError) as error:
        Webhook(name="Sneaky", url="https://internal.example.com/", events=EVENTS).full_clean()
    assert error.value.message_dict["url"] == [
        "“internal.example.com” points to 10.0.0.8, a private, loopback, link-local or reserved address; "
        "webhooks only go to public addresses."
    ]


def test_the_admin_refuses_a_loopback_url_with_the_message(admin_client):
    response = admin_client.post(
        "/admin/cxprogram/webhook/add/",
        {"name": "Local", "url": "http://127.0.0.1:6379/", "events": ["case.opened"], "secret": "x", "active": "on"},
    )
    assert response.status_code == 200
    assert "webhooks only go to public addresses" in response.content.decode()
    assert not Webhook.objects.exists()


def test_loopback_is_refused_at_send_time_by_default(receiver, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    Webhook.objects.create(name="Saved before the rule", url=receiver.url, events=EVENTS)
    with mock.patch.object(deliver_webhook, "apply_async"):
        (delivery_id,) = webhook_emit(event="case.opened", payload=lambda: {"id": 1})
    assert webhook_deliver(delivery_id=delivery_id) == ("failed", None)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert "127.0.0.1, a private, loopback, link-local or reserved address" in delivery.error
    assert receiver.requests == []


def test_a_dns_answer_that_changes_to_loopback_is_refused_at_send_time(receiver, settings):
    port = receiver.server.server_address[1]
    with mock.patch("socket.getaddrinfo", public_dns):
        webhook = Webhook(name="Rebinding", url=f"http://rebind.example.com:{port}/", events=EVENTS)
        webhook.full_clean()
        webhook.save()
    with mock.patch.object(deliver_webhook, "apply_async"):
        (delivery_id,) = webhook_emit(event="case.opened", payload=lambda: {"id": 1})

    def loopback_dns(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    with mock.patch("socket.getaddrinfo", loopback_dns):
        assert webhook_deliver(delivery_id=delivery_id) == ("failed", None)
    assert "points to 127.0.0.1" in WebhookDelivery.objects.get(pk=delivery_id).error
    assert receiver.requests == []


def test_an_unreachable_broker_loses_no_answer_and_the_sweep_sends_later(
    api, program, hook, receiver, caplog, django_capture_on_commit_callbacks
):
    broken = mock.patch.object(deliver_webhook, "apply_async", side_effect=OperationalError("Connection refused"))
    logged = caplog.at_level(logging.WARNING, logger="cxprogram.webhooks")
    with broken, logged, django_capture_on_commit_callbacks(execute=True):
        response = api("lead").post("/api/v1/responses/", {"survey": "visit", "answers": {"nps": 9}}, format="json")
    assert response.status_code == 201
    assert Response.objects.filter(pk=response.json()["id"]).exists()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert "not queued (broker unavailable: Connection refused); the sweep will retry" in caplog.text
    assert receiver.requests == []
    assert webhook_sweep() == 0  # too fresh: it may still be on its way
    assert webhook_sweep(now=timezone.now() + timedelta(minutes=3)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert [r["headers"]["X-CX-Event"] for r in receiver.requests] == ["response.submitted"]


def test_hosted_survey_submission_survives_an_unreachable_broker(
    client, program, hook, settings, django_capture_on_commit_callbacks
):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    nps = program["questions"]["nps"]
    broken = mock.patch.object(deliver_webhook, "apply_async", side_effect=OperationalError("down"))
    with broken, django_capture_on_commit_callbacks(execute=True):
        second_page = submit(client, "/s/visit/", {f"q{nps.pk}": "9"})
        assert second_page.status_code == 200
        done = client.post("/s/visit/", {**form_state(second_page.content.decode()), "next": "1"})
    assert (done.status_code, done.url) == (302, "/s/visit/thanks/happy/?lang=en")
    assert Response.objects.filter(source="public_link").count() == 1
    assert WebhookDelivery.objects.filter(status="pending", event="response.submitted").count() == 1


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver with a self-signed certificate for the name hooks.test; returns (server, cert file)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=hooks.test",
         "-addext", "subjectAltName=DNS:hooks.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = Receiver(tls=context)
    yield server, cert
    server.close()


def test_https_goes_to_the_checked_address_and_verifies_the_certificate(tls_receiver, settings, monkeypatch):
    """The host name is resolved once and checked; the connection goes to that address, while TLS verifies
    the certificate for the host name. A certificate nobody vouches for is an error, retried later."""
    server, cert = tls_receiver
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    port = server.server.server_address[1]
    lookups = []

    def resolve_once(host, port, *args, **kwargs):
        if host == "127.0.0.1":  # an address, not a name: what connecting to the checked address looks up
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port))]
        lookups.append(host)
        if len(lookups) > 1:
            raise OSError("resolved twice: the connection did not use the checked address")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    Webhook.objects.create(name="TLS", url=f"https://hooks.test:{port}/in", events=EVENTS, secret="k")
    with mock.patch.object(deliver_webhook, "apply_async"):
        first, second = (webhook_emit(event="case.opened", payload=lambda n=n: {"id": n})[0] for n in (1, 2))
    with mock.patch("socket.getaddrinfo", resolve_once):
        assert webhook_deliver(delivery_id=first)[0] == "retry"
    assert "CERTIFICATE_VERIFY_FAILED" in WebhookDelivery.objects.get(pk=first).error
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    lookups.clear()
    with mock.patch("socket.getaddrinfo", resolve_once):
        assert webhook_deliver(delivery_id=second) == ("sent", None)
    assert lookups == ["hooks.test"]
    assert server.requests[-1]["headers"]["Host"] == f"hooks.test:{port}"
    assert verify(server.requests[-1], "k")["data"] == {"id": 2}
