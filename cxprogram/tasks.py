"""Periodic upkeep of the program's core records, and sending webhooks."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from .webhooks import webhook_deliver, webhook_sweep


@shared_task
def clear_expired_sessions() -> int:
    """Delete sign-in sessions that have expired; returns how many were removed."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str:
    """One attempt at a webhook delivery; the service decides whether and when to try again."""
    outcome, wait = webhook_deliver(delivery_id=delivery_id)
    if outcome == "retry":
        raise self.retry(countdown=int(wait.total_seconds()))
    return outcome


@shared_task
def sweep_webhook_deliveries() -> int:
    """Beat: queue pending deliveries that were never queued (broker down) or were lost."""
    return webhook_sweep()
