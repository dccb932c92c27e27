"""Checks behind /healthz: can we reach the database and the Celery broker, and are the worker and beat alive."""

from django.conf import settings
from django.db import DatabaseError, connection
from kombu import Connection

from . import replica
from .selectors import background_health


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return f"unavailable: {type(error).__name__}"
    return "ok"


def replica_state() -> str | None:
    """The read replica, measured now: 'ok', 'behind <n> s' (DATABASE_REPLICA_MAX_LAG or more: pages read the
    primary meanwhile) or 'unavailable: <error>'; None when there is none."""
    if not replica.replica_configured():
        return None
    try:
        lag = replica.replica_lag()
    except DatabaseError as error:
        return f"unavailable: {type(error).__name__}"
    limit = settings.DATABASE_REPLICA_MAX_LAG
    return f"behind {lag:.1f} s" if limit and lag >= limit else "ok"


def broker_state() -> str:
    """'ok' when the broker accepts a connection, 'in-process' when tasks run eagerly."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    url = settings.CELERY_BROKER_URL
    # Our own transport serves the folder URL only (settings/base.py); any other URL names its own by its scheme.
    transport = getattr(settings, "CELERY_BROKER_TRANSPORT", None) if url == "filesystem://" else None
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    try:
        with Connection(url, transport=transport, transport_options=options) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as error:  # noqa: BLE001 - any failure to connect means the broker is unavailable
        return f"unavailable: {type(error).__name__}"
    return "ok"


def background_states() -> dict[str, str]:
    """{'worker': ..., 'beat': ...}: 'ok', 'stale since <time>', 'never seen'; 'in-process' when tasks run eagerly,
    'unknown' when the database (where the heartbeats are) does not answer."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"worker": "in-process", "beat": "in-process"}
    try:
        background = background_health()
    except DatabaseError:
        return {"worker": "unknown", "beat": "unknown"}
    return {"worker": background.worker.state, "beat": background.beat.state}
