"""Results at scale on PostgreSQL: the NPS breakdown of the metric engine against hand-written SQL, and the CSV and
XLSX exports against PostgreSQL's own COPY of the same rows.

    .venv/bin/python bench/results_export.py [--responses 1000000] [--reuse] [--db-name cx_lang]

Seeds a small demo (`manage.py seed_demo --responses 20000 --customers 20000`) into a fresh database, copies its
responses with COPY up to N (bench/bulk_responses.py) and recounts the score rollups, then:
  1. times `surveys.selectors.metrics.breakdown` of the store-visit survey's NPS question by month and by unit
     (warm, the median of several interleaved runs) against the same aggregates written by hand in SQL, and checks that
     every figure is equal;
  2. exports every response of the demo surveys, each format in its own child process (time and peak resident
     memory): the baseline `COPY (SELECT responses LEFT JOIN answers ...) TO STDOUT` read by psycopg, then
     `surveys.selectors.exports.responses_csv` streamed to a byte counter, then `responses_xlsx` into a temporary
     file (read back afterwards, untimed: one row per response), then the baseline again.
Exit code 0 with a PASS or FAIL verdict, 2 when the run itself broke. See bench/README.md.
"""

import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bulk_responses import load_responses  # noqa: E402 - after the path to the project

PYTHON = ROOT / ".venv" / "bin" / "python"
DEMO_SURVEYS = ("store-visit", "delivery", "relationship")  # the three that seed_demo fills with responses
BREAKDOWN_SURVEY = "store-visit"
BREAKDOWN_QUESTION = "nps"
TARGET_RATIO = 2.0  # engine breakdown time / hand-written SQL time, at most
TARGET_EXPORT_S = 60.0  # for the whole export
TARGET_PEAK_MB = 200.0  # peak RSS of the process that streams the export
SEED_RESPONSES = 20_000  # seeded by seed_demo (the templates), the rest copied by bench/bulk_responses.py


