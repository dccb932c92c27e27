"""Real background processes for tests: a migrated SQLite file, a `celery worker` (or `manage.py run_worker`)
subprocess, and a probe process that reads /healthz every 0.2 s and prints what it saw."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEARTBEAT_SECONDS = 1
HEARTBEAT_STALE_SECONDS = 3

PROBE = """
import json, sys, time
from django.test import Client
from cxprogram.models import Heartbeat
client = Client()
while True:
    response = client.get("/healthz", headers={"host": "127.0.0.1"})
    workers = list(Heartbeat.objects.filter(role="worker").order_by("-seen_at").values_list("started_at", flat=True))
    beats = Heartbeat.objects.filter(role="beat").values_list("node", "seen_at")
    print(json.dumps({
        "status": response.status_code,
        "body": response.json(),
        "worker_started": workers[0].isoformat() if workers else None,
        "beats": {node: seen.timestamp() for node, seen in beats},
        "now": time.time(),
    }), flush=True)
    time.sleep(0.2)
"""


def environment(tmp_path: Path, broker: str = "filesystem://") -> dict:
    """The embedded default's settings on files under `tmp_path`, with a 1 s heartbeat, stale after 3 s."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL", "CELERY_TASK_ALWAYS_EAGER"}}
    env.update(
        DJANGO_SETTINGS_MODULE="cxprogram.settings.dev",
        DEBUG="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CXPROGRAM_VAR_DIR=str(tmp_path / "var"),
        CELERY_BROKER_URL=broker,
        HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
        HEARTBEAT_STALE_SECONDS=str(HEARTBEAT_STALE_SECONDS),
        CXPROGRAM_TEST_RUNS_FILE=str(tmp_path / "runs.txt"),
        PYTHONUNBUFFERED="1",
    )
    return env


def migrated_database(template_dir: Path, tmp_path: Path) -> None:
    """Copy a database migrated once per test session (the `migrated_sqlite` fixture) into `tmp_path`."""
    template = template_dir / "db.sqlite3"
    if not template.exists():
        manage(environment(template_dir), "migrate", "-v0")
    shutil.copy(template, tmp_path / "db.sqlite3")


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    ).stdout


def start(env: dict, *args: str, log: Path | None = None) -> subprocess.Popen:
    """A process of this project in a session of its own (so that the test can end all of it). Its output goes to
    `log` (a pipe nobody reads would fill and block it), or to a pipe for the test to read line by line."""
    output = open(log, "w") if log else subprocess.PIPE  # noqa: SIM115 - closed with the process, in stop()
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    process.log = log
    if log:
        output.close()  # the child has its own copy
    return process


def start_worker(env: dict, *extra: str) -> subprocess.Popen:
    log = Path(env["CXPROGRAM_VAR_DIR"]).parent / f"worker-{time.monotonic_ns()}.log"
    return start(env, "-m", "celery", "-A", "cxprogram", "worker", "--pool=solo", "--loglevel=INFO", *extra, log=log)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> str:
    """End the process and everything it started (warmly by default); return its output."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        output = process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output = process.communicate(timeout=10)[0]
    return process.log.read_text() if process.log else output


def probe_until(probe: subprocess.Popen, condition, timeout: float) -> dict:
    """Read the probe's lines until one meets `condition`; AssertionError with the last line after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        line = probe.stdout.readline()
        if not line:
            raise AssertionError(f"the probe stopped; last reading {last}")
        if not line.startswith("{"):
            continue
        last = json.loads(line)
        if condition(last):
            return last
    raise AssertionError(f"not within {timeout} s; last reading {last}")
