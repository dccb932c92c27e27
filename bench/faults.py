"""Fault runs: a Celery worker killed while it sends e-mails, PostgreSQL restarted under load, Redis down.

    .venv/bin/python bench/faults.py [worker-kill] [pg-restart] [redis-down] [--invitations 300] [--cases 60]

With no scenario named, all three run. The script starts its own throwaway PostgreSQL cluster (initdb + pg_ctl on
port 5442, as the `postgres` user when run by root) and Redis (port 6390, nothing saved to disk), an SMTP sink in
this process that keeps every message it accepted, and the application's real processes: gunicorn (2 sync workers),
`celery worker` and `celery beat` with bench/faults_settings.py. Each scenario prints its figures and a verdict line;
the last line sums them up. Exit code 0 when all pass, 1 when one fails, 2 when the run itself broke.
Nothing is left running. See bench/README.md.
"""

import argparse
import contextlib
import email
import email.policy
import glob
import html
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.survey_submit import (  # noqa: E402
    FORM_ACTION,
    HIDDEN,
    HOST,
    USER_AGENT,
    RunBroken,
    answers_for,
    half_saved,
    http_request,
    log,
    run,
    start_server,
    wait_ready,
)

BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
CELERY = BIN / "celery"
SETTINGS = "bench.faults_settings"
DB_NAME = "cx_faults"
SCENARIOS = ("worker-kill", "pg-restart", "redis-down")


# ---------------------------------------------------------------- throwaway servers


