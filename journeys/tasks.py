"""Celery tasks of the journeys app: thin wrappers around the importance service."""

from celery import shared_task

from .services.importance import importance_compute, importance_refresh_current


@shared_task(acks_late=True)
def compute_importance(run_id: int) -> bool:
    """On demand: one journey's touchpoint importance for one period and scope (a deleted run is skipped)."""
    return importance_compute(run_id=run_id) is not None


@shared_task(acks_late=True)
def compute_journey_importance() -> int:
    """Beat, nightly: every current journey's importance over its default 90 days."""
    return importance_refresh_current()
