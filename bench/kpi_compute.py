"""KPI computation at scale on PostgreSQL: 10,000 employees × 12 months from 10,000,000 responses.

    .venv/bin/python bench/kpi_compute.py [--responses 10000000] [--reuse] [--db-name cx_scale]

Uses the dataset of bench/bulk_load.py (PostgreSQL COPY; the same database as bench/results_scale.py, kept with
`--reuse`): the demo program plus 400 stores, 10,000 employees (a manager and about 24 frontline people per store),
1,000,000 customers, N responses over 13 months (half of them store visits, each about a frontline employee) and
a follow-up case for every store-visit NPS of 0–2, owned by the store's manager; the score rollups are built
set-based. Then it defines eight KPIs covering every computed source and level (employee NPS, CSAT, average
and yes-share; unit NPS over the subtree; company NPS; cases contacted within the deadline per owner; responses
per unit) and:
  1. computes all of them for the last 12 months with `kpis.services.measurements.kpi_compute` (the headline time,
     including the writes and the recognition work's awards for the measurements newly met, timed apart);
  2. computes them again: nothing may change (idempotent);
  3. times the grouped figure queries alone against the same aggregates written by hand in SQL (warm, median of
     interleaved runs) and checks that every NPS figure is equal.
Exit code 0 with a PASS or FAIL verdict, 2 when the run itself broke. See bench/README.md.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
TARGET_S = 120.0

sys.path.insert(0, str(ROOT))

from bench import bulk_load  # noqa: E402


class RunBroken(Exception):
    """The run itself could not be done (database, migrate, data); exit code 2."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def database_url(args) -> str:
    return f"postgres://{args.db_user}@{args.db_host}:{args.db_port}/{args.db_name}"


def connect(args, dbname: str) -> psycopg.Connection:
    return psycopg.connect(host=args.db_host, port=args.db_port, user=args.db_user, dbname=dbname, autocommit=True)


# ---------------------------------------------------------------- 1. the database and its data


def django_setup(args) -> None:
    os.environ.update(DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=database_url(args), DEBUG="0")
    import django

    django.setup()


# ---------------------------------------------------------------- 2. the KPIs and the computation


KPIS = [
    # code, metric, level, question, target, warning
    ("bench-emp-nps", "nps", "employee", "nps", 10, 0),
    ("bench-emp-csat", "csat", "employee", "csat", 60, 50),
    ("bench-emp-csat-mean", "mean", "employee", "csat", 3.5, 3.2),
    ("bench-emp-polite", "yes_share", "employee", "polite", 90, 85),
    ("bench-unit-nps", "nps", "unit", "nps", 10, 0),
    ("bench-company-nps", "nps", "company", "nps", 10, 0),
    ("bench-mgr-contacted", "contacted_in_time", "employee", None, 85, 75),
    ("bench-unit-responses", "response_count", "unit", "nps", 800, 700),
]


def define_kpis() -> list:
    from kpis.models import Kpi
    from surveys.models import Question

    questions = {q.code: q for q in Question.objects.filter(survey__public_id="store-visit")}
    kpis = []
    for code, metric, level, question, target, warning in KPIS:
        kpi, _ = Kpi.objects.update_or_create(
            code=code,
            defaults={"name": code, "metric": metric, "level": level, "period": "month", "target": target,
                      "warning": warning, "min_sample": 30, "employee_influence": level != "company", "points": 10},
        )  # fmt: skip
        kpi.questions.set([questions[question]] if question else [])
        kpis.append(kpi)
    return kpis