def pg_bin(name: str) -> str:
    """A PostgreSQL server program (Debian keeps initdb and pg_ctl out of PATH), newest version first."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]), reverse=True)
    if not found:
        raise RunBroken(f"{name} not found under /usr/lib/postgresql/*/bin: install the postgresql package")
    return found[0]


class Postgres:
    """A PostgreSQL cluster of our own in a temporary folder; restarted and stopped by the scenarios."""

    def __init__(self, port: int, workdir: Path):
        self.port = port
        self.folder = workdir / "pgcluster"
        self.options = f"-p {port} -k {self.folder} -c listen_addresses={HOST}"
        self.data = self.folder / "data"
        self.log_path = self.folder / "server.log"
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def _cmd(self, *cmd: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if self.as_postgres else list(cmd)

    def _ctl(self, *args: str, timeout: float = 60) -> None:
        run(self._cmd(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log_path), "-w", "-t", "30", *args),
            timeout=timeout, what=f"pg_ctl {args[0]}")  # fmt: skip

    def create(self) -> None:
        self.folder.mkdir(parents=True)
        if self.as_postgres:
            shutil.chown(self.folder.parent, "postgres")  # runuser needs to reach the folder
            shutil.chown(self.folder, "postgres", "postgres")
        run(self._cmd(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8"), timeout=120, what="initdb")  # fmt: skip
        self.start()

    def start(self) -> None:
        self._ctl("start", "-o", self.options)

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast", "-o", self.options)

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def psql(self, sql: str, db: str = "postgres") -> str:
        return run(["psql", "-h", HOST, "-p", str(self.port), "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1",
                    "-Atqc", sql], timeout=120, what=f"psql {sql[:40]}")  # fmt: skip

    def fresh_database(self) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{DB_NAME}"')

    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{DB_NAME}"

    def connect(self):
        return psycopg.connect(host=HOST, port=self.port, user="postgres", dbname=DB_NAME, autocommit=True)

    def version(self) -> str:
        return "PostgreSQL " + self.psql("SHOW server_version").split()[0]

    def destroy(self) -> None:
        if self.running():
            try:
                self.stop("immediate")
            except RunBroken as error:
                print(f"could not stop the bench PostgreSQL: {error}", file=sys.stderr)


class Redis:
    """A Redis server of our own that keeps nothing on disk: stopping it loses every queued message, like a crash."""

    def __init__(self, port: int, workdir: Path):
        self.port = port
        self.folder = workdir / "redis"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(exist_ok=True)
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise RunBroken("redis-server not found: install the redis-server package")
        with open(self.folder / "redis.log", "ab") as out:
            self.process = subprocess.Popen(
                [redis_server, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
                 "--dir", str(self.folder)],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RunBroken(f"redis-server on port {self.port} did not start (is the port taken?)")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # with --save '' it exits at once, keeping nothing
            self.process.wait(timeout=15)
        self.process = None

    def url(self, db: int) -> str:
        return f"redis://{HOST}:{self.port}/{db}"


@dataclass
class Mail:
    to: tuple[str, ...]
    subject: str
    key: tuple[str, str]  # ("invitation", token), ("case", case id) or ("other", subject)
    at: float

    @property
    def kind(self) -> str:
        """invitation, escalation (to the manager above), warning (to the case's owner) or other."""
        if self.key[0] == "case":
            return "escalation" if any(to.startswith("region.manager@") for to in self.to) else "warning"
        return self.key[0]


class SmtpSink:
    """An SMTP server that keeps every message it accepted, i.e. answered 250 to the end of its data, as a relay does.

    A connection that closes before the end of the data leaves nothing (RFC 5321 §4.1.1.4); those are counted as
    aborted. Hooks run in the connection's thread: `on_data(n)` when the n-th DATA begins, `on_accepted(n, mail)`
    right after the n-th message got its 250."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted: list[Mail] = []
        self.data_started = 0
        self.aborted = 0
        self.on_data = None
        self.on_accepted = None
        sink = self

        class Session(socketserver.StreamRequestHandler):
            def handle(self):
                sink.session(self.rfile, self.wfile)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer((HOST, 0), Session)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def session(self, rfile, wfile) -> None:
        def reply(text: str) -> None:
            wfile.write(text.encode() + b"\r\n")
            wfile.flush()

        reply("220 faults-sink ESMTP")
        recipients: list[str] = []
        try:
            while True:
                line = rfile.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb == b"EHLO":
                    reply("250-faults-sink\r\n250-8BITMIME\r\n250 SIZE 10485760")
                elif verb in (b"HELO", b"NOOP", b"RSET"):
                    recipients = [] if verb == b"RSET" else recipients
                    reply("250 OK")
                elif verb == b"MAIL":
                    recipients = []
                    reply("250 OK")
                elif verb == b"RCPT":
                    recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                    reply("250 OK")
                elif verb == b"DATA":
                    with self.lock:
                        self.data_started += 1
                        number = self.data_started
                    if self.on_data:
                        self.on_data(number)
                    reply("354 End data with <CR><LF>.<CR><LF>")
                    lines = []
                    while True:
                        chunk = rfile.readline()
                        if not chunk:  # the client went away before the end of the data: nothing is delivered
                            with self.lock:
                                self.aborted += 1
                            return
                        if chunk == b".\r\n":
                            break
                        lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    mail = self.parse(b"".join(lines), tuple(recipients))
                    with self.lock:
                        self.accepted.append(mail)
                        count = len(self.accepted)
                    reply("250 OK queued")
                    if self.on_accepted:
                        self.on_accepted(count, mail)
                elif verb == b"QUIT":
                    reply("221 Bye")
                    return
                else:
                    reply("502 Command not implemented")
        except (ConnectionError, OSError):
            return

    @staticmethod
    def parse(data: bytes, to: tuple[str, ...]) -> Mail:
        message = email.message_from_bytes(data, policy=email.policy.default)
        subject = str(message.get("Subject", ""))
        text = ""
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                text += part.get_content()
        if token := re.search(r"/s/i/([\w-]+)/", text):
            key = ("invitation", token.group(1))
        elif case := re.search(r"#(\d+)", text):
            key = ("case", case.group(1))
        else:
            key = ("other", subject)
        return Mail(to=to, subject=subject, key=key, at=time.monotonic())

    def mails(self) -> list[Mail]:
        with self.lock:
            return list(self.accepted)


class Process:
    """One of the application's processes (celery worker or beat), in its own process group."""

    def __init__(self, name: str, cmd: list[str], env: dict, workdir: Path):
        self.name = name
        self.log_path = workdir / f"{name}.log"
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def children(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.pid:
                    pids.append(int(entry.name))
        return pids

    def kill_group(self) -> None:
        """SIGKILL the process and everything it started, as a lost machine or the OOM killer would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_group()
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)  # children of a dead parent, if any are left

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_worker(env: dict, workdir: Path, name: str) -> Process:
    return Process(name, [str(CELERY), "-A", "cxprogram", "worker", "--concurrency", "2", "--loglevel", "INFO",
                          "--hostname", f"{name}@%h"], env, workdir)  # fmt: skip


def start_beat(env: dict, workdir: Path) -> Process:
    schedule = workdir / "celerybeat-schedule"
    return Process("beat", [str(CELERY), "-A", "cxprogram", "beat", "--loglevel", "INFO", "--schedule",
                            str(schedule)], env, workdir)  # fmt: skip


# ---------------------------------------------------------------- the Django side (run in a child process)


def django_action(env: dict, action: str, **params) -> dict:
    """Run one of DJANGO_ACTIONS below in a child process with the scenario's settings; its JSON result."""
    out = run([str(PYTHON), __file__, "--django", action, json.dumps(params)], env=env, timeout=300, what=action)
    return json.loads(out.strip().splitlines()[-1])


def seed_kill(invitations: int, cases: int, warnings: int) -> dict:
    """A live survey, customers to invite and a distribution to all of them; overdue and nearly due cases."""
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from cxprogram.models import Customer, Employee, Unit
    from surveys.models import Distribution, FollowUp, Question, Response, Survey

    now = timezone.now()
    with transaction.atomic():
        survey = Survey.objects.create(public_id="fault-invite", name="Faults: invitation", status="live",
                                       title_en="Your visit", title_ru="Ваш визит", default_language="ru")  # fmt: skip
        Question.objects.create(survey=survey, page=1, order=1, code="nps", type="nps",
                                text_en="Recommend us?", text_ru="Порекомендуете нас?")  # fmt: skip
        Customer.objects.bulk_create(
            Customer(external_id=f"F{i:05d}", name=f"Customer {i}", email=f"customer{i}@faults.test",
                     language="ru" if i % 2 else "en")
            for i in range(invitations)
        )  # fmt: skip
        distribution = Distribution.objects.create(survey=survey, name="Fault run")
        company = Unit.objects.create(kind="company", name="Company", code="company")
        region = Unit.objects.create(kind="region", name="Region", code="region", parent=company)
        store = Unit.objects.create(kind="store", name="Store", code="store", parent=region)
        managers = {}
        for unit, username in ((region, "region.manager"), (store, "store.manager")):
            user = User.objects.create(username=username, email=f"{username}@faults.test")
            managers[unit.kind] = Employee.objects.create(user=user, unit=unit, role="manager")
        due = [now - timedelta(hours=1)] * cases + [now + timedelta(minutes=30)] * warnings
        responses = Response.objects.bulk_create(
            Response(survey=survey, unit=store, language="ru", source="public_link", submitted_at=now) for _ in due
        )
        FollowUp.objects.bulk_create(
            FollowUp(response=r, owner=managers["store"], unit=store, reason_codes=[["nps", i % 7]], due_at=when)
            for i, (r, when) in enumerate(zip(responses, due, strict=True))
        )
    return {"distribution": distribution.pk}


def launch(distribution: int) -> dict:
    """What a CX lead's click and the beat do: launch the distribution and check the follow-up deadlines."""
    from surveys.services.distribution import distribution_launch
    from surveys.tasks import check_followup_deadlines

    check_followup_deadlines.delay()
    return {"invitations": distribution_launch(distribution_id=distribution)}


def invite(count: int, prefix: str) -> dict:
    """The integration path (a CRM asking for one invitation per purchase) for `count` new customers."""
    from cxprogram.models import Customer
    from surveys.models import Survey
    from surveys.services.distribution import invitation_for_transaction

    survey = Survey.objects.get(public_id="bench-submit")
    results = []
    for i in range(count):
        customer = Customer.objects.create(external_id=f"{prefix}{i}", email=f"{prefix}{i}@faults.test".lower())
        started = time.monotonic()
        try:
            invitation, reason = invitation_for_transaction(
                survey=survey, customer=customer, transaction_ref=f"{prefix}{i}"
            )
            results.append({"token": invitation.token if invitation else "", "reason": reason, "error": ""})
        except Exception as error:  # noqa: BLE001 - the scenario reports whatever broke the caller
            results.append({"token": "", "reason": "", "error": f"{type(error).__name__}: {error}"[:200]})
        results[-1]["seconds"] = round(time.monotonic() - started, 3)
    return {"results": results}


DJANGO_ACTIONS = {"seed_kill": seed_kill, "launch": launch, "invite": invite}


def django_main(action: str, params: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()
    print(json.dumps(DJANGO_ACTIONS[action](**json.loads(params))))
    return 0


# ---------------------------------------------------------------- helpers of the scenarios


@dataclass
class Verdict:
    scenario: str
    passed: bool
    line: str
    figures: list[str] = field(default_factory=list)


def app_env(pg: Postgres, workdir: Path, *, redis: Redis | None = None, sink: SmtpSink | None = None, **extra) -> dict:
    """The environment of every application process: production-like settings, our own servers."""
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "CELERY_TASK_ALWAYS_EAGER", "EMAIL_BACKEND")}
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=pg.url(),
        DEBUG="0",
        PYTHONDONTWRITEBYTECODE="1",
        CXPROGRAM_VAR_DIR=str(workdir / "var"),
        CELERY_BROKER_URL=redis.url(0) if redis else "memory://",
    )
    if sink is not None:
        env.update(EMAIL_HOST=HOST, EMAIL_PORT=str(sink.port))
    env.update({k: str(v) for k, v in extra.items()})
    return env


