"""Complete hosted-survey submissions per second on PostgreSQL under gunicorn, against a baseline of the same run.

    .venv/bin/python bench/survey_submit.py [--seconds 20] [--clients 8]

Creates a fresh database, migrates it, creates a live 10-question one-page survey, starts gunicorn (2 sync
workers, bench.settings, DEBUG=0) on a free loopback port, then lets N concurrent fresh visitors (no cookies)
GET the page and POST all ten answers, against the baseline pair of views (bench/baseline.py) and against the
real survey page, in interleaved slices. Every response is checked in the database afterwards, and the rollups the
submissions kept against a recount from the raw answers (manage.py rollups_rebuild).
Exit code 0 with a PASS or FAIL verdict, 2 when the run itself broke. See bench/README.md.
"""

import argparse
import html
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
GUNICORN = BIN / "gunicorn"
HOST = "127.0.0.1"
WORKERS = 2
TARGET_RATIO = 0.65  # real survey submissions/s at least 0.65 of the baseline's (DESIGN.md)
TARGET_P99_MS = 150.0  # p99 of the real GET+POST pair
REQUEST_TIMEOUT = 10.0
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) cxprogram-bench/1"
LONG_TEXTS = [
    "Долго ждал на кассе, работала только одна касса, а консультанта в зале было не найти. "
    "В остальном всё хорошо: чисто, товар на месте, цены как на сайте.",
    "Great advice on the sofa, and the delivery slot was right on time. The store could use clearer signs "
    "near the textiles, I walked around twice before I found the curtains.",
    "Всё понравилось, продавец Алиса помогла подобрать шторы и объяснила, как их стирать. Спасибо!",
]