def compute_all(kpis, date_from, date_to) -> dict:
    """kpi_compute for each KPI; time spent in the recognition work's awards (`achievements_record` for all the newly
    met measurements of a KPI at once, or `achievement_record` for each where no batch function exists) measured
    apart."""
    from kpis.services import measurements

    recognition = measurements.recognition
    single, batch = recognition.achievement_record, getattr(recognition, "achievements_record", None)
    spent = {"s": 0.0, "calls": 0, "met": 0}

    def timed_single(*, measurement):
        t0 = time.perf_counter()
        try:
            return single(measurement=measurement)
        finally:
            spent["s"] += time.perf_counter() - t0
            spent["calls"] += 1
            spent["met"] += 1

    def timed_batch(*, measurements):
        t0 = time.perf_counter()
        try:
            return batch(measurements=measurements)
        finally:
            spent["s"] += time.perf_counter() - t0
            spent["calls"] += 1
            spent["met"] += len(measurements)

    recognition.achievement_record = timed_single
    if batch is not None:
        recognition.achievements_record = timed_batch
    per_kpi = {}
    try:
        for kpi in kpis:
            before = dict(spent)
            t0 = time.perf_counter()
            result = measurements.kpi_compute(kpi=kpi, date_from=date_from, date_to=date_to)
            per_kpi[kpi.code] = {
                "s": time.perf_counter() - t0,
                "result": result,
                "achievement_s": spent["s"] - before["s"],
                "achievement_calls": spent["calls"] - before["calls"],
                "achievement_met": spent["met"] - before["met"],
            }
    finally:
        recognition.achievement_record = single
        if batch is not None:
            recognition.achievements_record = batch
    return per_kpi


HAND = {
    "employee": "r.employee_id",
    "unit": "t.ancestor",
    "company": "0",
}
AGG = {
    "nps": "count(*), count(*) FILTER (WHERE a.number >= 9), count(*) FILTER (WHERE a.number <= 6)",
    "csat": "count(*), count(*) FILTER (WHERE a.number >= 4)",
    "mean": "count(*), avg(a.number::float), avg((a.number * a.number)::float)",
    "yes_share": "count(*), count(*) FILTER (WHERE a.number = 1)",
}
TREE = (
    "WITH RECURSIVE t(ancestor, id) AS (SELECT id, id FROM cxprogram_unit "
    "UNION ALL SELECT t.ancestor, u.id FROM cxprogram_unit u JOIN t ON u.parent_id = t.id) "
)


def hand_sql(kpi, start, end, now) -> tuple[str, list]:
    """The same grouping and aggregates as the KPI's figures, written by hand (unit roll-up by a closure CTE)."""
    month = "date_trunc('month', {} AT TIME ZONE 'Europe/Moscow')"
    if kpi.metric == "contacted_in_time":
        sql = (f"SELECT owner_id, {month.format('created_at')}, "  # noqa: S608 - constant fragments only
               "count(*) FILTER (WHERE first_contact_at IS NOT NULL OR due_at < %s), "
               "count(*) FILTER (WHERE first_contact_at <= due_at) FROM surveys_followup "
               "WHERE created_at >= %s AND created_at < %s AND owner_id IS NOT NULL GROUP BY 1, 2")  # fmt: skip
        return sql, [now, start, end]
    if kpi.metric == "response_count":
        sql = (TREE + f"SELECT t.ancestor, {month.format('r.submitted_at')}, count(*) FROM surveys_response r "  # noqa: S608
               "JOIN t ON t.id = r.unit_id WHERE r.survey_id = %s AND r.submitted_at >= %s AND r.submitted_at < %s "
               "GROUP BY 1, 2")  # fmt: skip
        return sql, [kpi.questions.get().survey_id, start, end]
    question = kpi.questions.get()
    subject = HAND[kpi.level]
    join = "JOIN t ON t.id = r.unit_id " if kpi.level == "unit" else ""
    extra = "AND r.employee_id IS NOT NULL " if kpi.level == "employee" else ""
    sql = ((TREE if kpi.level == "unit" else "")
           + f"SELECT {subject}, {month.format('r.submitted_at')}, {AGG[kpi.metric]} "  # noqa: S608
           "FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id " + join
           + "WHERE a.question_id = %s AND r.submitted_at >= %s AND r.submitted_at < %s " + extra
           + "GROUP BY 1, 2")  # fmt: skip
    return sql, [question.pk, start, end]


def compare_figures(repeat: int, kpis, date_from, date_to) -> dict:
    """Warm medians of the engine-built grouped queries (kpi_figures) against the hand SQL, interleaved."""
    from django.db import connection
    from django.utils import timezone

    from kpis.models.kpi import period_bounds
    from kpis.services.measurements import kpi_figures
    from surveys.selectors.metrics import start_of

    now = timezone.now()
    start = period_bounds("month", date_from)[0]
    end = period_bounds("month", date_to)[1]
    times = {k.code: {"app": [], "sql": []} for k in kpis}
    hand_rows = {}
    for round_ in range(repeat + 1):  # the first round warms up and is not counted
        for kpi in kpis if round_ % 2 else reversed(kpis):
            t0 = time.perf_counter()
            kpi_figures(kpi=kpi, start=start, end=end, now=now)
            app = time.perf_counter() - t0
            sql, params = hand_sql(kpi, start_of(start), start_of(end, next_day=True), now)
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                hand_rows[kpi.code] = cursor.fetchall()
            hand = time.perf_counter() - t0
            if round_:
                times[kpi.code]["app"].append(app)
                times[kpi.code]["sql"].append(hand)
    medians = {code: {side: statistics.median(v) for side, v in t.items()} for code, t in times.items()}
    return {"medians": medians, "hand_rows": hand_rows}