def prepare_database(pg: Postgres, env: dict) -> None:
    pg.fresh_database()
    run([str(PYTHON), "manage.py", "migrate", "--noinput"], env=env, timeout=300, what="migrate")


def wait_for_log(process: Process, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in process.log_path.read_text(errors="replace"):
        if process.process.poll() is not None or time.monotonic() > deadline:
            raise RunBroken(f"{process.name} did not log {text!r} within {timeout:.0f} s:\n{process.log_tail()}")
        time.sleep(0.2)


def wait_until(condition, timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


# ---------------------------------------------------------------- scenario: worker killed while sending


def scenario_worker_kill(args, pg: Postgres, redis: Redis, workdir: Path) -> Verdict:
    """Invitations and escalations e-mailed by a real worker that is SIGKILLed three times mid-batch."""
    sink = SmtpSink()
    processes: list[Process] = []
    try:
        env = app_env(pg, workdir, redis=redis, sink=sink, DISTRIBUTION_BATCH_SIZE=args.batch)
        prepare_database(pg, env)
        seeded = django_action(env, "seed_kill", invitations=args.invitations, cases=args.cases, warnings=args.warnings)
        worker = start_worker(env, workdir, "worker1")
        beat = start_beat(env, workdir)
        processes += [worker, beat]
        wait_for_log(worker, "ready.")
        current = {"worker": worker}
        kills: list[str] = []
        lock = threading.Lock()
        seen = Counter()
        whole_worker_killed = threading.Event()

        def kill_pool(why: str) -> None:
            pids = current["worker"].children()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            kills.append(f"SIGKILL to the {len(pids)} pool processes {why}")

        def on_accepted(_number: int, mail: Mail) -> None:
            with lock:
                seen[mail.kind] += 1
                if mail.kind == "escalation" and seen["escalation"] == max(1, args.cases // 3):
                    kill_pool(f"right after the SMTP server accepted escalation #{seen['escalation']}")
                if mail.kind == "invitation" and seen["invitation"] == max(1, args.invitations // 4):
                    kill_pool(f"right after the SMTP server accepted invitation #{seen['invitation']}")

        def on_data(_number: int) -> None:
            with lock:
                if seen["invitation"] >= args.invitations // 2 and not whole_worker_killed.is_set():
                    whole_worker_killed.set()
                    current["worker"].kill_group()
                    kills.append(
                        f"SIGKILL to the whole worker (main and pool processes) while a message was being handed "
                        f"over, after {seen['invitation']} invitations"
                    )

        sink.on_accepted, sink.on_data = on_accepted, on_data
        started = time.monotonic()
        launched = django_action(env, "launch", distribution=seeded["distribution"])
        log(f"worker-kill: launched {launched['invitations']} invitations and the deadline check of "
            f"{args.cases + args.warnings} cases")  # fmt: skip
        if not whole_worker_killed.wait(timeout=120):
            raise RunBroken(f"the worker never got halfway through the invitations:\n{worker.log_tail()}")
        time.sleep(2)
        log("worker-kill: the whole worker was killed; starting a new one")
        current["worker"] = start_worker(env, workdir, "worker2")
        processes.append(current["worker"])
        restarted = time.monotonic()
        with pg.connect() as db:

            def state():
                invitations = dict(db.execute(
                    "SELECT i.token, i.delivery FROM surveys_invitation i JOIN surveys_survey s ON s.id = i.survey_id "
                    "WHERE s.public_id = 'fault-invite'").fetchall())  # fmt: skip
                cases = db.execute(
                    "SELECT f.id, f.due_at < now(), f.warned_at IS NOT NULL, f.escalated_at IS NOT NULL, "
                    "count(e.id) FILTER (WHERE e.kind = 'warned'), count(e.id) FILTER (WHERE e.kind = 'escalated') "
                    "FROM surveys_followup f LEFT JOIN surveys_followupevent e ON e.followup_id = f.id GROUP BY f.id"
                ).fetchall()
                return invitations, cases

            def finished() -> bool:
                invitations, cases = state()
                return all(d in ("sent", "failed") for d in invitations.values()) and all(
                    escalated if overdue else warned for _pk, overdue, warned, escalated, _w, _e in cases
                )

            done = wait_until(finished, timeout=args.recovery_timeout)
            recovered = time.monotonic() - restarted
            # Quiet period: anything still in flight (re-delivered tasks, sweeps) gets the chance to send twice.
            quiet_since, last_count = time.monotonic(), len(sink.mails())
            while time.monotonic() - quiet_since < args.settle:
                time.sleep(0.5)
                if len(sink.mails()) != last_count:
                    quiet_since, last_count = time.monotonic(), len(sink.mails())
            invitations, cases = state()
        mails = sink.mails()
    finally:
        for process in processes:
            process.stop()
        sink.stop()

    counts = Counter((m.kind, m.key[1]) for m in mails)
    tokens = list(invitations)
    inv_counts = [counts[("invitation", t)] for t in tokens]
    sent_in_db = sum(d == "sent" for d in invitations.values())
    overdue = [c for c in cases if c[1]]
    due_soon = [c for c in cases if not c[1]]
    esc_counts = [counts[("escalation", str(c[0]))] for c in overdue]
    warn_counts = [counts[("warning", str(c[0]))] for c in due_soon]
    other = sum(n for key, n in counts.items() if key[0] == "other")
    stamped_twice = sum(c[5] > 1 for c in overdue) + sum(c[4] > 1 for c in due_soon)
    disagree = sum((invitations[t] == "sent") != (counts[("invitation", t)] > 0) for t in tokens)
    figures = [
        f"  e-mails accepted by the SMTP sink: {len(mails)} in {mails[-1].at - started:.1f} s"
        if mails
        else "  no e-mail reached the SMTP sink",
        f"  hand-overs cut off before the end of the data (discarded by the server): {sink.aborted}",
        *[f"  kill {i}: {k}" for i, k in enumerate(kills, 1)],
        f"  invitations: {len(tokens)} created, {sent_in_db} marked sent; e-mails per invitation: "
        f"{dict(sorted(Counter(inv_counts).items()))} (count: invitations)",
        f"  escalations: {len(overdue)} overdue cases, e-mails per case {dict(sorted(Counter(esc_counts).items()))}; "
        f"warnings: {len(due_soon)} cases due soon, e-mails per case {dict(sorted(Counter(warn_counts).items()))}",
        f"  cases with a warning or escalation recorded twice: {stamped_twice}; database and sink disagree on "
        f"{disagree} invitations; unrecognised e-mails: {other}",
        f"  everything sent {recovered:.1f} s after the new worker started"
        if done
        else f"  NOT everything was sent {args.recovery_timeout:.0f} s after the new worker started",
    ]
    duplicated = sum(n - 1 for n in inv_counts + esc_counts + warn_counts if n > 1)
    lost = sum(n == 0 for n in inv_counts + esc_counts + warn_counts)
    passed = done and duplicated == lost == stamped_twice == disagree == other == 0 and len(kills) == 3
    line = (
        f"VERDICT: {'PASS' if passed else 'FAIL'} worker-kill kills={len(kills)} invitations={len(tokens)} "
        f"sent_once={sum(n == 1 for n in inv_counts)} escalations={len(overdue)} "
        f"escalated_once={sum(n == 1 for n in esc_counts)} warnings={len(due_soon)} "
        f"warned_once={sum(n == 1 for n in warn_counts)} duplicated={duplicated} lost={lost} "
        f"recovered_s={recovered:.1f}"
    )
    return Verdict("worker-kill", passed, line, figures)


# ---------------------------------------------------------------- hosted-survey load with every answer recorded


@dataclass
class Attempt:
    """One visitor's GET + POST; when it fails, what the failing answer looked like."""

    nonce: str
    started: float
    ended: float = 0.0
    ok: bool = False
    stage: str = ""  # "GET" or "POST": the request that did not get the expected answer
    status: int = 0
    retry_after: str = ""
    lang: str = ""
    resend_form: bool = False  # a 503 to the POST offers the same answers to send again
    error: str = ""

    @property
    def clean_503(self) -> bool:
        """503, Retry-After in seconds, the page in the visitor's language (ru) and, after a POST, the answers kept."""
        return (
            self.status == 503
            and self.retry_after.isdigit()
            and self.lang == "ru"
            and (self.stage == "GET" or self.resend_form)
        )


def visit(port: int, path: str, answers: list[tuple[str, str]], nonce: str, expect: str) -> Attempt:
    """A fresh visitor (no cookies, Russian browser): GET the survey, POST every answer, expect the redirect."""
    attempt = Attempt(nonce=nonce, started=time.monotonic())
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html", "Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}
    try:
        status, response_headers, body = http_request(port, "GET", path, headers=headers)
        if status == 200:
            jar = SimpleCookie()
            for header in response_headers.get_all("Set-Cookie") or []:
                jar.load(header)
            found = {name: pattern.search(body) for name, pattern in HIDDEN.items()}
            action = FORM_ACTION.search(body)
            if not all(found.values()) or action is None or "csrftoken" not in jar:
                attempt.stage, attempt.status, attempt.error = "GET", status, "page without form, token or cookie"
                return attempt
            hidden = {name: html.unescape(match.group(1).decode()) for name, match in found.items()}
            form = [*hidden.items(), ("website", ""), *answers, ("next", "1")]
            status, response_headers, body = http_request(port, "POST", html.unescape(action.group(1).decode()),
                body=urlencode(form).encode(),
                headers={**headers, "Content-Type": "application/x-www-form-urlencoded",
                         "Cookie": "; ".join(f"{k}={m.value}" for k, m in jar.items()),
                         "Origin": f"http://{HOST}:{port}", "Referer": f"http://{HOST}:{port}{path}"},
            )  # fmt: skip
            attempt.ok = status == 302 and response_headers.get("Location", "").startswith(expect)
            attempt.stage = "" if attempt.ok else "POST"
        else:
            attempt.stage = "GET"
        if not attempt.ok:
            attempt.status = status
            attempt.retry_after = response_headers.get("Retry-After", "")
            lang = re.search(rb'<html lang="([\w-]+)"', body)
            attempt.lang = lang.group(1).decode() if lang else ""
            attempt.resend_form = f'value="{nonce}"'.encode() in body and b'<form method="post"' in body
    except (OSError, http.client.HTTPException) as error:
        attempt.error = f"{type(error).__name__}: {error}"
    attempt.ended = time.monotonic()
    return attempt


class Load:
    """`clients` threads submitting the bench survey back to back until stopped; every attempt is kept."""

    def __init__(self, port: int, survey: dict, clients: int, label: str):
        self.port, self.survey, self.label = port, survey, label
        self.attempts: list[Attempt] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(clients)]
        for thread in self.threads:
            thread.start()

    def client(self, index: int) -> None:
        rng = random.Random(f"{self.label}-{index}")
        path, expect = f"/s/{self.survey['public_id']}/", f"/s/{self.survey['public_id']}/thanks/"
        sequence = 0
        while not self.stopping.is_set():
            nonce = f"{self.label}-{index}-{sequence}"
            attempt = visit(self.port, path, answers_for(rng, self.survey, nonce), nonce, expect)
            with self.lock:
                self.attempts.append(attempt)
            sequence += 1

    def stop(self) -> list[Attempt]:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)
        if any(thread.is_alive() for thread in self.threads):
            raise RunBroken(f"{self.label}: clients still busy 30 s after they were told to stop")
        return sorted(self.attempts, key=lambda a: a.started)


def load_for(port: int, survey: dict, clients: int, label: str, seconds: float) -> list[Attempt]:
    load = Load(port, survey, clients, label)
    time.sleep(seconds)
    return load.stop()


def bench_survey(env: dict) -> dict:
    out = run([str(PYTHON), "bench/setup_survey.py"], env=env, timeout=120, what="survey setup")
    return json.loads(out.splitlines()[-1])


def accounting(db, survey: dict, attempts: list[Attempt]) -> dict:
    """Look every submission up in the database by the nonce in its short-text answer."""
    trace = next(q["id"] for q in survey["questions"] if q["type"] == "short_text")
    rows = db.execute(
        "SELECT a.text, count(*) FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
        "WHERE r.survey_id = %s AND a.question_id = %s GROUP BY a.text",
        [survey["survey_id"], trace],
    )
    saved = dict(rows.fetchall())
    acknowledged = {a.nonce for a in attempts if a.ok}
    posted = {a.nonce for a in attempts if a.ok or a.stage == "POST"}
    responses, broken = half_saved(db, survey["survey_id"], len(survey["questions"]))
    return {
        "lost": len(acknowledged - saved.keys()),
        "duplicated": sum(n - 1 for n in saved.values() if n > 1),
        "saved_without_302": len((saved.keys() & posted) - acknowledged),
        "responses": responses,
        "half_saved": broken,
    }


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * len(values)) - 1))] if values else float("nan")