class RunBroken(Exception):
    """The run itself could not be done (setup, server, preflight); exit code 2."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- setup


def run(cmd: list[str], *, env: dict | None = None, timeout: float, what: str) -> str:
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise RunBroken(f"{what}: no answer within {timeout:.0f} s") from error
    if done.returncode != 0:
        raise RunBroken(f"{what} failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def fresh_database(args) -> None:
    psql = ["psql", "-h", args.db_host, "-p", str(args.db_port), "-U", args.db_user, "-d", "postgres", "-v"]
    run([*psql, "ON_ERROR_STOP=1", "-qc", f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)'],
        timeout=60, what="drop database")  # fmt: skip
    run([*psql, "ON_ERROR_STOP=1", "-qc", f'CREATE DATABASE "{args.db_name}"'], timeout=60, what="create database")


def server_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=f"postgres://{args.db_user}@{args.db_host}:{args.db_port}/{args.db_name}",
        DEBUG="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("CACHE_URL", None)
    if args.cache_url:
        env["CACHE_URL"] = args.cache_url
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- server


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown of the master and its workers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the process group this script started
                self.process.wait(timeout=5)


def start_server(args, env: dict, workdir: Path) -> Server:
    port = args.port or free_port()
    log_path = workdir / "gunicorn.log"
    cmd = [
        str(GUNICORN), "cxprogram.wsgi:application", "--workers", str(WORKERS), "--bind", f"{HOST}:{port}",
        "--pythonpath", str(ROOT), "--chdir", str(ROOT), "--timeout", "30", "--graceful-timeout", "5",
        "--log-level", "warning", "--error-logfile", "-",
    ]  # fmt: skip
    with open(log_path, "wb") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Server(process=process, port=port, log_path=log_path)


def wait_ready(server: Server, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RunBroken(f"gunicorn exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            status, _headers, _body = http_request(server.port, "GET", path, timeout=2)
            if status == 200:
                return
        except OSError:
            pass  # not listening yet: try again until the deadline
        time.sleep(0.2)
    raise RunBroken(f"gunicorn did not answer 200 on {path} within {timeout:.0f} s:\n{server.log_tail()}")


# ---------------------------------------------------------------- client


def http_request(port: int, method: str, path: str, *, headers=None, body=None, timeout=REQUEST_TIMEOUT):
    """One request on a new connection (gunicorn's sync workers close every connection anyway)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, response.headers, data
    finally:
        connection.close()


FORM_ACTION = re.compile(rb'<form[^>]*\saction="([^"]*)"')
HIDDEN = {
    name: re.compile(rb'<input type="hidden" name="' + name.encode() + rb'" value="([^"]*)"')
    for name in ("csrfmiddlewaretoken", "state", "lang")
}


@dataclass
class Outcome:
    nonce: str
    ok: bool
    get_status: int = 0
    post_status: int = 0
    pair_ms: float = 0.0
    post_ms: float = 0.0
    get_ms: float = 0.0
    error: str = ""


def answers_for(rng: random.Random, survey: dict, nonce: str) -> list[tuple[str, str]]:
    """What a customer ticks: one value per question, the nonce in the short text to trace the response."""
    fields = []
    for question in survey["questions"]:
        name, qtype = f"q{question['id']}", question["type"]
        if question["choices"]:
            value = rng.choice(question["choices"])
        elif question["scale"]:
            value = rng.randint(*question["scale"])
        elif qtype == "short_text":
            value = nonce
        else:
            value = rng.choice(LONG_TEXTS)
        fields.append((name, str(value)))
    return fields


def submit(port: int, path: str, answers: list[tuple[str, str]], nonce: str, expect_location: str) -> Outcome:
    """A fresh visitor: GET the page (new cookie jar), then POST every answer as the browser would."""
    outcome = Outcome(nonce=nonce, ok=False)
    base_headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml",
        "Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8",
    }
    started = time.perf_counter()
    try:
        status, headers, body = http_request(port, "GET", path, headers=base_headers)
        outcome.get_status = status
        if status != 200:
            outcome.error = f"GET {status}"
            return outcome
        jar = SimpleCookie()
        for header in headers.get_all("Set-Cookie") or []:
            jar.load(header)
        found = {name: pattern.search(body) for name, pattern in HIDDEN.items()}
        action = FORM_ACTION.search(body)
        if not all(found.values()) or action is None or "csrftoken" not in jar:
            outcome.error = "page without form, token or cookie"
            return outcome
        hidden = {name: html.unescape(match.group(1).decode()) for name, match in found.items()}
        form = [
            ("csrfmiddlewaretoken", hidden["csrfmiddlewaretoken"]),
            ("state", hidden["state"]),
            ("lang", hidden["lang"]),
            ("website", ""),
            *answers,
            ("next", "1"),
        ]
        target = html.unescape(action.group(1).decode()) or path
        posted = time.perf_counter()
        outcome.get_ms = (posted - started) * 1000
        status, headers, _body = http_request(
            port,
            "POST",
            target,
            body=urlencode(form).encode(),
            headers={
                **base_headers,
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{key}={morsel.value}" for key, morsel in jar.items()),
                "Origin": f"http://{HOST}:{port}",
                "Referer": f"http://{HOST}:{port}{path}",
            },
        )
        finished = time.perf_counter()
        outcome.post_status = status
        outcome.pair_ms = (finished - started) * 1000
        outcome.post_ms = (finished - posted) * 1000
        location = headers.get("Location", "")
        outcome.ok = status == 302 and location.startswith(expect_location)
        if not outcome.ok:
            outcome.error = f"POST {status} {location}".strip()
    except (OSError, http.client.HTTPException) as error:
        outcome.error = f"{type(error).__name__}: {error}"
    return outcome


# ---------------------------------------------------------------- measurement