def check_nps_figures(kpis, hand_rows) -> tuple[bool, list[str]]:
    """Every stored NPS measurement equals nps_from() of the hand-written SQL's counts for the same group."""
    from kpis.models import KpiMeasurement
    from surveys.selectors.metrics import nps_from

    problems = []
    for kpi in kpis:
        if kpi.metric != "nps":
            continue
        stored = {}
        for m in KpiMeasurement.objects.filter(kpi=kpi):
            subject = m.employee_id if kpi.level == "employee" else (m.unit_id if kpi.level == "unit" else 0)
            stored[(subject, m.period_start)] = (m.value, m.n, m.low, m.high)
        hand = {}
        for subject, period, n, promoters, detractors in hand_rows[kpi.code]:
            figure = nps_from({"n": n, "promoters": promoters, "detractors": detractors}, kpi.min_sample)
            hand[(subject, period.date())] = (figure.value, figure.n, figure.low, figure.high)
        if kpi.level == "company":
            company = KpiMeasurement.objects.filter(kpi=kpi).values_list("unit_id", flat=True).first()
            stored = {(0, p): v for (_s, p), v in stored.items()} if company else stored
        for key in sorted(set(stored) | set(hand), key=str):
            if stored.get(key) != hand.get(key):
                problems.append(f"{kpi.code} {key}: stored {stored.get(key)} hand {hand.get(key)}")
    return not problems, problems


# ---------------------------------------------------------------- main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="measured runs of each figure query (default 3)")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it already has N responses")
    parser.add_argument("--db-name", default="cx_scale")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", type=int, default=5432)
    parser.add_argument("--db-user", default="postgres")
    args = parser.parse_args()
    if args.responses < 1:
        parser.error("--responses must be positive")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db_name) or args.db_name in ("postgres", "template0", "template1"):
        parser.error("--db-name must be a plain lower-case name of a scratch database")
    return args


