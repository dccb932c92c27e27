"""Celery tasks of the kpis app: thin wrappers around the measurement service."""

from datetime import date

from celery import shared_task

from .models import Kpi
from .services.measurements import kpi_compute, kpis_compute_recent


@shared_task(acks_late=True)
def compute_recent_kpis() -> int:
    """Beat: every active KPI for its current and previous period (idempotent, so a re-run changes nothing)."""
    return kpis_compute_recent(periods=2)


@shared_task(acks_late=True)
def compute_kpi(kpi_id: int, date_from: str, date_to: str) -> int:
    """On demand: one KPI over a range of days (ISO dates); a deleted KPI is skipped."""
    kpi = Kpi.objects.prefetch_related("questions", "touchpoints").filter(pk=kpi_id).first()
    if kpi is None:
        return 0
    return kpi_compute(kpi=kpi, date_from=date.fromisoformat(date_from), date_to=date.fromisoformat(date_to)).total