def process_ticks(pids: list[int]) -> dict[tuple[int, int], int]:
    """CPU clock ticks (utime + stime) per process, keyed by (pid, start time) so a reused pid is a new process."""
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[(pid, int(fields[19]))] = int(fields[11]) + int(fields[12])  # starttime, utime, stime
    return ticks


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class ProcessCpu:
    """CPU used by a changing set of processes during a slice, counted per process.

    Summing whichever processes are alive at two snapshots is wrong when they are replaced in between (a
    closed connection's CPU vanishes from the total, a new one's counts from its birth): it printed negative
    PostgreSQL CPU. Here each process counts from its value at the start (0 if born during the slice) to
    the last value seen; a sampler reads /proc every `SAMPLE_SECONDS`, so a process that ends loses at
    most that much of its CPU."""

    SAMPLE_SECONDS = 0.1

    def __init__(self, list_pids):
        self.list_pids = list_pids
        self.start = process_ticks(list_pids())
        self.last = dict(self.start)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopping.wait(self.SAMPLE_SECONDS):
            self.sample()

    def sample(self) -> None:
        self.last.update(process_ticks(self.list_pids()))

    def stop(self) -> int:
        """Clock ticks used by the processes since the start."""
        self.stopping.set()
        self.thread.join()
        self.sample()
        return sum(ticks - self.start.get(key, 0) for key, ticks in self.last.items())


def backend_pids(**connect):
    """A function listing the bench database's server processes, on its own connection (the sampler's thread)."""
    lock = threading.Lock()
    connection = psycopg.connect(**connect, autocommit=True)

    def pids() -> list[int]:
        with lock:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [row[0] for row in rows]

    return pids, connection


@dataclass
class CpuSnapshot:
    client: float
    busy: int
    total: int


def cpu_snapshot() -> CpuSnapshot:
    times = os.times()
    busy, total = machine_ticks()
    return CpuSnapshot(client=times.user + times.system, busy=busy, total=total)