# ---------------------------------------------------------------- scenario: PostgreSQL restarted under load


def scenario_pg_restart(args, pg: Postgres, _redis: Redis, workdir: Path) -> Verdict:
    """The hosted survey under load while PostgreSQL stops (fast shutdown), stays down, and starts again."""
    env = app_env(pg, workdir)
    prepare_database(pg, env)
    survey = bench_survey(env)
    server = start_server(args, env, workdir)
    try:
        wait_ready(server, f"/s/{survey['public_id']}/")
        load = Load(server.port, survey, args.clients, "pg")
        started = time.monotonic()
        time.sleep(args.seconds * 0.3)
        down = time.monotonic()
        if args.outage:
            log(f"pg-restart: pg_ctl stop -m fast, {args.outage:g} s down, pg_ctl start")
            pg.stop("fast")
            stopped = time.monotonic()
            time.sleep(args.outage)
            pg.start()
        else:
            log("pg-restart: pg_ctl restart -m fast")
            pg.restart()
            stopped = time.monotonic()
        up = time.monotonic()
        time.sleep(max(0.0, started + args.seconds - up))
        attempts = load.stop()
        ended = time.monotonic()
        if server.process.poll() is not None:
            raise RunBroken(f"gunicorn died during the run:\n{server.log_tail()}")
        with pg.connect() as db:
            books = accounting(db, survey, attempts)
    finally:
        server.stop()
    ok = [a for a in attempts if a.ok]
    failed = [a for a in attempts if not a.ok]
    answered_503 = [a for a in failed if a.status == 503]
    clean = [a for a in answered_503 if a.clean_503]
    server_errors = [a for a in failed if a.status >= 500 and a.status != 503]
    other = [a for a in failed if a.status < 500]
    after = [a for a in attempts if a.started >= up + 1.0]
    first_ok = min((a.ended for a in ok if a.started >= up), default=float("nan"))
    recovered = first_ok - up
    before_ok = [a for a in ok if a.ended < down]
    after_ok = [a for a in after if a.ok]
    reasons = Counter(f"{a.stage} {a.status or a.error}" for a in failed)
    figures = [
        f"  {pg.version()}; gunicorn 2 sync workers; {args.clients} clients for {args.seconds:g} s; PostgreSQL "
        + (
            f"stopped at {down - started:.1f} s (the fast shutdown took {stopped - down:.2f} s), started again at "
            f"{up - started:.1f} s"
            if args.outage
            else f"restarted at {down - started:.1f} s (pg_ctl restart -m fast took {up - down:.2f} s)"
        ),
        f"  submissions tried: {len(attempts)}; saved with the 302 to the thank-you page: {len(ok)}",
        f"  answered 503 while the database was away: {len(answered_503)} "
        f"(GET {sum(a.stage == 'GET' for a in answered_503)}, POST {sum(a.stage == 'POST' for a in answered_503)}); "
        f"with Retry-After, the page in Russian and (POST) the "
        f"answers kept to send again: {len(clean)}",
        f"  other 5xx: {len(server_errors)}; other errors (4xx, connection): {len(other)}"
        + "".join(f"; {text} ×{n}" for text, n in reasons.most_common(4)),
        f"  first submission saved {recovered:.2f} s after PostgreSQL was back; attempts started 1 s after that: "
        f"{len(after)}, failed: {len(after) - len(after_ok)}",
        f"  throughput before the stop {len(before_ok) / max(down - started, 1e-9):.1f}/s, after "
        f"{len(after_ok) / max(ended - up - 1.0, 1e-9):.1f}/s (p99 of the pair "
        f"{percentile([(a.ended - a.started) * 1000 for a in before_ok], 99):.0f} ms before, "
        f"{percentile([(a.ended - a.started) * 1000 for a in after_ok], 99):.0f} ms after)",
        f"  database: {books['responses']} responses, {books['half_saved']} without all their answers (half-saved); "
        f"lost {books['lost']}, duplicated {books['duplicated']}, saved although the visitor got an error "
        f"{books['saved_without_302']}",
    ]
    passed = (
        len(answered_503) > 0
        and len(clean) == len(answered_503)
        and not server_errors
        and not other
        and books["lost"] == books["duplicated"] == books["half_saved"] == books["saved_without_302"] == 0
        and len(after) == len(after_ok) > 0
    )
    line = (
        f"VERDICT: {'PASS' if passed else 'FAIL'} pg-restart submissions={len(attempts)} saved={len(ok)} "
        f"answered_503={len(answered_503)} clean_503={len(clean)} other_5xx={len(server_errors)} "
        f"other_errors={len(other)} lost={books['lost']} duplicated={books['duplicated']} "
        f"half_saved={books['half_saved']} saved_despite_error={books['saved_without_302']} "
        f"recovered_s={recovered:.2f} failed_after_recovery={len(after) - len(after_ok)}"
    )
    return Verdict("pg-restart", passed, line, figures)