class RunBroken(Exception):
    """The run itself could not be done (database, seed, child process); exit code 2."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)  # django.setup() changes TZ


def database_url(args) -> str:
    return f"postgres://{args.db_user}@{args.db_host}:{args.db_port}/{args.db_name}"


def connect(args, dbname: str | None = None) -> psycopg.Connection:
    return psycopg.connect(
        host=args.db_host, port=args.db_port, user=args.db_user, dbname=dbname or args.db_name, autocommit=True
    )


def run(cmd: list[str], *, env: dict, timeout: float, what: str) -> str:
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise RunBroken(f"{what}: not done within {timeout:.0f} s") from error
    if done.returncode != 0:
        raise RunBroken(f"{what} failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


# ---------------------------------------------------------------- 1. the database


def demo_response_count(args) -> int | None:
    """Responses of the demo surveys, or None when the database or its tables are missing."""
    try:
        with connect(args) as db:
            return db.execute(
                "SELECT count(*) FROM surveys_response r JOIN surveys_survey s ON s.id = r.survey_id "
                "WHERE s.public_id = ANY(%s)",
                [list(DEMO_SURVEYS)],
            ).fetchone()[0]
    except psycopg.Error:
        return None


def prepare_database(args) -> dict:
    """Fresh database seeded with N responses (or the existing one with --reuse); returns what it did."""
    done = {"reused": False, "seed_s": None, "analyze_s": None}
    env = dict(os.environ)
    # DEBUG=0: dev settings otherwise keep the SQL of every bulk insert in the query log, ~30% slower seeding.
    env.update(DJANGO_SETTINGS_MODULE="cxprogram.settings.dev", DATABASE_URL=database_url(args), DEBUG="0")
    migrate = [str(PYTHON), "manage.py", "migrate", "--noinput"]
    if args.reuse and demo_response_count(args) == args.responses:
        log(f"Database {args.db_name}: reused, it already holds {args.responses} demo responses; migrate")
        run(migrate, env=env, timeout=600, what="migrate")  # the code may have new migrations since the seed
        done["reused"] = True
        return done
    log(f"Database {args.db_name}: drop, create, migrate")
    with connect(args, "postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.db_name}"')
    run(migrate, env=env, timeout=300, what="migrate")
    seeded = min(args.responses, SEED_RESPONSES)
    log(f"seed_demo --responses {seeded} --customers {args.customers}, then COPY up to {args.responses} responses")
    started = time.perf_counter()
    out = run(
        [str(PYTHON), "manage.py", "seed_demo", "--responses", str(seeded),
         "--customers", str(args.customers), "--password", "x"],
        env=env, timeout=args.seed_timeout, what="seed_demo",
    )  # fmt: skip
    log(f"  seeded in {time.perf_counter() - started:.0f} s: " + " / ".join(x for x in out.splitlines() if x.strip()))
    with psycopg.connect(host=args.db_host, port=args.db_port, user=args.db_user, dbname=args.db_name) as db:
        added = load_responses(db, target=args.responses)
    # the metric engine reads the score rollups, which only count what seed_demo wrote: recount them
    run([str(PYTHON), "manage.py", "rollups_rebuild"], env=env, timeout=args.seed_timeout, what="rollups_rebuild")
    done["seed_s"] = time.perf_counter() - started
    log(f"  {added:,} responses copied; {done['seed_s']:.0f} s in all")
    started = time.perf_counter()
    with connect(args) as db:
        # VACUUM ANALYZE rather than only ANALYZE: fresh statistics and a set visibility map, the steady state
        # autovacuum reaches anyway; otherwise plans would depend on whether autovacuum ran before the measurement.
        db.execute("VACUUM (ANALYZE)")
    done["analyze_s"] = time.perf_counter() - started
    log(f"  VACUUM (ANALYZE) in {done['analyze_s']:.0f} s")
    run(migrate, env=env, timeout=600, what="migrate")  # a no-op unless migrations were added during the seed
    return done


def database_facts(args) -> dict:
    with connect(args) as db:
        facts = {
            "version": "PostgreSQL " + db.execute("SHOW server_version").fetchone()[0].split()[0],
            "settings": ", ".join(
                f"{name}={value}{unit or ''}"
                for name, value, unit in db.execute(
                    "SELECT name, setting, unit FROM pg_settings WHERE name IN "
                    "('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather', 'jit') ORDER BY name"
                )
            ),
            "per_survey": dict(
                db.execute(
                    "SELECT s.public_id, count(*) FROM surveys_response r JOIN surveys_survey s ON s.id = r.survey_id "
                    "GROUP BY 1 ORDER BY 2 DESC"
                ).fetchall()
            ),
            "answers": db.execute("SELECT count(*) FROM surveys_answer").fetchone()[0],
            "sizes": {
                table: db.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [table]).fetchone()[0]
                for table in ("surveys_response", "surveys_answer")
            },
        }
    return facts


# ---------------------------------------------------------------- 2. the breakdown (in this process)


def django_setup(args) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # production-like base, DEBUG=0
    os.environ["DATABASE_URL"] = database_url(args)
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


HAND_SQL = {
    "month": (
        "SELECT date_trunc('month', r.submitted_at AT TIME ZONE %(tz)s) AS g, count(*),"
        " count(*) FILTER (WHERE a.number >= 9), count(*) FILTER (WHERE a.number <= 6)"
        " FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id"
        " WHERE a.question_id = %(question)s AND r.survey_id = %(survey)s GROUP BY 1 ORDER BY 1"
    ),
    "unit": (
        "SELECT r.unit_id AS g, count(*),"
        " count(*) FILTER (WHERE a.number >= 9), count(*) FILTER (WHERE a.number <= 6)"
        " FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id"
        " WHERE a.question_id = %(question)s AND r.survey_id = %(survey)s GROUP BY 1 ORDER BY 1"
    ),
    "month_unit": (
        "SELECT date_trunc('month', r.submitted_at AT TIME ZONE %(tz)s) AS m, r.unit_id AS u, count(*),"
        " count(*) FILTER (WHERE a.number >= 9), count(*) FILTER (WHERE a.number <= 6)"
        " FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id"
        " WHERE a.question_id = %(question)s AND r.survey_id = %(survey)s GROUP BY 1, 2 ORDER BY 1, 2"
    ),
}


def measure_breakdown(args) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from surveys.models import Survey
    from surveys.selectors import metrics

    survey = Survey.objects.get(public_id=BREAKDOWN_SURVEY)
    question = survey.questions.get(code=BREAKDOWN_QUESTION)
    slice_ = metrics.Slice(survey=survey)
    params = {"tz": settings.TIME_ZONE, "question": question.pk, "survey": survey.pk}

    def month_key(value):  # the engine gives aware datetimes in the current time zone, SQL a naive local timestamp
        return value.replace(tzinfo=None) if value is not None else None

    def app(by):
        return {(month_key(k) if by == "month" else k): f for k, f in metrics.breakdown(slice_, question, by)}

    def sql(by):
        with connection.cursor() as cursor:
            cursor.execute(HAND_SQL[by], params)
            rows = cursor.fetchall()
        return {g: metrics.nps_from({"n": n, "promoters": p, "detractors": d}) for g, n, p, d in rows}

    def engine_cross():  # the engine's own parts (answers_in, BREAKDOWNS, nps_aggregates), two dimensions at once
        rows = (
            metrics.answers_in(slice_, question)
            .annotate(m=metrics.BREAKDOWNS["month"], u=metrics.BREAKDOWNS["unit"])
            .values("m", "u")
            .order_by("m", "u")
            .annotate(**metrics.nps_aggregates())
        )
        return {(month_key(r["m"]), r["u"]): metrics.nps_from(r) for r in rows}

    def sql_cross():
        with connection.cursor() as cursor:
            cursor.execute(HAND_SQL["month_unit"], params)
            rows = cursor.fetchall()
        return {(m, u): metrics.nps_from({"n": n, "promoters": p, "detractors": d}) for m, u, n, p, d in rows}

    flows = {
        "app month": lambda: app("month"),
        "app unit": lambda: app("unit"),
        "sql month": lambda: sql("month"),
        "sql unit": lambda: sql("unit"),
        "engine parts month x unit": engine_cross,
        "sql month x unit": sql_cross,
    }
    results, times = {}, {name: [] for name in flows}
    for name, flow in flows.items():  # warm-up: caches, plans, the first query's connection
        results[name] = flow()
    for i in range(args.repeat):  # interleaved, alternating the order, so a load change hits every flow
        for name in list(flows) if i % 2 == 0 else list(flows)[::-1]:
            started = time.perf_counter()
            results[name] = flow_result = flows[name]()
            times[name].append(time.perf_counter() - started)
            if flow_result != results[name]:
                raise RunBroken(f"{name}: a repeated run gave other figures")
    # the SQL the engine sent, for the report and its plan
    with CaptureQueriesContext(connection) as captured:
        metrics.breakdown(slice_, question, "month")
        metrics.breakdown(slice_, question, "unit")
    orm_sql = {"month": captured.captured_queries[0]["sql"], "unit": captured.captured_queries[1]["sql"]}

    def figures(mapping):
        return {k: (f.n, f.value, f.low, f.high) for k, f in mapping.items()}

    checks = {
        "month": figures(results["app month"]) == figures(results["sql month"]),
        "unit": figures(results["app unit"]) == figures(results["sql unit"]),
        "month x unit": figures(results["engine parts month x unit"]) == figures(results["sql month x unit"]),
    }
    mismatches = []
    for by in ("month", "unit"):
        a, s = figures(results[f"app {by}"]), figures(results[f"sql {by}"])
        mismatches += [f"{by} {k}: app {a.get(k)} sql {s.get(k)}" for k in sorted(set(a) | set(s), key=str)
                       if a.get(k) != s.get(k)]  # fmt: skip
    # marginals of the cross table equal the one-dimension figures, and every NPS answer is counted once
    cross = results["sql month x unit"]
    month_n = {m: sum(f.n for (mm, _u), f in cross.items() if mm == m) for m, _u in cross}
    unit_n = {u: sum(f.n for (_m, uu), f in cross.items() if uu == u) for _m, u in cross}
    checks["marginals"] = month_n == {k: f.n for k, f in results["sql month"].items()} and unit_n == {
        k: f.n for k, f in results["sql unit"].items()
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM surveys_response WHERE survey_id = %s", [survey.pk])
        survey_responses = cursor.fetchone()[0]
    total_n = sum(f.n for f in results["app month"].values())
    checks["every response counted"] = total_n == sum(f.n for f in results["app unit"].values()) == survey_responses

    medians = {name: statistics.median(values) for name, values in times.items()}
    app_s = medians["app month"] + medians["app unit"]
    sql_s = medians["sql month"] + medians["sql unit"]
    plans = {}
    if app_s / sql_s > TARGET_RATIO or args.explain:
        with connection.cursor() as cursor:
            for by in ("month", "unit"):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + orm_sql[by])
                plans[f"engine {by}"] = [row[0] for row in cursor.fetchall()]
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + HAND_SQL[by], params)
                plans[f"hand SQL {by}"] = [row[0] for row in cursor.fetchall()]
    from cxprogram.models import Unit

    unit_names = dict(Unit.objects.values_list("pk", "code"))
    return {
        "survey": survey,
        "question": question,
        "survey_responses": survey_responses,
        "nps_answers": total_n,
        "times": times,
        "medians": medians,
        "app_s": app_s,
        "sql_s": sql_s,
        "ratio": app_s / sql_s,
        "checks": checks,
        "mismatches": mismatches,
        "orm_sql": orm_sql,
        "plans": plans,
        "cross": results["sql month x unit"],
        "months": results["app month"],
        "units": results["app unit"],
        "unit_names": unit_names,
    }


# ---------------------------------------------------------------- 3. the export (in a child process)


def vm_rss_mb(pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def proc_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(values) - values[3] - values[4]) / hz, sum(values) / hz


def background_load(seconds: float = 3.0) -> float:
    """Share of the machine's CPU that other processes use while this benchmark does nothing."""
    busy0, total0 = machine_busy()
    time.sleep(seconds)
    busy1, total1 = machine_busy()
    return (busy1 - busy0) / max(total1 - total0, 1e-9)


