"""A real worker and beat behind /healthz: killed, /healthz says so within the stale time; under `manage.py
run_worker` (what `make run` starts) the worker comes back by itself, with one beat, not two. On the embedded
default's folder, and on a Redis server of the test's own, which it also stops and starts again."""

import os
import shutil
import signal
import socket
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


@pytest.fixture
def env(request, tmp_path, migrated_sqlite):
    migrated_database(migrated_sqlite, tmp_path)
    return environment(tmp_path, request.param)


@pytest.fixture
def probe(env):
    process = start(env, "manage.py", "shell", "--no-imports", "-c", PROBE)
    yield process
    stop(process, signal.SIGKILL)


def healthy(reading: dict) -> bool:
    return reading["status"] == 200 and reading["body"]["worker"] == reading["body"]["beat"] == "ok"


def kill_and_see_it_on_healthz(pid: int, probe: subprocess.Popen, group: bool = True) -> None:
    """SIGKILL the worker (with its beat: `group`); /healthz must say so within the stale time."""
    (os.killpg if group else os.kill)(pid, signal.SIGKILL)
    killed = time.monotonic()
    reading = probe_until(probe, lambda r: r["body"]["worker"] != "ok", timeout=HEARTBEAT_STALE_SECONDS + 10)
    noticed = time.monotonic() - killed
    assert reading["body"]["worker"].startswith("stale since ")
    assert (reading["status"], reading["body"]["status"]) == (503, "unavailable")
    assert reading["body"]["database"] == "ok"
    # The stale time counts from the last heartbeat, which came before the kill; 2 s more allow for the probe's
    # pace on a loaded machine.
    assert noticed <= HEARTBEAT_STALE_SECONDS + 2, noticed


@pytest.mark.parametrize("env", ["filesystem://"], indirect=True)  # make run's broker; Redis: the last test
def test_a_killed_worker_shows_on_healthz_and_run_worker_brings_it_back_with_one_beat(env, probe):
    log = Path(env["CXPROGRAM_VAR_DIR"]).parent / "run_worker.log"
    # A restart delay above the stale time, so that the stopped worker shows before it is back.
    delay = HEARTBEAT_STALE_SECONDS + 3
    supervisor = start(env, "manage.py", "run_worker", "--loglevel=INFO", f"--restart-delay={delay}", log=log)
    try:
        first = probe_until(probe, healthy, timeout=60)
        pid = worker_pid(supervisor, 1)
        # The worker's main process only, with no chance to say goodbye: its beat is left orphaned.
        kill_and_see_it_on_healthz(pid, probe, group=False)
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
    assert f"Worker (pid {pid}) exited with -9; starting it again in {delay} s." in log
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


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test's own, which it may stop and start again."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]

    def start_redis() -> subprocess.Popen:
        server = subprocess.Popen([*command, "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout != b"PONG\n":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        return server

    servers = [start_redis()]
    yield f"redis://127.0.0.1:{port}/0", servers, start_redis
    for server in servers:
        server.kill()
        server.wait()


@pytest.mark.redis
def test_on_redis_an_outage_names_the_broker_and_a_killed_worker_shows(tmp_path, migrated_sqlite, own_redis):
    """Heartbeats are in the database, so while Redis is away /healthz tells an unreachable broker from a dead
    worker; when Redis is back the worker is ready again by itself; killed, it shows within the stale time."""
    url, servers, start_redis = own_redis
    migrated_database(migrated_sqlite, tmp_path)
    env = environment(tmp_path, url)
    probe = start(env, "manage.py", "shell", "--no-imports", "-c", PROBE)
    worker = start_worker(env, "--beat")
    try:
        probe_until(probe, healthy, timeout=60)
        servers[0].kill()
        servers[0].wait()
        down = probe_until(probe, lambda r: r["body"]["broker"] != "ok", timeout=10)
        # Longer than the stale time: the worker, which is alive, keeps its heartbeat.
        later = probe_until(probe, lambda r: r["now"] - down["now"] > HEARTBEAT_STALE_SECONDS + 1, timeout=10)
        servers.append(start_redis())
        probe_until(probe, lambda r: healthy(r) and r["body"]["broker"] == "ok", timeout=60)
        kill_and_see_it_on_healthz(worker.pid, probe)
    finally:
        stop(worker, signal.SIGKILL)
        stop(probe, signal.SIGKILL)
    for reading in (down, later):
        assert reading["status"] == 503
        assert (reading["body"]["broker"], reading["body"]["worker"]) == ("unavailable: OperationalError", "ok")