# ---------------------------------------------------------------- scenario: Redis down


class WebhookReceiver:
    """Another system's webhook endpoint: keeps the nonce (short-text answer) of every response.submitted it got."""

    def __init__(self):
        self.lock = threading.Lock()
        self.nonces: Counter = Counter()
        self.deliveries = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                data = json.loads(body).get("data", {})
                texts = [a["text"] for a in data.get("answers", []) if a.get("type") == "short_text"]
                with receiver.lock:
                    receiver.deliveries += 1
                    receiver.nonces.update(texts)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{HOST}:{self.server.server_address[1]}/hooks/cx"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def healthz(port: int) -> tuple[int, dict, float]:
    started = time.monotonic()
    try:
        status, _headers, body = http_request(port, "GET", "/healthz", timeout=15)
        return status, json.loads(body), time.monotonic() - started
    except (OSError, ValueError, http.client.HTTPException) as error:
        return 0, {"error": str(error)}, time.monotonic() - started


def scenario_redis_down(args, pg: Postgres, redis: Redis, workdir: Path) -> Verdict:
    """The hosted survey, the integration path and /healthz while Redis (broker and cache) is down, then back."""
    sink, receiver = SmtpSink(), WebhookReceiver()
    processes: list[Process] = []
    server = None
    try:
        env = app_env(pg, workdir, redis=redis, sink=sink, CACHE_URL=redis.url(1))
        prepare_database(pg, env)
        survey = bench_survey(env)
        webhooks = django_action(env, "add_webhook", url=receiver.url)["present"]
        processes += [start_worker(env, workdir, "worker"), start_beat(env, workdir)]
        server = start_server(args, env, workdir)
        wait_for_log(processes[0], "ready.")
        wait_ready(server, f"/s/{survey['public_id']}/")
        phase = args.seconds / 4
        before = load_for(server.port, survey, args.clients, "up", phase)
        health_up = healthz(server.port)
        log("redis-down: Redis stopped (it keeps nothing on disk: every queued message is gone)")
        redis.stop()
        down = time.monotonic()
        load = Load(server.port, survey, args.clients, "down")
        time.sleep(1)
        health_down = [healthz(server.port)]
        invited = django_action(env, "invite", count=args.invite, prefix="outage")["results"]
        time.sleep(max(0.0, down + 2 * phase - time.monotonic()))
        health_down.append(healthz(server.port))
        during = load.stop()
        redis.start()
        up = time.monotonic()
        log("redis-down: Redis started again (empty)")
        health_back = healthz(server.port)
        while health_back[0] != 200 and time.monotonic() - up < 30:
            time.sleep(0.2)
            health_back = healthz(server.port)
        healthy_after = time.monotonic() - up
        after = load_for(server.port, survey, args.clients, "back", phase)
        attempts = before + during + after
        saved = {a.nonce for a in attempts if a.ok}
        tokens = [r["token"] for r in invited if r["token"]]

        def mailed() -> Counter:
            return Counter(m.key[1] for m in sink.mails() if m.kind == "invitation")

        finished: dict[str, float] = {}

        def work_done() -> bool:
            if "invitations" not in finished and all(mailed()[t] for t in tokens):
                finished["invitations"] = time.monotonic() - up
            if "webhooks" not in finished and (not webhooks or saved <= set(receiver.nonces)):
                finished["webhooks"] = time.monotonic() - up
            return len(finished) == 2

        done = wait_until(work_done, timeout=args.webhook_timeout, interval=1.0)
        work_seconds = time.monotonic() - up
        time.sleep(args.settle)  # anything queued twice would arrive now
        with pg.connect() as db:
            books = accounting(db, survey, attempts)
        server.stop()
        server_log = server.log_path.read_text(errors="replace")
    finally:
        if server is not None:
            server.stop()
        for process in processes:
            process.stop()
        sink.stop()
        receiver.stop()
    mails = mailed()
    failed = [a for a in attempts if not a.ok]
    fallback_notes = server_log.count("counting in this process")
    invite_errors = [r["error"] for r in invited if r["error"] or r["reason"]]
    mailed_once = sum(mails[t] == 1 for t in tokens)
    hooks_once = sum(receiver.nonces[n] == 1 for n in saved)
    hooks_twice = sum(receiver.nonces[n] > 1 for n in saved)

    def pair_ms(group: list[Attempt], p: float) -> float:
        return percentile([(a.ended - a.started) * 1000 for a in group if a.ok], p)

    def state(health) -> str:
        status, body, seconds = health
        return f"{status} {json.dumps(body, ensure_ascii=False)} in {seconds * 1000:.0f} ms"

    figures = [
        f"  {args.clients} clients; Redis is the Celery broker (db 0) and the cache of the rate limits (db 1); "
        f"{phase:g} s up, {2 * phase:g} s down, {phase:g} s back",
        f"  submissions saved / tried: up {sum(a.ok for a in before)}/{len(before)}, down "
        f"{sum(a.ok for a in during)}/{len(during)}, back {sum(a.ok for a in after)}/{len(after)}; "
        f"pair p50/p99 ms: up {pair_ms(before, 50):.0f}/{pair_ms(before, 99):.0f}, down "
        f"{pair_ms(during, 50):.0f}/{pair_ms(during, 99):.0f}, back {pair_ms(after, 50):.0f}/{pair_ms(after, 99):.0f}",
        f"  failures: {len(failed)}"
        + "".join(f"; {t} ×{n}" for t, n in Counter(f"{a.stage} {a.status or a.error}" for a in failed).most_common(4)),
        f"  rate limiter fell back to per-process counting {fallback_notes} times (one log line per process per 10 s)",
        f"  /healthz up: {state(health_up)}",
        *[f"  /healthz down: {state(h)}" for h in health_down],
        f"  /healthz back: {state(health_back)} ({healthy_after:.1f} s after Redis started)",
        f"  integration path during the outage: {len(invited)} invitations asked for, refused or raised: "
        f"{len(invite_errors)} {invite_errors[:2]}; each call took up to "
        f"{max((r['seconds'] for r in invited), default=0):.2f} s",
        f"  their e-mails after Redis came back: {mailed_once}/{len(tokens)} sent once, "
        f"{sum(n > 1 for n in mails.values())} more than once",
        "  webhooks (response.submitted): "
        + (
            f"{hooks_once}/{len(saved)} saved responses delivered once, {hooks_twice} more than once; "
            f"{receiver.deliveries} POSTs"
            if webhooks
            else "not in this build"
        ),
        f"  queued work done after Redis started: invitations in {finished.get('invitations', float('nan')):.1f} s "
        f"(the invitation sweep), webhooks in {finished.get('webhooks', float('nan')):.1f} s (the webhook sweep "
        f"takes deliveries pending for 2 minutes)"
        if done
        else f"  queued work NOT done {args.webhook_timeout:.0f} s after Redis started",
        f"  database: {books['responses']} responses, half-saved {books['half_saved']}, lost {books['lost']}, "
        f"duplicated {books['duplicated']}",
    ]
    health_ok = (
        health_up[0] == 200
        and all(h[0] == 503 and h[1].get("database") == "ok" and h[1].get("broker", "").startswith("unavailable")
                for h in health_down)
        and health_back[0] == 200
    )  # fmt: skip
    passed = (
        not failed
        and books["lost"] == books["duplicated"] == books["half_saved"] == 0
        and health_ok
        and not invite_errors
        and done
        and mailed_once == len(tokens) == args.invite
        and (not webhooks or (hooks_once == len(saved) and hooks_twice == 0))
    )
    line = (
        f"VERDICT: {'PASS' if passed else 'FAIL'} redis-down submissions={len(attempts)} "
        f"saved_while_down={sum(a.ok for a in during)}/{len(during)} failures={len(failed)} lost={books['lost']} "
        f"half_saved={books['half_saved']} healthz_down={health_down[0][0]} healthz_back={health_back[0]} "
        f"invitations_sent_once={mailed_once}/{len(tokens)} "
        + (f"webhooks_once={hooks_once}/{len(saved)} " if webhooks else "")
        + f"work_done_s={work_seconds:.1f}"
    )
    return Verdict("redis-down", passed, line, figures)