BASELINE_SQL = (  # the rows the export reads, as raw as PostgreSQL gives them: every response with its answers
    "COPY (SELECT r.id, r.submitted_at, r.language, r.source, r.channel, r.touchpoint, u.code, usr.username,"
    " c.external_id, seg.code, c.value_tier, r.transaction_ref, r.duration_seconds, a.question_id, a.number,"
    " ch.text_en, a.text"
    " FROM surveys_response r LEFT JOIN cxprogram_unit u ON u.id = r.unit_id"
    " LEFT JOIN cxprogram_employee e ON e.id = r.employee_id LEFT JOIN auth_user usr ON usr.id = e.user_id"
    " LEFT JOIN cxprogram_customer c ON c.id = r.customer_id LEFT JOIN cxprogram_segment seg ON seg.id = c.segment_id"
    " LEFT JOIN surveys_answer a ON a.response_id = r.id LEFT JOIN surveys_choice ch ON ch.id = a.choice_id"
    " WHERE r.survey_id = {survey} ORDER BY r.id, a.question_id, ch.order, a.choice_id) TO STDOUT WITH (FORMAT csv)"
)


def sheet_rows(into) -> tuple[int, int]:
    """(data rows, rows whose response id is not above the previous one) of an XLSX export, read in 1 MB chunks."""
    into.seek(0)
    rows = out_of_order = 0
    last = -1
    pattern = re.compile(rb'<row r="\d+"><c r="A\d+"><v>(\d+)</v>')
    with zipfile.ZipFile(into) as package, package.open("xl/worksheets/sheet1.xml") as sheet:
        pending = b""
        for chunk in iter(lambda: sheet.read(1 << 20), b""):
            pending += chunk
            if (cut := pending.rfind(b"</row>")) < 0:
                continue
            cut += len(b"</row>")
            for found in pattern.finditer(pending, 0, cut):
                response_id = int(found.group(1))
                rows += 1
                out_of_order += response_id <= last
                last = response_id
            pending = pending[cut:]
    return rows, out_of_order


