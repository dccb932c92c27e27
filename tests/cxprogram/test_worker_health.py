"""A real worker and beat behind /healthz: killed, /healthz says so within the stale time; under `manage.py
run_worker` (what `make run` starts) the worker comes back by itself, with one beat, not two. On the embedded
default's folder and on Redis."""

import os
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.cxprogram.background_processes import (
    HEARTBEAT_SECONDS,
    HEARTBEAT_STALE_SECONDS,
    PROBE,
    environment,
    migrated_database,
    probe_until,
    start,
    start_worker,
    stop,
)
from tests.cxprogram.test_health import REDIS_URL, redis_answers

BROKERS = [
    "filesystem://",
    pytest.param(
        REDIS_URL,
        marks=[pytest.mark.redis, pytest.mark.skipif(not redis_answers(), reason="no Redis server on 127.0.0.1:6379")],
    ),
]


@pytest.fixture
def env(request, tmp_path, migrated_sqlite):
    broker = request.param
    migrated_database(migrated_sqlite, tmp_path)
    if broker.startswith("redis"):
        subprocess.run(["redis-cli", "-u", broker, "flushdb"], check=True, capture_output=True)
    return environment(tmp_path, broker)


@pytest.fixture
def probe(env):
    process = start(env, "manage.py", "shell", "--no-imports", "-c", PROBE)
    yield process
    stop(process, signal.SIGKILL)


def healthy(reading: dict) -> bool:
    return reading["status"] == 200 and reading["body"]["worker"] == reading["body"]["beat"] == "ok"


@pytest.mark.parametrize("env", BROKERS, indirect=True)
def test_a_killed_worker_shows_on_healthz_within_the_stale_time(env, probe):
    worker = start_worker(env, "--beat")
    try:
        probe_until(probe, healthy, timeout=60)
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its beat, with no chance to say goodbye
        killed = time.monotonic()
        reading = probe_until(probe, lambda r: r["body"]["worker"] != "ok", timeout=HEARTBEAT_STALE_SECONDS + 10)
        noticed = time.monotonic() - killed
    finally:
        stop(worker, signal.SIGKILL)
    assert reading["body"]["worker"].startswith("stale since ")
    assert (reading["status"], reading["body"]["status"]) == (503, "unavailable")
    assert reading["body"]["database"] == "ok"
    # The stale time counts from the last heartbeat, which came before the kill; 2 s more allow for the probe's
    # pace on a loaded machine.
    assert noticed <= HEARTBEAT_STALE_SECONDS + 2, noticed


@pytest.mark.parametrize("env", ["filesystem://"], indirect=True)  # make run's broker
def test_run_worker_brings_a_killed_worker_back_with_one_beat(env, probe):
    log = Path(env["CXPROGRAM_VAR_DIR"]).parent / "run_worker.log"
    supervisor = start(env, "manage.py", "run_worker", "--loglevel=INFO", log=log)
    try:
        first = probe_until(probe, healthy, timeout=60)
        pid = worker_pid(supervisor, 1)
        os.kill(pid, signal.SIGKILL)  # the worker's main process only: its beat is left orphaned
        killed_at = time.time()
        back = probe_until(
            probe,
            lambda r: healthy(r) and datetime.fromisoformat(r["worker_started"]).timestamp() > killed_at,
            timeout=60,
        )
        # One beat recording: the orphaned beat of the killed worker was ended with it.
        live_beats = probe_until(
            probe,
            lambda r: (
                sum(r["now"] - seen < 2 * HEARTBEAT_SECONDS for seen in r["beats"].values()) == 1
                and len(r["beats"]) == 2
            ),
            timeout=10,
        )
        assert worker_pid(supervisor, 2) != pid
    finally:
        log = stop(supervisor)
    assert first["worker_started"] != back["worker_started"]
    assert len(live_beats["beats"]) == 2  # the first run's beat (silent now) and the new one
    assert f"Worker (pid {pid}) exited with -9; starting it again in 1 s." in log
    assert supervisor.returncode == 0, log[-3000:]


def worker_pid(supervisor, nth: int) -> int:
    """The pid of the nth worker run_worker started, from its log."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        started = [line for line in supervisor.log.read_text().splitlines() if line.startswith("Worker started (pid ")]
        if len(started) >= nth:
            return int(started[nth - 1].removeprefix("Worker started (pid ").rstrip(").").strip())
        time.sleep(0.1)
    raise AssertionError(supervisor.log.read_text()[-3000:])