def add_webhook(url: str) -> dict:
    """Another system listening to response.submitted (when this build has webhooks)."""
    from cxprogram import models

    if not hasattr(models, "Webhook"):
        return {"present": False}
    models.Webhook.objects.create(name="Fault run receiver", url=url, events=["response.submitted"])
    return {"present": True}


# ---------------------------------------------------------------- main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", metavar="scenario", help=f"{', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--invitations", type=int, default=300, help="worker-kill: invitations to e-mail (300)")
    parser.add_argument("--cases", type=int, default=60, help="worker-kill: overdue cases to escalate (60)")
    parser.add_argument("--warnings", type=int, default=30, help="worker-kill: cases due soon to warn about (30)")
    parser.add_argument("--batch", type=int, default=50, help="worker-kill: invitations per task (50)")
    parser.add_argument("--recovery-timeout", type=float, default=90.0, help="seconds allowed to finish after a kill")
    parser.add_argument("--settle", type=float, default=8.0, help="quiet seconds required before counting e-mails")
    parser.add_argument("--clients", type=int, default=8, help="pg-restart, redis-down: concurrent visitors (8)")
    parser.add_argument("--seconds", type=float, default=20.0, help="pg-restart, redis-down: seconds of load (20)")
    parser.add_argument("--outage", type=float, default=3.0,
                        help="pg-restart: seconds PostgreSQL stays down (3); 0: pg_ctl restart -m fast")  # fmt: skip
    parser.add_argument("--invite", type=int, default=20, help="redis-down: invitations asked for during the outage")
    parser.add_argument("--webhook-timeout", type=float, default=200.0,
                        help="redis-down: seconds allowed for queued work after Redis is back (the webhook sweep "
                             "waits 2 minutes)")  # fmt: skip
    parser.add_argument("--pg-port", type=int, default=5442)
    parser.add_argument("--redis-port", type=int, default=6390)
    args = parser.parse_args()
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario {', '.join(sorted(unknown))}: choose from {', '.join(SCENARIOS)}")
    args.scenarios = [s for s in SCENARIOS if s in args.scenarios] or list(SCENARIOS)
    if min(args.invitations, args.cases, args.warnings, args.batch, args.clients) < 4 or args.seconds < 6:
        parser.error("--invitations, --cases, --warnings, --batch and --clients must be at least 4, --seconds 6")
    return args