def export_child(args) -> None:
    """Export each survey as the view does and count rows and bytes; print JSON. Formats: csv (the utf-8 bytes
    StreamingHttpResponse sends), xlsx (the file written to a temporary file, as the view does), copy (the baseline:
    PostgreSQL's own COPY TO of the same responses and answers, no Python per row)."""
    signal.alarm(int(args.export_timeout))  # a runaway export ends this process with a traceback
    django_setup(args)
    from django.db import connection

    from surveys.models import Response, Survey
    from surveys.selectors.exports import responses_csv, responses_xlsx
    from surveys.selectors.metrics import Slice, responses_in

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    out = {"rss_after_setup_mb": vm_rss_mb(), "surveys": [], "backend_pid": backend, "format": args.child_format}
    profiler = None
    if args.profile_rows:
        import cProfile

        profiler = cProfile.Profile()
    for public_id in args.child_export.split(","):
        survey = Survey.objects.get(public_id=public_id)
        expected = Response.objects.filter(survey=survey).count()
        responses = responses_in(Slice(survey=survey))
        rows = size = 0
        last_id = -1
        out_of_order = 0
        rss_samples = []
        first_row_s = None
        cpu_db_before, cpu_self_before = proc_cpu_s(backend), time.process_time()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        if args.child_format == "copy":
            connection.ensure_connection()
            with connection.connection.cursor() as raw, raw.copy(BASELINE_SQL.format(survey=int(survey.pk))) as copy:
                for block in copy:
                    size += len(block)
            rows = expected  # counted by the CSV and XLSX runs; here only PostgreSQL's own time matters
        elif args.child_format == "xlsx":
            into = tempfile.TemporaryFile()  # noqa: SIM115 - read back after the clock stops
            written = responses_xlsx(survey=survey, responses=responses, language="en", into=into)
            size = into.tell()
            rss_samples.append(round(vm_rss_mb(), 1))
        else:
            stream = responses_csv(survey=survey, responses=responses, language="en")
            header = next(stream)
            size += len(header.encode())
            for line in stream:
                size += len(line.encode())  # what StreamingHttpResponse sends: utf-8 bytes
                rows += 1
                response_id = int(line.split(",", 1)[0])
                out_of_order += response_id <= last_id
                last_id = response_id
                if rows == 1:
                    first_row_s = time.perf_counter() - started
                if rows % 100_000 == 0:
                    rss_samples.append(round(vm_rss_mb(), 1))
                if profiler and rows >= args.profile_rows:
                    break
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        if args.child_format == "xlsx":  # read the sheet back as a stream: one row per response, ids increasing
            rows, out_of_order = sheet_rows(into)
            into.close()
            rows = rows if rows == written else -rows  # a row count the writer and the file disagree on is wrong
        out["surveys"].append(
            {
                "public_id": public_id,
                "questions": survey.questions.count(),
                "expected": expected,
                "rows": rows,
                "bytes": size,
                "seconds": elapsed,
                "first_row_s": first_row_s,
                "out_of_order": out_of_order,
                "python_cpu_s": time.process_time() - cpu_self_before,
                "postgres_cpu_s": proc_cpu_s(backend) - cpu_db_before,
                "rss_samples_mb": rss_samples,
            }
        )
        if profiler:
            break
    out["rss_end_mb"] = vm_rss_mb()
    out["self_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if profiler:
        import io
        import pstats

        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(18)
        out["profile"] = text.getvalue()
    print("EXPORT-RESULT " + json.dumps(out), flush=True)


def run_export_child(args, surveys: list[str], profile_rows: int = 0, file_format: str = "csv") -> dict:
    """The export in its own process; its peak RSS from wait4 (that child alone, not earlier ones)."""
    cmd = [str(PYTHON), str(Path(__file__).resolve()), "--child-export", ",".join(surveys),
           "--child-format", file_format, "--db-name", args.db_name, "--db-host", args.db_host,
           "--db-port", str(args.db_port), "--db-user", args.db_user,
           "--export-timeout", str(args.export_timeout)]  # fmt: skip
    if profile_rows:
        cmd += ["--profile-rows", str(profile_rows)]
    started = time.perf_counter()
    busy0, total0 = machine_busy()
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True)
        stdout = process.stdout.read()
        process.stdout.close()
        _pid, status, usage = os.wait4(process.pid, 0)  # not Popen.wait: wait4 also gives this child's rusage
        errors.seek(0)
        stderr = errors.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    busy1, total1 = machine_busy()
    found = [line for line in stdout.splitlines() if line.startswith("EXPORT-RESULT ")]
    if process.returncode != 0 or not found:
        raise RunBroken(f"export child failed (exit {process.returncode}):\n{stdout[-2000:]}\n{stderr[-3000:]}")
    result = json.loads(found[-1].removeprefix("EXPORT-RESULT "))
    result["maxrss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    result["child_cpu_s"] = usage.ru_utime + usage.ru_stime
    result["process_wall_s"] = wall
    # CPU of other processes while the export ran: the machine's busy time minus the child and its backend
    ours = result["child_cpu_s"] + sum(s["postgres_cpu_s"] for s in result["surveys"])
    result["other_cpu_share"] = max(0.0, busy1 - busy0 - ours) / max(total1 - total0, 1e-9)
    return result


# ---------------------------------------------------------------- 4. the report


def plan_summary(lines: list[str], limit: int = 40) -> list[str]:
    keep = [line for line in lines if not re.match(r"\s*(Buffers|I/O Timings|Planning:|Worker \d)", line)]
    return keep[:limit]


def report(args, prepared: dict, facts: dict, bd: dict, exports: dict, profile: dict | None) -> tuple[str, bool]:
    m = bd["medians"]
    lines = [
        "",
        f"Results at scale: {facts['version']} ({facts['settings']}); {os.cpu_count()} CPUs; database {args.db_name}",
        f"  demo responses: {sum(facts['per_survey'].get(s, 0) for s in DEMO_SURVEYS):,} "
        f"({', '.join(f'{k} {v:,}' for k, v in facts['per_survey'].items())}); answers {facts['answers']:,}; "
        f"tables: responses {facts['sizes']['surveys_response']}, answers {facts['sizes']['surveys_answer']}",
    ]
    if prepared["reused"]:
        lines.append("  seeding: skipped (--reuse, the database already had the responses)")
    else:
        rate = args.responses / prepared["seed_s"]
        lines.append(
            f"  seeding: seed_demo --responses {min(args.responses, SEED_RESPONSES)} --customers {args.customers}, "
            f"then COPY (bench/bulk_responses.py) up to {args.responses:,}, took "
            f"{prepared['seed_s']:.0f} s ({rate:,.0f} responses/s, {facts['answers'] / prepared['seed_s']:,.0f} "
            f"answers/s); VACUUM (ANALYZE) {prepared['analyze_s']:.0f} s"
        )
    survey, question = bd["survey"], bd["question"]
    lines += [
        "",
        f"Breakdown: NPS of {survey.public_id}/{question.code} over all {bd['survey_responses']:,} responses "
        f"({bd['nps_answers']:,} NPS answers), warm, median of {args.repeat} interleaved runs; "
        f"other processes used {bd['background']:.0%} of the CPU just before"
        + (" (noisy: rerun on a quiet machine)" if bd["background"] > 0.1 else ""),
        "  metrics.breakdown() takes one dimension, so month x unit through the engine is two calls (month, unit);",
        "  the hand-written SQL is one aggregate per dimension with the same grouping, time zone and counts.",
        "",
        f"  {'':<46}{'median ms':>10}{'min ms':>10}{'max ms':>10}",
    ]
    for name in ("app month", "app unit", "sql month", "sql unit", "engine parts month x unit", "sql month x unit"):
        values = bd["times"][name]
        label = {
            "app month": "engine breakdown(..., 'month')",
            "app unit": "engine breakdown(..., 'unit')",
            "sql month": "hand SQL by month",
            "sql unit": "hand SQL by unit",
            "engine parts month x unit": "engine parts, month x unit in one query (info)",
            "sql month x unit": "hand SQL, month x unit in one query (info)",
        }[name]
        lines.append(f"  {label:<46}{m[name] * 1000:>10.0f}{min(values) * 1000:>10.0f}{max(values) * 1000:>10.0f}")
    lines += [
        f"  {'engine month + unit':<46}{bd['app_s'] * 1000:>10.0f}",
        f"  {'hand SQL month + unit':<46}{bd['sql_s'] * 1000:>10.0f}",
        f"  ratio engine/SQL: {bd['ratio']:.2f} (target <= {TARGET_RATIO:g}); "
        f"month {m['app month'] / m['sql month']:.2f}, unit {m['app unit'] / m['sql unit']:.2f}, "
        f"month x unit {m['engine parts month x unit'] / m['sql month x unit']:.2f}",
        "  figures equal (n, NPS, 95% interval per group): "
        + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in bd["checks"].items()),
    ]
    lines += [f"  MISMATCH {text}" for text in bd["mismatches"][:10]]
    lines.append("  NPS by month: " + "; ".join(
        f"{k:%Y-%m} {f.value:+.1f} (n={f.n:,})" for k, f in bd["months"].items()
    ))  # fmt: skip
    lines.append("  NPS by unit: " + "; ".join(
        f"{bd['unit_names'].get(k, k)} {f.value:+.1f} (n={f.n:,})" for k, f in bd["units"].items()
    ))  # fmt: skip
    lines.append(f"  month x unit: {len(bd['cross'])} cells")
    lines.append(f"  engine SQL (month): {bd['orm_sql']['month']}")
    for name, plan in bd["plans"].items():
        lines.append(f"  EXPLAIN ANALYZE, {name}:")
        lines += [f"    {line}" for line in plan_summary(plan)]

    baseline_s = statistics.mean(sum(s["seconds"] for s in run["surveys"]) for run in exports["copy"])
    baseline_mb = sum(s["bytes"] for s in exports["copy"][0]["surveys"]) / 1e6
    lines += [
        "",
        f"Baseline: PostgreSQL's COPY (SELECT responses LEFT JOIN answers, units, people, customers, choices ORDER BY "
        f"response) TO STDOUT, read by psycopg, nothing done per row: {baseline_s:.1f} s ({baseline_mb:.0f} MB), the "
        f"mean of a run before and after the exports ("
        + ", ".join(f"{sum(s['seconds'] for s in run['surveys']):.1f} s" for run in exports["copy"])
        + ")",
    ]
    verdicts = {}
    for file_format in ("csv", "xlsx"):
        export = exports[file_format]
        surveys = export["surveys"]
        rows = sum(s["rows"] for s in surveys)
        expected = sum(s["expected"] for s in surveys)
        seconds = sum(s["seconds"] for s in surveys)
        size = sum(s["bytes"] for s in surveys)
        peak = export["maxrss_mb"]
        ordered = all(s["out_of_order"] == 0 for s in surveys)
        verdicts[file_format] = (seconds, peak, rows == expected and ordered)
        how = {
            "csv": "responses_csv(survey, responses_in(Slice(survey)), language='en'), streamed to a byte counter",
            "xlsx": "responses_xlsx(survey, responses_in(Slice(survey)), language='en', into=a temporary file), "
            "then the sheet read back as a stream (not timed)",
        }[file_format]
        lines += [
            "",
            f"{file_format.upper()} export: {how}; {', '.join(s['public_id'] for s in surveys)}, one child process",
            f"  {'survey':<14}{'questions':>10}{'rows':>11}{'responses':>11}{'MB':>9}{'s':>8}{'rows/s':>9}"
            f"{'py CPU s':>9}{'pg CPU s':>9}",
        ]
        for s in surveys:
            lines.append(
                f"  {s['public_id']:<14}{s['questions']:>10}{s['rows']:>11,}{s['expected']:>11,}"
                f"{s['bytes'] / 1e6:>9.1f}{s['seconds']:>8.1f}{s['rows'] / s['seconds']:>9,.0f}"
                f"{s['python_cpu_s']:>9.1f}{s['postgres_cpu_s']:>9.1f}"
            )
        lines += [
            f"  {'total':<14}{'':>10}{rows:>11,}{expected:>11,}{size / 1e6:>9.1f}{seconds:>8.1f}"
            f"{rows / seconds:>9,.0f}",
            f"  time against the COPY baseline: {seconds / baseline_s:.2f}x; rows = responses: "
            f"{'yes' if rows == expected else 'NO'}; response ids strictly increasing, none twice: "
            f"{'yes' if ordered else 'NO'}",
            f"  peak RSS of the export process (wait4 ru_maxrss): {peak:.0f} MB (target < {TARGET_PEAK_MB:g}); "
            f"after django.setup {export['rss_after_setup_mb']:.0f} MB, at the end {export['rss_end_mb']:.0f} MB; "
            f"VmRSS samples: {', '.join(str(v) for s in surveys for v in s['rss_samples_mb'])}",
            f"  child process: {export['process_wall_s']:.1f} s wall including start-up, "
            f"{export['child_cpu_s']:.1f} s CPU (Python); PostgreSQL backend CPU "
            f"{sum(s['postgres_cpu_s'] for s in surveys):.1f} s; other processes used "
            f"{export['other_cpu_share']:.0%} of the machine's CPU meanwhile"
            + (" (noisy: rerun on a quiet machine)" if export["other_cpu_share"] > 0.1 else ""),
        ]
    if profile:
        lines += [
            "",
            f"Profile of the export (cProfile, first {args.profile_rows_on_fail:,} rows of {BREAKDOWN_SURVEY}):",
        ]
        lines += [f"    {line}" for line in profile.get("profile", "").splitlines() if line.strip()][:40]

    figures_ok = all(bd["checks"].values())
    exports_ok = all(sec < TARGET_EXPORT_S and peak < TARGET_PEAK_MB and ok for sec, peak, ok in verdicts.values())
    passed = bd["ratio"] <= TARGET_RATIO and figures_ok and exports_ok
    lines += [
        "",
        f"VERDICT: {'PASS' if passed else 'FAIL'} breakdown_ratio={bd['ratio']:.2f} (target <= {TARGET_RATIO:g}) "
        + " ".join(
            f"{fmt}_s={sec:.1f} {fmt}_vs_copy={sec / baseline_s:.2f}x {fmt}_peak_mb={peak:.0f} "
            f"{fmt}_rows_match={'yes' if ok else 'no'}"
            for fmt, (sec, peak, ok) in verdicts.items()
        )
        + f" (targets: < {TARGET_EXPORT_S:g} s, < {TARGET_PEAK_MB:g} MB) figures_equal={'yes' if figures_ok else 'no'}",
    ]
    return "\n".join(lines), passed


