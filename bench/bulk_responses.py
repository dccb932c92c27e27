"""A fast loader of benchmark data on PostgreSQL: the demo's responses (with every answer) copied with COPY until the
demo surveys hold N responses.

    .venv/bin/python bench/bulk_responses.py --db-name cx_lang --responses 1000000

Seed a small demo first (`manage.py seed_demo --responses 3000`): its responses are the templates. Each copy keeps
its template's survey, unit, employee, customer, channel and answers (scores, choices, comments), and is moved back
in time by whole weeks (up to a year), so months and units keep the demo's spread. Copies carry no invitation and no
submission key (both unique). Ids are given explicitly and the identity sequences moved past them afterwards. The
metric engine reads score rollups: run `manage.py rollups_rebuild` after loading (bench/results_export.py does).
"""

import argparse
import sys
import time
from datetime import timedelta

import psycopg

DEMO_SURVEYS = ("store-visit", "delivery", "relationship")  # the non-anonymous surveys seed_demo fills
BATCH = 20_000  # responses per COPY write
RESPONSE_COLUMNS = (
    "touchpoint", "channel", "transaction_ref", "language", "source", "duration_seconds", "customer_id",
    "employee_id", "unit_id", "survey_id", "contact_details", "anonymous", "entered_by_id",
)  # fmt: skip
ANSWER_COLUMNS = ("question_type", "number", "text", "choice_id", "question_id")


def copy_text(value: object) -> str:
    """A value in COPY's text format: \\N for NULL, t/f for booleans, backslash, tab and line ends escaped."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def demo_responses(db: psycopg.Connection, surveys: tuple[str, ...] = DEMO_SURVEYS) -> int:
    """How many responses the demo surveys hold."""
    return db.execute(
        "SELECT count(*) FROM surveys_response r JOIN surveys_survey s ON s.id = r.survey_id "
        "WHERE s.public_id = ANY(%s)",
        [list(surveys)],
    ).fetchone()[0]


def load_responses(db: psycopg.Connection, *, target: int, surveys: tuple[str, ...] = DEMO_SURVEYS) -> int:
    """Copy the demo surveys' responses and their answers with COPY, in one transaction, until the surveys hold
    `target` responses; returns how many were added (0 when there are already enough)."""
    missing = target - demo_responses(db, surveys)
    if missing <= 0:
        return 0
    with db.transaction():
        # The copies point only at rows that exist (their templates' survey, unit, people, questions, choices), so
        # the foreign-key triggers, one lookup per row at COMMIT, are skipped for this transaction (superuser only).
        db.execute("SET LOCAL session_replication_role = replica")
        templates = db.execute(
            f"SELECT r.id, r.submitted_at, {', '.join('r.' + c for c in RESPONSE_COLUMNS)} FROM surveys_response r "  # noqa: S608 - constant column names
            "JOIN surveys_survey s ON s.id = r.survey_id WHERE s.public_id = ANY(%s) AND NOT r.anonymous ORDER BY r.id",
            [list(surveys)],
        ).fetchall()
        if not templates:
            raise ValueError(f"no responses in {surveys} to copy: run seed_demo first")
        answers: dict[int, list[str]] = {}
        for response_id, *values in db.execute(
            f"SELECT a.response_id, {', '.join('a.' + c for c in ANSWER_COLUMNS)} FROM surveys_answer a "  # noqa: S608
            "WHERE a.response_id = ANY(%s) ORDER BY a.response_id, a.id",
            [[t[0] for t in templates]],
        ):
            answers.setdefault(response_id, []).append("\t".join(copy_text(v) for v in values))
        # per template: everything after id and submitted_at, fixed for all its copies
        tails = [(t[0], t[1], "\t".join(copy_text(v) for v in t[2:])) for t in templates]
        next_response = db.execute("SELECT coalesce(max(id), 0) + 1 FROM surveys_response").fetchone()[0]
        next_answer = db.execute("SELECT coalesce(max(id), 0) + 1 FROM surveys_answer").fetchone()[0]
        response_sql = f"COPY surveys_response (id, submitted_at, {', '.join(RESPONSE_COLUMNS)}) FROM STDIN"
        answer_sql = f"COPY surveys_answer (id, response_id, {', '.join(ANSWER_COLUMNS)}) FROM STDIN"
        added = 0
        with db.cursor() as cursor:
            while added < missing:
                size = min(BATCH, missing - added)
                response_lines, answer_lines = [], []
                for i in range(size):
                    number = added + i
                    template_id, submitted_at, tail = tails[number % len(tails)]
                    weeks = (number // len(tails)) % 52 + 1
                    when = (submitted_at - timedelta(weeks=weeks)).isoformat(sep=" ")
                    response_lines.append(f"{next_response}\t{when}\t{tail}\n")
                    for answer in answers.get(template_id, ()):
                        answer_lines.append(f"{next_answer}\t{next_response}\t{answer}\n")
                        next_answer += 1
                    next_response += 1
                with cursor.copy(response_sql) as copy:
                    copy.write("".join(response_lines).encode())
                with cursor.copy(answer_sql) as copy:
                    copy.write("".join(answer_lines).encode())
                added += size
        for table in ("surveys_response", "surveys_answer"):
            db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
    return added


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--db-name", required=True)
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", type=int, default=5432)
    parser.add_argument("--db-user", default="postgres")
    args = parser.parse_args()
    started = time.perf_counter()
    with psycopg.connect(host=args.db_host, port=args.db_port, user=args.db_user, dbname=args.db_name) as db:
        added = load_responses(db, target=args.responses)
        db.commit()
        db.autocommit = True
        db.execute("VACUUM (ANALYZE) surveys_response, surveys_answer")
        total = demo_responses(db)
    print(f"added {added:,} responses in {time.perf_counter() - started:.0f} s; the demo surveys hold {total:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
