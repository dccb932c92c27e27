"""Backups restore: a small restore drill (bench/restore_drill.py) against PostgreSQL on 127.0.0.1:5432, in scratch
databases with unique names: pg_dump of a seeded database, pg_restore into a fresh one, every row and figure equal."""

import glob
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from bench.restore_drill import differences, table_counts

ROOT = Path(__file__).resolve().parents[2]


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


def pg_dump_installed() -> bool:
    return bool(shutil.which("pg_dump") or glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))


def test_differences_name_each_table_that_lost_or_gained_rows():
    assert differences({"a": 3, "b": 1, "c": 2}, {"a": 3, "b": 0, "d": 1}) == [
        "b: 1 → 0",
        "c: 2 → missing",
        "d: missing → 1",
    ]


@pytest.mark.skipif(not pg_dump_installed(), reason="pg_dump is not installed (Debian: postgresql-client)")
@pytest.mark.skipif(not postgres_answers(), reason="no PostgreSQL server on 127.0.0.1:5432")
def test_a_seeded_database_comes_back_whole_from_its_backup():
    prefix = f"cx_faults_test_{uuid.uuid4().hex[:8]}"
    source, restored = f"{prefix}_source", f"{prefix}_restored"

    def connect(db: str):
        return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=db, autocommit=True)

    try:
        drill = subprocess.run(
            [sys.executable, "bench/restore_drill.py", "--responses", "300", "--customers", "300", "--prefix",
             prefix, "--keep"],
            cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        verdict = drill.stdout.strip().splitlines()[-1] if drill.stdout.strip() else ""
        assert drill.returncode == 0, drill.stdout[-3000:] + drill.stderr[-3000:]
        assert verdict.startswith("VERDICT: PASS restore-drill ")
        assert "tables_differing=0 sequences_differing=0 figures_differing=0 migrations_pending=no" in verdict
        with connect(source) as a, connect(restored) as b:
            # The seeded customer responses; the pulse and the help centre's website answers come on their own.
            customer_responses = a.execute(
                "SELECT count(*) FROM surveys_response r JOIN surveys_survey s ON s.id = r.survey_id "
                "WHERE s.public_id NOT IN ('pulse', 'help-centre')"
            ).fetchone()[0]
            assert customer_responses == 300
            # The comparison does notice a missing row.
            b.execute("DELETE FROM surveys_answer WHERE id = (SELECT max(id) FROM surveys_answer)")
            answers = a.execute("SELECT count(*) FROM surveys_answer").fetchone()[0]
            assert differences(table_counts(a), table_counts(b)) == [f"surveys_answer: {answers} → {answers - 1}"]
    finally:
        with connect("postgres") as admin:
            for db in (source, restored):
                admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