# ---------------------------------------------------------------- main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000, help="demo responses to seed (default 1000000)")
    parser.add_argument("--customers", type=int, default=20_000, help="demo customers (default 20000)")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it already has N responses")
    parser.add_argument("--repeat", type=int, default=7, help="measured runs of each breakdown query (default 7)")
    parser.add_argument("--explain", action="store_true", help="print the query plans even when the ratio is met")
    parser.add_argument("--surveys", default=",".join(DEMO_SURVEYS), help="surveys to export (default: the 3 seeded)")
    parser.add_argument("--profile-rows-on-fail", type=int, default=200_000,
                        help="rows of store-visit to profile when the export misses a target (0: never)")  # fmt: skip
    parser.add_argument("--seed-timeout", type=float, default=3600)
    parser.add_argument("--export-timeout", type=float, default=900)
    parser.add_argument("--db-name", default="cxprogram_bench_results")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", type=int, default=5432)
    parser.add_argument("--db-user", default="postgres")
    parser.add_argument("--child-export", default="", help=argparse.SUPPRESS)
    parser.add_argument("--child-format", default="csv", choices=["csv", "xlsx", "copy"], help=argparse.SUPPRESS)
    parser.add_argument("--profile-rows", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.responses < 1 or args.repeat < 1:
        parser.error("--responses and --repeat must be positive")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db_name) or args.db_name in ("postgres", "template0", "template1"):
        parser.error("--db-name must be a plain lower-case name of a scratch database")
    return args