DJANGO_ACTIONS["add_webhook"] = add_webhook
SCENARIO_FUNCTIONS = {
    "worker-kill": scenario_worker_kill,
    "pg-restart": scenario_pg_restart,
    "redis-down": scenario_redis_down,
}


def on_alarm(_signum, _frame):
    raise TimeoutError("the run took longer than its time budget")


def on_term(_signum, _frame):
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(int(300 + len(args.scenarios) * (args.recovery_timeout + 3 * args.seconds + 120)))
    workdir = Path(tempfile.mkdtemp(prefix="cx-faults-"))
    pg = Postgres(args.pg_port, workdir)
    redis = Redis(args.redis_port, workdir)
    verdicts: list[Verdict] = []
    broken = False
    try:
        for port, what in ((args.pg_port, "PostgreSQL"), (args.redis_port, "Redis")):
            with socket.socket() as probe:
                if probe.connect_ex((HOST, port)) == 0:
                    raise RunBroken(
                        f"port {port} for the bench {what} is taken: stop what listens there or pick another"
                    )
        log(f"PostgreSQL cluster of our own on port {args.pg_port} in {pg.folder}")
        pg.create()
        log(f"{pg.version()}; Redis of our own on port {args.redis_port}")
        redis.start()
        for name in args.scenarios:
            log(f"---- {name}")
            if not pg.running():
                pg.start()
            if not redis.answers():
                redis.start()
            verdict = SCENARIO_FUNCTIONS[name](args, pg, redis, workdir)
            verdicts.append(verdict)
            print("\n".join(["", f"{name}:", *verdict.figures, verdict.line, ""]), flush=True)
    except (RunBroken, TimeoutError, KeyboardInterrupt, subprocess.SubprocessError) as error:
        reason = "interrupted" if isinstance(error, KeyboardInterrupt) else f"{type(error).__name__}: {error}"
        print(f"\nRUN BROKEN: {reason}\nlogs kept in {workdir}", file=sys.stderr, flush=True)
        broken = True
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not interrupt the clean-up
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        redis.stop()
        pg.destroy()
        log("bench PostgreSQL and Redis stopped")
        if not broken:
            shutil.rmtree(workdir, ignore_errors=True)
    if broken:
        return 2
    passed = all(v.passed for v in verdicts)
    summary = " ".join(f"{v.scenario}={'PASS' if v.passed else 'FAIL'}" for v in verdicts)
    print(f"VERDICT: {'PASS' if passed else 'FAIL'} {summary}", flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--django":
        sys.exit(django_main(sys.argv[2], sys.argv[3]))
    sys.exit(main())
