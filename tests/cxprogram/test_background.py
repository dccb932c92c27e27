"""Background work runs in a real Celery worker: over a folder (the embedded default) and over Redis."""

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.cxprogram.background_processes import migrated_database
from tests.cxprogram.test_health import REDIS_URL, redis_answers

ROOT = Path(__file__).resolve().parents[2]

SEND = """
from cxprogram.celery import app
with app.connection_for_write() as conn:
    app.send_task("cxprogram.tasks.clear_expired_sessions", connection=conn)
"""
MAKE_SESSIONS = """
from datetime import timedelta
from django.contrib.sessions.models import Session
from django.utils import timezone
now = timezone.now()
Session.objects.create(session_key="old", session_data="x", expire_date=now - timedelta(days=1))
Session.objects.create(session_key="new", session_data="x", expire_date=now + timedelta(days=1))
"""


def sessions_left(database: Path) -> list[str]:
    """Read straight from the SQLite file: starting a Django process per look took seconds."""
    with closing(sqlite3.connect(database)) as connection:
        return [key for (key,) in connection.execute("SELECT session_key FROM django_session ORDER BY 1")]


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    ).stdout


@pytest.mark.parametrize(
    "broker",
    [
        "filesystem://",
        pytest.param(
            REDIS_URL,
            marks=pytest.mark.skipif(not redis_answers(), reason="no Redis server on 127.0.0.1:6379"),
        ),
    ],
)
def test_worker_runs_a_queued_task(tmp_path, broker, migrated_sqlite):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL", "CELERY_TASK_ALWAYS_EAGER"}}
    env.update(
        DJANGO_SETTINGS_MODULE="cxprogram.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CXPROGRAM_VAR_DIR=str(tmp_path / "var"),
        CELERY_BROKER_URL=broker,
    )
    migrated_database(migrated_sqlite, tmp_path)  # migrated once per session
    if broker.startswith("redis"):
        subprocess.run(["redis-cli", "-u", broker, "flushdb"], check=True, capture_output=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cxprogram", "worker", "--pool=solo", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        manage(env, "shell", "-c", MAKE_SESSIONS + SEND)
        deadline = time.monotonic() + 20
        while (remaining := sessions_left(tmp_path / "db.sqlite3")) != ["new"] and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.terminate()
        log = worker.communicate(timeout=30)[0]
    assert remaining == ["new"], log[-4000:]
    assert "cxprogram.tasks.clear_expired_sessions" in log