def main() -> int:
    args = parse_args()
    if args.child_export:
        export_child(args)
        return 0
    try:
        prepared = prepare_database(args)
        facts = database_facts(args)
        missing = [s for s in DEMO_SURVEYS if not facts["per_survey"].get(s)]
        if missing:
            raise RunBroken(f"no responses in {missing}: was the database seeded?")
        django_setup(args)
        log(f"breakdown: {args.repeat} warm runs of each query")
        background = background_load()
        bd = measure_breakdown(args)
        bd["background"] = background
        log(f"  engine {bd['app_s'] * 1000:.0f} ms, SQL {bd['sql_s'] * 1000:.0f} ms")
        from django.db import connection

        connection.close()
        surveys = [s for s in args.surveys.split(",") if s]
        exports: dict = {"copy": []}
        for file_format in ("copy", "csv", "xlsx", "copy"):  # the baseline before and after, for a drifting load
            log(f"export {file_format}: {', '.join(surveys)} in a child process")
            export = run_export_child(args, surveys, file_format=file_format)
            if file_format == "copy":
                exports["copy"].append(export)
            else:
                exports[file_format] = export
            seconds = sum(s["seconds"] for s in export["surveys"])
            log(f"  {sum(s['rows'] for s in export['surveys']):,} rows in {seconds:.1f} s, "
                f"peak {export['maxrss_mb']:.0f} MB")  # fmt: skip
        profile = None
        worst = max(("csv", "xlsx"), key=lambda f: sum(s["seconds"] for s in exports[f]["surveys"]))
        if args.profile_rows_on_fail and (
            sum(s["seconds"] for s in exports[worst]["surveys"]) >= TARGET_EXPORT_S
            or exports[worst]["maxrss_mb"] >= TARGET_PEAK_MB
        ):
            log(f"export missed a target: profiling the first {args.profile_rows_on_fail:,} rows of {BREAKDOWN_SURVEY}")
            profile = run_export_child(args, [BREAKDOWN_SURVEY], profile_rows=args.profile_rows_on_fail)
        text, _passed = report(args, prepared, facts, bd, exports, profile)
        print(text, flush=True)
        return 0
    except (RunBroken, psycopg.Error, KeyboardInterrupt) as error:
        reason = "interrupted" if isinstance(error, KeyboardInterrupt) else f"{type(error).__name__}: {error}"
        print(f"\nRUN BROKEN: {reason}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
