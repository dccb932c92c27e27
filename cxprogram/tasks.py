"""Periodic upkeep of the program's core records, and sending webhooks."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from .customer_counts import customer_counts_compact
from .customer_import import customer_import_run, customer_imports_requeue
from .webhooks import webhook_deliver, webhook_sweep


@shared_task
def clear_expired_sessions() -> int:
    """Delete sign-in sessions that have expired; returns how many were removed."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def compact_customer_counts() -> int:
    """Beat: sum the customer counts' ledger into one row per group; returns the rows left."""
    return customer_counts_compact()


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


@shared_task(acks_late=True)
def import_customers(import_id: int) -> str:
    """Import a stored customer CSV file from where it got to; returns the import's status."""
    return customer_import_run(import_id=import_id).status


@shared_task
def requeue_customer_imports() -> int:
    """Beat: queue again imports that wait for a broker that was away or lost their worker."""
    return customer_imports_requeue()
