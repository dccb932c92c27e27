"""Checks behind /healthz: can we reach the database and the Celery broker."""

from django.conf import settings
from django.db import DatabaseError, connection


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return f"unavailable: {type(error).__name__}"
    return "ok"


def broker_state() -> str:
    """'ok' when the broker accepts a connection, 'in-process' when tasks run eagerly."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    from cxprogram.celery import app

    try:
        with app.connection_for_write(
            url=settings.CELERY_BROKER_URL,
            transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as error:  # noqa: BLE001 - any failure to connect means the broker is unavailable
        return f"unavailable: {type(error).__name__}"
    return "ok"
