"""Outbound webhooks: events stored as deliveries in the transaction that caused them, then POSTed as signed
JSON by a Celery task, retried with exponential backoff, and logged.

Other apps call `webhook_emit` explicitly (no signals). A webhook URL must resolve only to public addresses:
private, loopback, link-local, reserved, multicast and unspecified addresses are refused when the webhook is
saved and again when each delivery is sent, and the connection goes to the address that was checked (a DNS
answer that changes in between cannot redirect it). Redirects are never followed.
"""

import hashlib
import hmac
import http.client
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from .models import Webhook, WebhookDelivery
from .webhook_addresses import PinnedHTTPConnection, PinnedHTTPSConnection, resolve, url_refusal

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-CX-Signature"
EVENT_HEADER = "X-CX-Event"
DELIVERY_HEADER = "X-CX-Delivery"
USER_AGENT = "cxprogram-webhooks/1"
DUE_TOLERANCE = timedelta(seconds=5)  # a Celery countdown may fire a moment before the stored time
SWEEP_GRACE = timedelta(minutes=2)  # a queued delivery normally runs within seconds


def webhook_emit(*, event: str, payload: Callable[[], dict]) -> list[int]:
    """Store a delivery of `event` for every active webhook subscribed to it, inside the caller's transaction,
    and queue them once it commits; returns the delivery ids (none when nobody listens).

    `payload` is called only when somebody listens, so an event nobody wants costs one small query."""
    hooks = [pk for pk, events in Webhook.objects.filter(active=True).values_list("pk", "events") if event in events]
    if not hooks:
        return []
    body = json.loads(
        json.dumps({"event": event, "created_at": timezone.now(), "data": payload()}, cls=DjangoJSONEncoder)
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(webhook_id=pk, event=event, payload=body) for pk in hooks]
    )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: webhook_queue(delivery_ids=ids))
    return ids


def webhook_queue(*, delivery_ids: list[int]) -> int:
    """Hand deliveries to Celery; returns how many were queued. An unreachable broker is logged, not raised:
    the change that caused the event is already saved, and the beat sweep queues the deliveries later."""
    from .tasks import deliver_webhook

    queued = 0
    for pk in delivery_ids:
        try:
            deliver_webhook.apply_async((pk,), retry=False)  # fail fast; the sweep retries
        except (BrokerError, OSError) as error:
            logger.warning("Webhook delivery %s not queued (broker unavailable: %s); the sweep will retry.", pk, error)
            continue
        queued += 1
    return queued


def webhook_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue again pending deliveries whose time has long passed (lost from the broker, or never queued)."""
    now = now or timezone.now()
    stale = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now - SWEEP_GRACE
    ).order_by("next_attempt_at")
    return webhook_queue(delivery_ids=list(stale.values_list("pk", flat=True)[:limit]))


def webhook_backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` failures: 30 s, 1, 2, 4, 8 min..., at most an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> tuple[str, timedelta | None]:
    """Make one attempt at a pending, due delivery; returns ("sent" | "failed" | "retry" | "skipped", wait).

    The delivery row stays locked during the attempt, so a delivery queued twice is sent once; a delivery
    that is sent, failed or not yet due is skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now + DUE_TOLERANCE)
            .first()
        )
        if delivery is None:
            return "skipped", None
        hook = delivery.webhook
        delivery.attempts += 1
        delivery.last_attempt_at = now
        if not hook.active:
            code, error, final = None, _("The webhook was switched off."), True
        else:
            code, error, final = webhook_post(webhook=hook, delivery=delivery)
        delivery.response_code = code
        delivery.error = error[:500]
        outcome, wait = "retry", None
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at, outcome = WebhookDelivery.Status.SENT, now, "sent"
        elif final or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status, outcome = WebhookDelivery.Status.FAILED, "failed"
        else:
            wait = webhook_backoff(delivery.attempts)
            delivery.next_attempt_at = now + wait
        delivery.save(
            update_fields=[
                "attempts", "last_attempt_at", "response_code", "error", "status", "delivered_at", "next_attempt_at"
            ]
        )  # fmt: skip
    return outcome, wait


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret, as hex."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_post(*, webhook: Webhook, delivery: WebhookDelivery) -> tuple[int | None, str, bool]:
    """POST the delivery's payload, signed; returns (status code or None, error, final).

    `final` means retrying cannot help: the address is refused, or the receiver answered with a redirect."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    signature = webhook_signature(secret=webhook.secret, timestamp=timestamp, body=body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.pk),
        SIGNATURE_HEADER: f"t={timestamp},v1={signature}",
    }
    parts = urlsplit(webhook.url)
    try:
        addresses = resolve(parts.hostname or "", parts.port)
    except (OSError, ValueError) as error:
        return None, _("The address could not be resolved: %(error)s") % {"error": error}, False
    problem = url_refusal(webhook.url, addresses=addresses)
    if problem:
        return None, problem, True
    connection_class = PinnedHTTPSConnection if parts.scheme == "https" else PinnedHTTPConnection
    connection = connection_class(
        parts.hostname, parts.port, address=addresses[0], timeout=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read(65536)
        code = answer.status
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}", False
    finally:
        connection.close()
    if 300 <= code < 400:
        return code, _("The receiver answered with a redirect, which webhooks do not follow."), True
    if not 200 <= code < 300:
        return code, _("The receiver answered %(code)d.") % {"code": code}, False
    return code, "", False
