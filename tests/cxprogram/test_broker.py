"""The embedded default's broker (cxprogram/broker.py) with a real `celery worker` on it: message files that cannot
be read are set aside and the worker goes on; messages published at once by several processes each run once."""

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from kombu import Connection

from cxprogram import celery_app
from tests.cxprogram.background_processes import ROOT, environment, migrated_database, start_worker, stop

SEND = """
import sys
from cxprogram.celery import app
numbers = range(int(sys.argv[1]), int(sys.argv[2]))
with app.connection_for_write() as connection:
    for number in numbers:
        app.send_task("tests.record_run", args=[number], connection=connection)
"""


@pytest.fixture
def env(tmp_path, migrated_sqlite) -> dict:
    migrated_database(migrated_sqlite, tmp_path)
    return environment(tmp_path)


def send_here(env: dict, *numbers: int) -> None:
    """Publish record_run(n) for each number from this process, through the embedded default's transport."""
    folder = str(Path(env["CXPROGRAM_VAR_DIR"]) / "celery-broker")
    Path(folder, "control").mkdir(parents=True, exist_ok=True)
    options = {"data_folder_in": folder, "data_folder_out": folder, "control_folder": f"{folder}/control"}
    with Connection("filesystem://", transport="cxprogram.broker:Transport", transport_options=options) as connection:
        for number in numbers:
            celery_app.send_task("tests.record_run", args=[number], connection=connection)


def send(env: dict, first: int, last: int) -> subprocess.Popen:
    """A process that publishes record_run(first) … record_run(last - 1) over one connection."""
    code = "import django; django.setup()\n" + SEND
    return subprocess.Popen([sys.executable, "-c", code, str(first), str(last)], cwd=ROOT, env=env)


def runs(env: dict) -> Counter:
    path = Path(env["CXPROGRAM_TEST_RUNS_FILE"])
    return Counter(int(line) for line in path.read_text().split()) if path.exists() else Counter()


def wait_for_runs(env: dict, expected: int, worker: subprocess.Popen, timeout: float) -> Counter:
    deadline = time.monotonic() + timeout
    while sum((counted := runs(env)).values()) < expected and time.monotonic() < deadline:
        assert worker.poll() is None, "the worker exited:\n" + stop(worker)[-3000:]
        time.sleep(0.2)
    return counted


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # publishing for a real worker is meant
def test_empty_cut_and_foreign_message_files_are_set_aside_and_the_worker_goes_on(env):
    folder = Path(env["CXPROGRAM_VAR_DIR"]) / "celery-broker"
    send_here(env, 1, 2, 3)
    first = sorted(folder.glob("*.celery.msg"))[0].read_bytes()
    # Named to be read before the good messages: what a worker listing the folder mid-write, a producer killed
    # while writing, a full disk or a stray file leave behind.
    bad = {
        "000000000000001_empty.celery.msg": b"",
        "000000000000002_cut.celery.msg": first[: len(first) // 2],
        "000000000000003_not-a-message.celery.msg": b'{"hello": "world"}',
        "000000000000004_binary.celery.msg": b"\xff\xfe\x00garbage",
    }
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    # What this transport's producer leaves when killed mid-write: a hidden temporary file, never read as a message.
    (folder / ".3f2a.tmp").write_bytes(first[:10])
    worker = start_worker(env, "--include=tests.cxprogram.worker_tasks")
    try:
        assert wait_for_runs(env, 3, worker, timeout=60) == Counter({1: 1, 2: 1, 3: 1})
        send_here(env, 4)  # the worker still takes new work
        assert wait_for_runs(env, 4, worker, timeout=30) == Counter({1: 1, 2: 1, 3: 1, 4: 1})
        assert worker.poll() is None
    finally:
        log = stop(worker)
    aside = folder / "unreadable"
    assert sorted(p.name for p in aside.iterdir()) == sorted(bad)
    assert {name: (aside / name).read_bytes() for name in bad} == bad  # kept as they were, for a look
    assert "Broker message 000000000000001_empty.celery.msg is empty; moved it to" in log
    assert "Broker message 000000000000002_cut.celery.msg is not a message (JSONDecodeError" in log
    assert "Unrecoverable error" not in log
    assert list(folder.glob("*.msg")) == []
    assert (folder / ".3f2a.tmp").read_bytes() == first[:10]


def test_two_thousand_tasks_sent_at_once_by_four_processes_each_run_once(env):
    folder = Path(env["CXPROGRAM_VAR_DIR"]) / "celery-broker"
    worker = start_worker(env, "--include=tests.cxprogram.worker_tasks", "--loglevel=WARNING")
    try:
        # The worker lists the folder while four producers write into it: kombu's own transport read files
        # before their producer had written them and died of it (celery/kombu#1551).
        senders = [send(env, first, first + 500) for first in range(0, 2000, 500)]
        assert [sender.wait(timeout=120) for sender in senders] == [0, 0, 0, 0]
        counted = wait_for_runs(env, 2000, worker, timeout=120)
        time.sleep(0.5)  # a message run twice would show up now
        counted = runs(env)
    finally:
        log = stop(worker)
    assert sorted(counted) == list(range(2000)), log[-3000:]
    assert set(counted.values()) == {1}
    assert list(folder.glob("*.msg")) == []
    assert not (folder / "unreadable").exists()


def test_an_empty_exchange_table_is_started_afresh_and_rewritten_whole(tmp_path, caplog):
    """The table of a fanout exchange (Celery's remote control) is kombu's other file rewritten in place."""
    control = tmp_path / "control"
    control.mkdir()
    (control / "celery.pidbox.exchange").write_bytes(b"")  # left by a writer killed between truncate and write
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path), "control_folder": str(control)}
    with Connection("filesystem://", transport="cxprogram.broker:Transport", transport_options=options) as connection:
        channel = connection.default_channel
        assert channel.get_table("celery.pidbox") == []
        channel._queue_bind("celery.pidbox", "", "", "celery@a.celery.pidbox")
        channel._queue_bind("celery.pidbox", "", "", "celery@b.celery.pidbox")
        channel._queue_bind("celery.pidbox", "", "", "celery@a.celery.pidbox")  # bound twice, listed once
        assert [row.queue for row in channel.get_table("celery.pidbox")] == [
            "celery@b.celery.pidbox",
            "celery@a.celery.pidbox",
        ]
    assert "Broker exchange table celery.pidbox.exchange is unreadable" in caplog.text
    assert sorted(p.name for p in control.iterdir()) == ["celery.pidbox.exchange", "celery.pidbox.exchange.lock"]
