"""Restore drill: back up a seeded database with pg_dump, restore it into a fresh one, prove nothing is missing.

    .venv/bin/python bench/restore_drill.py [--responses 3000] [--prefix cx_faults_drill] [--keep]

1. Creates `<prefix>_source`, migrates it and runs `seed_demo --responses N` (the demo retailer).
2. `pg_dump --format=custom` of it into a file (the backup that operations take every night, docs/operations.md).
3. Creates `<prefix>_restored` and runs `pg_restore --exit-on-error --no-owner --jobs 2` of that file into it.
4. Compares, source against restored: the exact row count of every table, the next value of every sequence (so
   that new rows after a restore do not collide), and figures computed by the application itself on each database
   (every score question's result with n and interval for every survey, the closed loop's metrics); and checks that
   the restored database needs no migration.
5. Drops both databases (unless --keep) and prints the verdict line. Exit code 0 when it passes, 1 when it fails,
   2 when the drill could not run (no PostgreSQL, pg_dump, ...).

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust authentication; --db-host/--db-port/--db-user to change)
and pg_dump/pg_restore of the server's major version or newer.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = ROOT / ".venv" / "bin" / "python"


class DrillBroken(Exception):
    """The drill could not run (as opposed to: it ran and found a difference)."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd: list[str], *, env: dict | None = None, timeout: float, what: str) -> str:
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DrillBroken(f"{what}: {error}") from error
    if done.returncode != 0:
        raise DrillBroken(f"{what} failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def connect(args, db: str):
    return psycopg.connect(host=args.db_host, port=args.db_port, user=args.db_user, dbname=db, autocommit=True)


def database_url(args, db: str) -> str:
    return f"postgres://{args.db_user}@{args.db_host}:{args.db_port}/{db}"


def app_env(args, db: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "CELERY_BROKER_URL")}
    # DEBUG=0: the dev settings otherwise keep the SQL of every bulk insert in memory while seeding.
    env.update(DJANGO_SETTINGS_MODULE="cxprogram.settings.dev", DATABASE_URL=database_url(args, db), DEBUG="0",
               CELERY_TASK_ALWAYS_EAGER="1", PYTHONDONTWRITEBYTECODE="1")  # fmt: skip
    return env


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: the newest Debian server version's, else the one on PATH."""
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    found = str(versions[-1]) if versions else shutil.which(name)
    if not found:
        raise DrillBroken(f"{name} not found: install the postgresql-client package")
    return found


def table_counts(conn) -> dict[str, int]:
    """Exact row count of every table of the public schema."""
    tables = [row[0] for row in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]  # fmt: skip
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608 - catalogue


