"""The background processes' heartbeats, recorded by the processes themselves (read by cxprogram.selectors).

A worker records one every HEARTBEAT_SECONDS from a thread of its own while its consumer is running, so a long
task does not make it look dead; a worker that exits, is killed or loses its consumer stops recording. Beat
records one from its scheduling loop (HeartbeatScheduler.tick), so a beat that hangs stops too. Both go to the
database, which the web processes read on the embedded default as in production and which outlives a Redis
outage. A failed write is logged and tried again at the next beat: it must never stop the process.
"""

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from time import monotonic

from celery import bootsteps, signals
from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

FORGET_AFTER = timedelta(days=7)  # rows of processes gone this long (e.g. old container names) are deleted


def record(role: str, node: str, started_at) -> bool:
    """One heartbeat; False (and a log line) when the database refused it."""
    from .services import heartbeat_record  # Django's models are loaded after the Celery app is created

    try:
        close_old_connections()  # a connection broken by a database restart is replaced, not reused
        heartbeat_record(role=role, node=node, started_at=started_at)
    except DatabaseError as error:
        logger.warning("Could not record the %s heartbeat of %s: %s", role, node, error)
        connection.close()
        return False
    return True


def forget_old_processes() -> None:
    from .services import heartbeat_prune

    try:
        heartbeat_prune(older_than=FORGET_AFTER)
    except DatabaseError as error:
        logger.warning("Could not prune old heartbeats: %s", error)


class WorkerHeartbeat(threading.Thread):
    """Records the worker's heartbeat every HEARTBEAT_SECONDS while `running()` says its consumer runs."""

    def __init__(self, node: str, running: Callable[[], bool]):
        super().__init__(name="cxprogram-heartbeat", daemon=True)
        self.node = node
        self.running = running
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def run(self) -> None:
        forget_old_processes()
        while not self.stopping.is_set():
            if self.running():
                record("worker", self.node, self.started_at)
            # Not kept open between heartbeats: a pool process forked meanwhile would inherit its socket.
            connection.close()
            self.stopping.wait(settings.HEARTBEAT_SECONDS)


_worker_heartbeat: WorkerHeartbeat | None = None


@signals.worker_ready.connect
def start_worker_heartbeat(sender, **kwargs) -> None:
    """`sender` is the worker's consumer; its blueprint leaves RUN when it shuts down (not while it reconnects to a
    broker that went away: the worker is alive then, and /healthz names the broker)."""
    global _worker_heartbeat  # one heartbeat thread per worker process
    consumer = sender
    _worker_heartbeat = WorkerHeartbeat(
        node=consumer.hostname, running=lambda: consumer.blueprint.state == bootsteps.RUN
    )
    _worker_heartbeat.start()


@signals.worker_shutting_down.connect
def stop_worker_heartbeat(**kwargs) -> None:
    if _worker_heartbeat is not None:
        _worker_heartbeat.stopping.set()


class HeartbeatScheduler(PersistentScheduler):
    """Celery's default scheduler that also records beat's heartbeat on its loop (CELERY_BEAT_SCHEDULER);
    CELERY_BEAT_MAX_LOOP_INTERVAL makes the loop turn at least once per heartbeat."""

    def __init__(self, *args, **kwargs):
        self.heartbeat_node = f"beat@{socket.gethostname()}:{os.getpid()}"
        self.heartbeat_started_at = timezone.now()
        self.heartbeat_last = None
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        wait = super().tick(*args, **kwargs)
        if self.heartbeat_last is None:
            forget_old_processes()
        if self.heartbeat_last is None or monotonic() - self.heartbeat_last >= settings.HEARTBEAT_SECONDS:
            self.heartbeat_last = monotonic()
            record("beat", self.heartbeat_node, self.heartbeat_started_at)
        return min(wait, settings.HEARTBEAT_SECONDS)