def main() -> int:
    args = parse_args()
    try:
        timings = bulk_load.ensure_dataset(args.db_name, args.responses, args.reuse)
        django_setup(args)
        facts = {"seed_s": timings["total_s"] if timings else None, "answers": None, "cases": None}
        from django.db import connection
        from django.utils import timezone

        from kpis.models import KpiMeasurement, PointEntry, Recognition
        from kpis.services import recognition
        from kpis.services.measurements import periods_back

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM surveys_answer")
            facts["answers"] = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM surveys_followup")
            facts["cases"] = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM surveys_response")
            responses = cursor.fetchone()[0]
            cursor.execute("SELECT count(*), count(DISTINCT unit_id) FROM cxprogram_employee")
            employees, stores = cursor.fetchone()
        kpis = define_kpis()
        # A fresh start, as a backfill meets it: no measurements, and no celebrations or points from earlier runs.
        PointEntry.objects.all().delete()
        Recognition.objects.all().delete()
        KpiMeasurement.objects.all().delete()
        today = timezone.localdate()
        date_from = periods_back("month", today, 12)
        log(f"computing {len(kpis)} KPIs for 12 months ({date_from} .. {today})")
        t0 = time.perf_counter()
        first = compute_all(kpis, date_from, today)
        first_s = time.perf_counter() - t0
        log(f"  first computation {first_s:.1f} s")
        t0 = time.perf_counter()
        second = compute_all(kpis, date_from, today)
        second_s = time.perf_counter() - t0
        log(f"  again (idempotent) {second_s:.1f} s")
        log(f"figure queries against hand-written SQL, {args.repeat} warm interleaved runs")
        compared = compare_figures(args.repeat, kpis, date_from, today)
        equal, problems = check_nps_figures(kpis, compared["hand_rows"])
    except (RunBroken, RuntimeError, psycopg.Error, KeyboardInterrupt) as error:
        reason = "interrupted" if isinstance(error, KeyboardInterrupt) else f"{type(error).__name__}: {error}"
        print(f"\nRUN BROKEN: {reason}", file=sys.stderr, flush=True)
        return 2

    stored = KpiMeasurement.objects.count()
    employees_measured = KpiMeasurement.objects.filter(employee__isnull=False).values("employee").distinct().count()
    changed_again = sum(r["result"].created + r["result"].updated for r in second.values())
    medians = compared["medians"]
    app_s = sum(m["app"] for m in medians.values())
    sql_s = sum(m["sql"] for m in medians.values())
    lines = [
        "",
        f"KPI computation: PostgreSQL, {os.cpu_count()} CPUs, database {args.db_name}",
        f"  data: {responses:,} responses, {facts['answers']:,} answers, {facts['cases']:,} follow-up cases, "
        f"{employees:,} employees in {stores} units"
        + (f"; seeded in {facts['seed_s']:.0f} s" if facts.get("seed_s") else "; seeding skipped (--reuse)"),
        f"  {len(kpis)} KPIs, monthly, {date_from} .. {today}: {stored:,} measurements, "
        f"{employees_measured} employees measured",
        "",
        f"  {'KPI':<16}{'level':>10}{'rows':>8}{'met now':>9}{'total s':>9}{'awards s':>10}"
        f"{'again s':>9}{'figures ms':>12}{'hand SQL ms':>13}{'ratio':>7}",
    ]
    for kpi in kpis:
        f, s, m = first[kpi.code], second[kpi.code], medians[kpi.code]
        lines.append(
            f"  {kpi.code:<16}{kpi.level:>10}{f['result'].total:>8,}{f['result'].newly_met:>9,}{f['s']:>9.2f}"
            f"{f['achievement_s']:>10.2f}{s['s']:>9.2f}{m['app'] * 1000:>12.0f}{m['sql'] * 1000:>13.0f}"
            f"{m['app'] / m['sql']:>7.2f}"
        )
    awards = sum(f["achievement_s"] for f in first.values())
    awarded = sum(f["achievement_met"] for f in first.values())
    award_calls = sum(f["achievement_calls"] for f in first.values())
    award_function = "achievements_record" if hasattr(recognition, "achievements_record") else "achievement_record"
    lines += [
        f"  {'all':<16}{'':>10}{sum(f['result'].total for f in first.values()):>8,}"
        f"{sum(f['result'].newly_met for f in first.values()):>9,}{first_s:>9.2f}{awards:>10.2f}{second_s:>9.2f}"
        f"{app_s * 1000:>12.0f}{sql_s * 1000:>13.0f}{app_s / sql_s:>7.2f}",
        "",
        f"  first computation {first_s:.1f} s, of which {awards:.1f} s in the recognition work's awards "
        f"({awarded:,} met measurements in {award_calls:,} calls of {award_function}); again {second_s:.1f} s, "
        f"{changed_again} rows changed (must be 0)",
        f"  grouped figure queries (kpi_figures) {app_s:.2f} s against hand-written SQL {sql_s:.2f} s: "
        f"ratio {app_s / sql_s:.2f}; whole computation against hand SQL: {first_s / sql_s:.2f}",
        f"  NPS figures equal to the hand SQL's (value, n, interval per subject and month): {'yes' if equal else 'NO'}",
    ]
    lines += [f"  MISMATCH {p}" for p in problems[:10]]
    passed = first_s < TARGET_S and equal and changed_again == 0
    lines += [
        f"  without the recognition work's awards the computation takes {first_s - awards:.1f} s "
        f"({(first_s - awards) / sql_s:.2f}x the hand SQL's reads); the awards cost "
        f"{awards / max(1, awarded) * 1000:.2f} ms per met measurement",
        "",
        f"VERDICT: {'PASS' if passed else 'FAIL'} time={first_s:.1f}s (target < {TARGET_S:g} s) "
        f"without_awards={first_s - awards:.1f}s awards={awards:.1f}s "
        f"measurements={stored} ratio_vs_sql={first_s / sql_s:.2f} figures_ratio={app_s / sql_s:.2f} "
        f"figures_equal={'yes' if equal else 'no'} idempotent={'yes' if changed_again == 0 else 'no'} "
        f"again={second_s:.1f}s",
    ]
    print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