def sequence_values(conn) -> dict[str, int | None]:
    """The last value handed out by every sequence of the public schema (None: never used)."""
    return dict(conn.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"))


def differences(source: dict, restored: dict) -> list[str]:
    """What differs between two {name: value} maps, one line each ("table: 12 → 11")."""
    return [
        f"{name}: {source.get(name, 'missing')} → {restored.get(name, 'missing')}"
        for name in sorted(source.keys() | restored.keys())
        if source.get(name) != restored.get(name)
    ]


def app_figures(env: dict) -> dict:
    """Figures computed by the application on the database of `env` (a child process with its settings)."""
    return json.loads(run([str(PYTHON), __file__, "--figures"], env=env, timeout=300, what="figures").splitlines()[-1])


def figures_main() -> int:
    """In the child process: every score question's result per survey and the closed loop's metrics, as JSON."""
    import django

    django.setup()
    from datetime import UTC, datetime

    from surveys.models import FollowUp, Survey
    from surveys.selectors.followups import loop_metrics
    from surveys.selectors.metrics import SCORE_TYPES, Slice, question_result

    def figure(f) -> list:
        return [f.value, f.n, f.low, f.high]

    out = {}
    for survey in Survey.objects.order_by("public_id"):
        for question in survey.questions.filter(type__in=SCORE_TYPES).order_by("pk"):
            result = question_result(Slice(survey=survey), question)
            out[f"{survey.public_id}/{question.code}"] = [figure(result.headline)] + (
                [figure(result.secondary)] if result.secondary else []
            )
    loop = loop_metrics(FollowUp.objects.all(), now=datetime(2030, 1, 1, tzinfo=UTC))
    out["closed loop"] = [loop.cases, loop.open, loop.overdue, figure(loop.contacted_in_time),
                          loop.median_minutes_to_contact, loop.median_minutes_to_resolve, loop.top_causes]  # fmt: skip
    print(json.dumps(out, default=str))
    return 0


def drill(args) -> tuple[bool, list[str], str]:
    """Seed, dump, restore, compare; returns (passed, figures lines, verdict line)."""
    source, restored = f"{args.prefix}_source", f"{args.prefix}_restored"
    pg_dump, pg_restore = pg_tool("pg_dump"), pg_tool("pg_restore")
    workdir = Path(tempfile.mkdtemp(prefix="cx-restore-drill-"))
    dump = workdir / f"{source}.dump"
    try:
        with connect(args, "postgres") as admin:
            server = admin.execute("SHOW server_version").fetchone()[0].split()[0]
            for db in (source, restored):
                admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{source}"')
        env = app_env(args, source)
        log(f"{source}: migrate, seed_demo --responses {args.responses} --customers {args.customers}")
        run([str(PYTHON), "manage.py", "migrate", "--noinput"], env=env, timeout=600, what="migrate")
        run([str(PYTHON), "manage.py", "seed_demo", "--responses", str(args.responses), "--customers",
             str(args.customers), "--password", "drill"], env=env, timeout=1800, what="seed_demo")  # fmt: skip
        connection = ["--host", args.db_host, "--port", str(args.db_port), "--username", args.db_user]
        started = time.perf_counter()
        run([pg_dump, *connection, "--format=custom", "--file", str(dump), source], timeout=1800, what="pg_dump")
        dump_s, dump_mb = time.perf_counter() - started, dump.stat().st_size / 1e6
        log(f"pg_dump --format=custom: {dump_mb:.1f} MB in {dump_s:.1f} s")
        with connect(args, "postgres") as admin:
            admin.execute(f'CREATE DATABASE "{restored}"')
        started = time.perf_counter()
        run([pg_restore, *connection, "--dbname", restored, "--exit-on-error", "--no-owner", "--jobs", "2",
             str(dump)], timeout=1800, what="pg_restore")  # fmt: skip
        restore_s = time.perf_counter() - started
        log(f"pg_restore into {restored} in {restore_s:.1f} s; comparing")
        with connect(args, source) as a, connect(args, restored) as b:
            counts = (table_counts(a), table_counts(b))
            sequences = (sequence_values(a), sequence_values(b))
        figures = (app_figures(env), app_figures(app_env(args, restored)))
        unmigrated = subprocess.run(
            [str(PYTHON), "manage.py", "migrate", "--check", "--noinput"], cwd=ROOT, env=app_env(args, restored),
            capture_output=True, text=True, timeout=300, check=False,
        ).returncode  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if not args.keep:
            try:
                with connect(args, "postgres") as admin:
                    for db in (source, restored):
                        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            except psycopg.Error as error:
                log(f"could not drop the drill's databases: {error}")
    table_diff = differences(*counts)
    sequence_diff = differences(*sequences)
    figure_diff = differences(*figures)
    rows = sum(counts[0].values())
    lines = [
        f"  PostgreSQL {server}; {pg_dump}; seed_demo --responses {args.responses} --customers {args.customers}",
        f"  backup: {dump_mb:.1f} MB in {dump_s:.1f} s; restore: {restore_s:.1f} s (--jobs 2)",
        f"  tables: {len(counts[0])} with {rows} rows in the source; differing after the restore: {len(table_diff)}"
        + "".join(f"\n    {line}" for line in table_diff[:10]),
        f"  sequences: {len(sequences[0])}; differing: {len(sequence_diff)}"
        + "".join(f"\n    {line}" for line in sequence_diff[:10]),
        f"  application figures compared: {len(figures[0])} (every score question of "
        f"{len({k.split('/')[0] for k in figures[0]}) - 1} surveys, and the closed loop); differing: {len(figure_diff)}"
        + "".join(f"\n    {line}" for line in figure_diff[:5]),
        f"  for example, restored: store-visit/nps {figures[1].get('store-visit/nps')}; "
        f"closed loop {figures[1].get('closed loop')}",
        f"  restored database needs a migration: {'no' if unmigrated == 0 else 'YES'}",
    ]
    passed = (
        not table_diff
        and not sequence_diff
        and not figure_diff
        and unmigrated == 0
        and rows > 0
        and len(figures[0]) > 1
    )
    verdict = (
        f"VERDICT: {'PASS' if passed else 'FAIL'} restore-drill tables={len(counts[0])} rows={rows} "
        f"tables_differing={len(table_diff)} sequences_differing={len(sequence_diff)} "
        f"figures_differing={len(figure_diff)} migrations_pending={'no' if unmigrated == 0 else 'yes'} "
        f"dump_mb={dump_mb:.1f} dump_s={dump_s:.1f} restore_s={restore_s:.1f}"
    )
    return passed, lines, verdict


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=3000, help="demo responses to seed (default 3000)")
    parser.add_argument("--customers", type=int, default=2400, help="demo customers to seed (default 2400)")
    parser.add_argument("--prefix", default="cx_faults_drill", help="names of the two scratch databases")
    parser.add_argument("--keep", action="store_true", help="keep both databases for a look afterwards")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", type=int, default=5432)
    parser.add_argument("--db-user", default="postgres")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", args.prefix):
        parser.error("--prefix must be a plain lower-case name (letters, digits, _), at most 41 characters")
    if args.responses < 1 or args.customers < 1:
        parser.error("--responses and --customers must be positive")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        passed, lines, verdict = drill(args)
    except (DrillBroken, psycopg.Error) as error:
        print(f"\nDRILL BROKEN: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        return 2
    print("\n".join(["", "Restore drill:", *lines, "", verdict]), flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--figures"]:
        sys.exit(figures_main())
    sys.exit(main())
