"""Reads that may be a few seconds old go to the read replica (DATABASE_REPLICA_URL); everything else to the primary.

A view opts in with `@reads_from_replica` (results pages, exports, the metrics API, KPI pages). Inside such a
view, and only for GET and HEAD, `ReplicaRouter` sends reads to the `replica` alias; writes always go to
`default`, and so does every read outside those views: forms and the page after them, the case desk, the hosted
survey, sign-in and sessions, the admin, Celery tasks. Without a replica configured the router is not installed
(settings) and the decorator changes nothing.

Replication lag: the replica is used only while it is less than DATABASE_REPLICA_MAX_LAG seconds behind (checked
at most every LAG_CHECK_SECONDS per process; an unreachable replica counts as too far behind), and a browser that
sent a form reads from the primary for that long after it (a cookie set by `PrimaryAfterWriteMiddleware`), so a
person sees what they have just saved. 0 turns both off: the replica is then used however far behind it is.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from time import monotonic

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
ROUTER = "cxprogram.replica.ReplicaRouter"
SAFE_METHODS = ("GET", "HEAD")
WROTE_COOKIE = "cx_wrote"
LAG_CHECK_SECONDS = 5
# Seconds behind the primary: none when the standby has replayed all it received from a live WAL receiver (an idle
# primary sends nothing new), else the age of the last transaction it replayed.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8, 'Infinity'::float8)
END
"""

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


class ReplicaRouter:
    """`replica` for reads inside `reads_from_replica` when that alias exists; `default` for everything else."""

    def db_for_read(self, model, **hints) -> str | None:
        return REPLICA if _replica_reads.get() and REPLICA in connections else None

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database: a row read from the replica may be linked to one from the primary

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == "default"  # the replica receives the schema by replication


@dataclass
class LagCheck:
    """This process's latest verdict on the replica, kept LAG_CHECK_SECONDS."""

    at: float = float("-inf")
    usable: bool = False
    lag: float | None = None


_last_check = LagCheck()


def replica_lag() -> float:
    """Seconds the replica is behind the primary (0 on anything but a PostgreSQL standby)."""
    connection = connections[REPLICA]
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def replica_configured() -> bool:
    """A `replica` alias and this router in the settings (both come from DATABASE_REPLICA_URL)."""
    return REPLICA in connections and ROUTER in settings.DATABASE_ROUTERS


def replica_usable() -> bool:
    """Whether the replica is configured and close enough behind the primary; cached LAG_CHECK_SECONDS."""
    if not replica_configured():
        return False
    limit = settings.DATABASE_REPLICA_MAX_LAG
    if not limit:
        return True
    now = monotonic()
    if now - _last_check.at < LAG_CHECK_SECONDS:
        return _last_check.usable
    try:
        lag = replica_lag()
    except DatabaseError:
        logger.warning("The read replica cannot be reached; reading from the primary.", exc_info=True)
        lag = None
    usable = lag is not None and lag < limit
    if not usable and lag is not None:
        logger.warning("The read replica is %.1f s behind (limit %s s); reading from the primary.", lag, limit)
    _last_check.at, _last_check.usable, _last_check.lag = now, usable, lag
    return usable


def _may_read_replica(request: HttpRequest) -> bool:
    if request.method not in SAFE_METHODS:
        return False
    if settings.DATABASE_REPLICA_MAX_LAG and request.COOKIES.get(WROTE_COOKIE):
        return False  # this browser saved something moments ago: show it from where it was written
    return replica_usable()


def reads_from_replica(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let a view's GET and HEAD read from the replica: for pages that may show data a few seconds old. Put it
    under `login_required`, so that the session and the user are read from the primary first (someone who has just
    signed in is known). A streamed body (the CSV export) reads from the replica while it is sent."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _may_read_replica(request):
            return view(request, *args, **kwargs)
        token = _replica_reads.set(True)
        try:
            response = view(request, *args, **kwargs)
        finally:
            _replica_reads.reset(token)
        if isinstance(response, StreamingHttpResponse) and not isinstance(response, FileResponse):
            response.streaming_content = _chunks_from_replica(response.streaming_content)
        return response

    return wrapped


def _chunks_from_replica(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Each chunk produced with replica reads on, and only while it is produced (nothing leaks to the server)."""
    chunks = iter(chunks)
    while True:
        token = _replica_reads.set(True)
        try:
            chunk = next(chunks, None)
        finally:
            _replica_reads.reset(token)
        if chunk is None:
            return
        yield chunk


class PrimaryAfterWriteMiddleware:
    """After a form or an API write, this browser reads from the primary for DATABASE_REPLICA_MAX_LAG seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and settings.DATABASE_REPLICA_MAX_LAG:
            response.set_cookie(
                WROTE_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_MAX_LAG,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