@dataclass
class Phase:
    """One flow's measurement, summed over its time slices."""

    name: str
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0
    slices: int = 0
    db_saved: int = 0  # growth of the bench survey's responses during the slices
    lost: int = 0
    duplicated: int = 0
    saved_without_302: int = 0
    cpu_seconds: dict = field(default_factory=lambda: dict.fromkeys(("server", "postgres", "client", "busy"), 0.0))
    cpu_capacity: float = 0.0  # CPU seconds the machine had during the slices

    @property
    def ok(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def rate(self) -> float:
        return len(self.ok) / self.elapsed if self.elapsed else 0.0

    @property
    def errors(self) -> int:
        return len(self.outcomes) - len(self.ok)

    @property
    def server_errors(self) -> int:
        return sum(1 for o in self.outcomes if o.get_status >= 500 or o.post_status >= 500)

    def cpu_ms(self, part: str) -> float:
        return self.cpu_seconds[part] * 1000 / max(len(self.ok), 1)

    @property
    def other_cpu_ms(self) -> float:
        """Busy CPU not used by gunicorn, the bench database's backends or the client: other processes."""
        return self.cpu_ms("busy") - self.cpu_ms("server") - self.cpu_ms("postgres") - self.cpu_ms("client")

    def percentile(self, attribute: str, p: float) -> float:
        values = sorted(getattr(o, attribute) for o in self.ok)
        if not values:
            return float("nan")
        return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def load(port: int, path: str, expect: str, survey: dict, *, phase: str, seconds: float, clients: int, run_id: str):
    """`clients` threads submit back to back until the time is up; returns (outcomes, elapsed seconds)."""
    results: list[list[Outcome]] = [[] for _ in range(clients)]
    ends = [0.0] * clients
    barrier = threading.Barrier(clients + 1)
    start_box = [0.0]

    def client(index: int) -> None:
        rng = random.Random(f"{run_id}-{phase}-{index}")
        barrier.wait()
        stop_at = start_box[0] + seconds
        sequence = 0
        while time.perf_counter() < stop_at:
            nonce = f"{phase}-{run_id}-{index}-{sequence}"
            results[index].append(submit(port, path, answers_for(rng, survey, nonce), nonce, expect))
            sequence += 1
        ends[index] = time.perf_counter()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    start_box[0] = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join(timeout=seconds + 3 * REQUEST_TIMEOUT)
    if any(thread.is_alive() for thread in threads):
        raise RunBroken(f"{phase}: clients still busy {3 * REQUEST_TIMEOUT:.0f} s after the end of the phase")
    return [o for per_client in results for o in per_client], max(ends) - start_box[0]


def response_count(db, survey_id: int) -> int:
    return db.execute("SELECT count(*) FROM surveys_response WHERE survey_id = %s", [survey_id]).fetchone()[0]


def measure_slice(phase: Phase, server: Server, db, survey: dict, flow: tuple[str, str], seconds: float, args, run_id):
    """Load one flow for `seconds`, then account every submission of the slice in the database."""
    path, expect = flow
    label = f"{phase.name}{phase.slices}"
    phase.slices += 1
    trace_question = next(q["id"] for q in survey["questions"] if q["type"] == "short_text")
    db_before = response_count(db, survey["survey_id"])
    server_cpu = ProcessCpu(lambda: [server.process.pid, *server.worker_pids()])
    postgres_cpu = ProcessCpu(args.backend_pids)
    before = cpu_snapshot()
    outcomes, elapsed = load(
        server.port, path, expect, survey, phase=label, seconds=seconds, clients=args.clients, run_id=run_id
    )
    after = cpu_snapshot()
    server_ticks, postgres_ticks = server_cpu.stop(), postgres_cpu.stop()
    phase.db_saved += response_count(db, survey["survey_id"]) - db_before
    phase.outcomes += outcomes
    phase.elapsed += elapsed
    # Every submission carries its nonce in the short-text answer: look each one up in the database.
    saved = dict(
        db.execute(
            "SELECT a.text, count(*) FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
            "WHERE r.survey_id = %s AND a.question_id = %s AND a.text LIKE %s GROUP BY a.text",
            [survey["survey_id"], trace_question, f"{label}-{run_id}-%"],
        ).fetchall()
    )
    acknowledged = {o.nonce for o in outcomes if o.ok}
    phase.lost += len(acknowledged - saved.keys())
    phase.duplicated += sum(n - 1 for n in saved.values())
    phase.saved_without_302 += len(saved.keys() - acknowledged)
    hz = os.sysconf("SC_CLK_TCK")
    phase.cpu_seconds["server"] += server_ticks / hz
    phase.cpu_seconds["postgres"] += postgres_ticks / hz
    phase.cpu_seconds["client"] += after.client - before.client
    phase.cpu_seconds["busy"] += (after.busy - before.busy) / hz
    phase.cpu_capacity += (after.total - before.total) / hz
    log(f"  {label}: {sum(o.ok for o in outcomes)} submissions in {elapsed:.1f} s")


def half_saved(db, survey_id: int, expected_rows: int) -> tuple[int, int]:
    """(responses of the bench survey, those without exactly the expected answer rows), in one query."""
    return db.execute(
        "SELECT count(*), count(*) FILTER (WHERE n <> %s) FROM ("
        " SELECT r.id, count(a.id) AS n FROM surveys_response r LEFT JOIN surveys_answer a ON a.response_id = r.id"
        " WHERE r.survey_id = %s GROUP BY r.id) per_response",
        [expected_rows, survey_id],
    ).fetchone()


ROLLUP_TABLES = {
    "surveys_scorecount": "day, monthly, unit_id, channel, touchpoint, question_id, number, n",
    "surveys_choicecount": "day, monthly, unit_id, channel, touchpoint, question_id, choice_id, n",
    "surveys_responsecount": "day, monthly, unit_id, channel, touchpoint, responses, comments",
    "surveys_kpiscorecount": "month, unit_id, employee_id, question_id, number, n",
}


def rollup_rows(db, survey_id: int) -> set[tuple]:
    """Every rollup row of the bench survey, as (table, *columns)."""
    rows = set()
    for table, columns in ROLLUP_TABLES.items():
        query = f"SELECT {columns} FROM {table} WHERE survey_id = %s"  # noqa: S608  # nosec B608: constant names
        rows |= {(table, *row) for row in db.execute(query, [survey_id]).fetchall()}
    return rows


def rollups_checked(db, env: dict, survey: dict) -> tuple[int, int]:
    """(rollup rows the submissions kept, of them and of a recount those that differ): the rows as the run left
    them against `manage.py rollups_rebuild`'s recount from the raw answers. The baseline's responses are counted
    in no rollup, so they are deleted first (their traced short text names the baseline)."""
    baseline = db.execute(
        "SELECT a.response_id FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
        "WHERE r.survey_id = %s AND a.text LIKE %s",
        [survey["survey_id"], "%baseline%"],
    ).fetchall()
    with db.transaction():
        ids = [row[0] for row in baseline]
        db.execute("DELETE FROM surveys_answer WHERE response_id = ANY(%s)", [ids])
        db.execute("DELETE FROM surveys_response WHERE id = ANY(%s)", [ids])
    kept = rollup_rows(db, survey["survey_id"])
    run([str(PYTHON), "manage.py", "rollups_rebuild", "--survey", survey["public_id"]], env=env, timeout=300,
        what="rollups rebuild")  # fmt: skip
    recounted = rollup_rows(db, survey["survey_id"])
    return len(kept), len(kept ^ recounted)


def preflight(server: Server, survey: dict, flows: dict) -> None:
    """One submission through each flow, with the reason shown if it does not end in the expected redirect."""
    rng = random.Random(0)
    status, _headers, page = http_request(server.port, "GET", flows["real"][0])
    missing = [f"q{q['id']}" for q in survey["questions"] if f'name="q{q["id"]}"'.encode() not in page]
    if status != 200 or missing:
        raise RunBroken(f"the survey page answered {status}, fields missing: {missing}\n{page[:2000].decode()}")
    for name, (path, expect) in flows.items():
        outcome = submit(server.port, path, answers_for(rng, survey, f"preflight-{name}"), f"preflight-{name}", expect)
        if not outcome.ok:
            raise RunBroken(f"preflight of {name} failed: {outcome.error}\n{server.log_tail()}")


# ---------------------------------------------------------------- report


def report(args, server: Server, survey: dict, phases: dict[str, Phase], integrity, pg_version: str) -> str:
    base, real = phases["baseline"], phases["real"]
    ratio = real.rate / base.rate if base.rate else 0.0
    responses, broken, rollup_rows_kept, rollups_off = integrity

    def row(label: str, fmt, value) -> str:
        return f"  {label:<44}" + "".join(f"{fmt(value(p)):>12}" for p in (base, real))

    def ms(v: float) -> str:
        return f"{v:.1f}"

    def pct(v: float) -> str:
        return f"{v:.0%}"

    def cost(p: Phase) -> float:
        return p.cpu_ms("server") + p.cpu_ms("postgres")

    capacity = base.cpu_capacity + real.cpu_capacity
    other = (base.other_cpu_ms * len(base.ok) + real.other_cpu_ms * len(real.ok)) / 1000
    lines = [
        "",
        f"Hosted survey submissions: {pg_version}; gunicorn {WORKERS} sync workers on {HOST}:{server.port}; "
        f"{args.clients} clients; {args.seconds:g} s per flow in {args.rounds} interleaved slices; DEBUG=0; "
        f"cache {args.cache_url or 'locmem (per worker)'}",
        f"Survey {survey['public_id']}: {len(survey['questions'])} questions on one page "
        f"({', '.join(q['type'] for q in survey['questions'])})",
        "A submission: a fresh visitor GETs the page, POSTs all answers and gets a 302 to the thank-you page",
        "",
        f"  {'':<44}{'baseline':>12}{'real':>12}",
        row("submissions (302)", str, lambda p: len(p.ok)),
        row("throughput (submissions/s)", lambda v: f"{v:.1f}", lambda p: p.rate),
        row("GET+POST pair p50 (ms)", ms, lambda p: p.percentile("pair_ms", 50)),
        row("GET+POST pair p99 (ms)", ms, lambda p: p.percentile("pair_ms", 99)),
        row("POST p50 (ms)", ms, lambda p: p.percentile("post_ms", 50)),
        row("POST p99 (ms)", ms, lambda p: p.percentile("post_ms", 99)),
        row("GET p50 (ms)", ms, lambda p: p.percentile("get_ms", 50)),
        row("GET p99 (ms)", ms, lambda p: p.percentile("get_ms", 99)),
        row("errors (anything but that 302)", str, lambda p: p.errors),
        row("  of which 5xx", str, lambda p: p.server_errors),
        row("responses saved (DB count after - before)", str, lambda p: p.db_saved),
        row("lost (302 but not in the DB)", str, lambda p: p.lost),
        row("duplicated (in the DB more than once)", str, lambda p: p.duplicated),
        row("saved without a 302", str, lambda p: p.saved_without_302),
        row("CPU ms/submission: gunicorn (master+workers)", ms, lambda p: p.cpu_ms("server")),
        row("CPU ms/submission: postgres (bench backends)", ms, lambda p: p.cpu_ms("postgres")),
        row("CPU ms/submission: this load client", ms, lambda p: p.cpu_ms("client")),
        row(f"machine busy ({os.cpu_count()} CPUs)", pct, lambda p: p.cpu_seconds["busy"] / p.cpu_capacity),
        row("  of which other processes (noise)", pct, lambda p: p.other_cpu_ms * len(p.ok) / 1000 / p.cpu_capacity),
        "",
        f"  ratio real/baseline (throughput): {ratio:.2f}",
        f"  cross-check, less sensitive to other load: server CPU (gunicorn + postgres) per submission "
        f"baseline/real = {cost(base):.1f}/{cost(real):.1f} ms = {cost(base) / max(cost(real), 1e-9):.2f}",
        f"  integrity: {responses} responses of the bench survey in the database, {broken} of them without exactly "
        f"{len(survey['questions'])} answer rows (half-saved)",
        f"  rollups: {rollup_rows_kept} rows kept by the submissions; {rollups_off} differ from a recount from the raw "
        "answers (manage.py rollups_rebuild)",
        f"  other processes on the machine used {other / capacity:.0%} of its CPU during the measurement"
        + (" — results are noisy, rerun on a quiet machine" if other / capacity > 0.1 else ""),
    ]
    errors: dict[str, int] = {}
    for phase in (base, real):
        for outcome in phase.outcomes:
            if not outcome.ok:
                key = f"{phase.name}: {outcome.error}"
                errors[key] = errors.get(key, 0) + 1
    for text, n in sorted(errors.items(), key=lambda item: -item[1])[:10]:
        lines.append(f"  error ×{n}: {text}")
    p99 = real.percentile("pair_ms", 99)
    lost = base.lost + real.lost
    duplicated = base.duplicated + real.duplicated
    fivexx = base.server_errors + real.server_errors
    other_errors = base.errors + real.errors - fivexx
    passed = (
        ratio >= TARGET_RATIO
        and p99 < TARGET_P99_MS
        and lost == duplicated == fivexx == broken == other_errors == rollups_off == 0
    )
    lines += [
        "",
        f"VERDICT: {'PASS' if passed else 'FAIL'} ratio={ratio:.2f} (target >= {TARGET_RATIO}) "
        f"p99={p99:.0f}ms (target < {TARGET_P99_MS:.0f}ms) lost={lost} duplicated={duplicated} 5xx={fivexx} "
        f"half_saved={broken} rollups_off={rollups_off} other_errors={other_errors}",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each measured phase (default 20)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent visitors (default 8)")
    parser.add_argument("--rounds", type=int, default=4, help="slices per flow, interleaved ABBA (default 4)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds of load per flow first")
    parser.add_argument("--db-name", default="cxprogram_bench", help="database dropped and created for the run")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", type=int, default=5432)
    parser.add_argument("--db-user", default="postgres")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--cache-url", default="", help="CACHE_URL for the server, e.g. redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    if args.seconds <= 0 or args.clients < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("--seconds, --clients and --rounds must be positive, --warmup not negative")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db_name) or args.db_name in ("postgres", "template0", "template1"):
        parser.error("--db-name must be a plain lower-case name of a scratch database")
    return args


def on_alarm(_signum, _frame):
    raise TimeoutError("the run took longer than its time budget")


def on_term(_signum, _frame):
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    budget = 420 + 2 * (args.seconds + args.warmup) + 4 * REQUEST_TIMEOUT
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(int(budget))
    server = None
    completed = False
    workdir = Path(tempfile.mkdtemp(prefix="survey-bench-"))
    try:
        env = server_env(args)
        log(f"Database {args.db_name}: drop, create, migrate")
        fresh_database(args)
        run([str(PYTHON), "manage.py", "migrate", "--noinput"], env=env, timeout=300, what="migrate")
        survey = json.loads(
            run([str(PYTHON), "bench/setup_survey.py"], env=env, timeout=60, what="survey setup").splitlines()[-1]
        )
        flows = {
            "baseline": (f"/bench/baseline/{survey['public_id']}/", f"/bench/baseline/{survey['public_id']}/done/"),
            "real": (f"/s/{survey['public_id']}/", f"/s/{survey['public_id']}/thanks/"),
        }
        server = start_server(args, env, workdir)
        log(f"gunicorn (pid {server.process.pid}) on {HOST}:{server.port}")
        wait_ready(server, flows["baseline"][0])
        wait_ready(server, flows["real"][0])
        preflight(server, survey, flows)
        run_id = uuid.uuid4().hex[:8]
        with psycopg.connect(
            host=args.db_host, port=args.db_port, user=args.db_user, dbname=args.db_name, autocommit=True
        ) as db:
            pg_version = "PostgreSQL " + db.execute("SHOW server_version").fetchone()[0].split()[0]
            args.backend_pids, sampler_db = backend_pids(
                host=args.db_host, port=args.db_port, user=args.db_user, dbname=args.db_name
            )
            if args.warmup:
                for name, (path, expect) in flows.items():
                    log(f"warm-up {name}: {args.warmup:g} s")
                    load(server.port, path, expect, survey, phase=f"warmup{name}", seconds=args.warmup,
                         clients=args.clients, run_id=run_id)  # fmt: skip
            # ABBA order (baseline, real, real, baseline, ...) so that a load change on the machine hits both.
            phases = {name: Phase(name=name) for name in flows}
            order = [name for i in range(args.rounds) for name in (list(flows) if i % 2 == 0 else list(flows)[::-1])]
            log(f"measuring: {args.clients} clients, {args.rounds} slices of {args.seconds / args.rounds:g} s per flow")
            for name in order:
                measure_slice(phases[name], server, db, survey, flows[name], args.seconds / args.rounds, args, run_id)
            integrity = (
                *half_saved(db, survey["survey_id"], len(survey["questions"])),
                *rollups_checked(db, env, survey),
            )
            sampler_db.close()
        if server.process.poll() is not None:
            raise RunBroken(f"gunicorn died during the run:\n{server.log_tail()}")
        print(report(args, server, survey, phases, integrity, pg_version), flush=True)
        tail = server.log_tail(15)
        if tail.strip():
            print(f"\ngunicorn log (last lines):\n{tail}")
        completed = True
        return 0
    except (RunBroken, TimeoutError, psycopg.Error, KeyboardInterrupt) as error:
        reason = "interrupted" if isinstance(error, KeyboardInterrupt) else f"{type(error).__name__}: {error}"
        print(f"\nRUN BROKEN: {reason}", file=sys.stderr, flush=True)
        if server is not None:
            print(f"gunicorn log kept in {server.log_path}", file=sys.stderr, flush=True)
        return 2
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not interrupt the clean-up
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if server is not None:
            server.stop()
            log(f"gunicorn stopped (exit {server.process.returncode})")
        if completed or server is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
