"""A fast bulk loader for benchmarks: the demo program with millions of responses, streamed in by PostgreSQL COPY.

    .venv/bin/python bench/bulk_load.py [--responses 10000000] [--db-name cx_scale] [--reuse]

On a fresh database (dropped, created, migrated) it seeds the demo program (`seed_demo --responses 0`: surveys,
journeys, KPIs, the users lead, manager, alice and bob), then adds a retailer of the size the scale benchmarks need,
each table by one `COPY … FROM STDIN` through psycopg 3's `cursor.copy`, with rows built by numpy a batch at a time:

- regions and `--stores` stores, `--employees` employees in all (a manager and frontline people per store);
- `--customers` customers in the demo's segments and value tiers, each with a home store and a leaning (critical,
  middle, loyal) that their answers follow;
- N responses to the three customer surveys (store visit 50 %, delivery 30 %, relationship 20 %) spread over the
  last `--days` days, at the customer's home store and served by one of its frontline people, with the answers the
  demo itself gives (required scores always, optional ones and comments sometimes, "what to improve" after an NPS
  of 6 or less): about 4.2 answers a response;
- a follow-up case for every store-visit NPS of 0–2, owned by the store's manager, most contacted in time.

The answers' and responses' secondary indexes are dropped during the COPY and built afterwards, and their foreign-key
triggers are off (every key is made here from rows just written); then `VACUUM (ANALYZE)` and the score rollups are
rebuilt from the raw answers (`manage.py rollups_rebuild`). A marker table records N, so `--reuse` (and
the benchmarks that call `ensure_dataset`) keep a database that already holds the same dataset.
"""

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
MARKER = "bench_scale_dataset"
BATCH = 200_000

sys.path.insert(0, str(ROOT))
SURVEY_WEIGHTS = {"store-visit": 5, "delivery": 3, "relationship": 2}
ROLLUP_TYPES = ["nps", "csat", "ces", "rating", "yes_no"]
OPTIONAL_SHARE = {"score": 0.25, "yes_no": 0.2, "text": 0.2}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def database_url(name: str, host: str = "127.0.0.1", port: int = 5432, user: str = "postgres") -> str:
    return f"postgres://{user}@{host}:{port}/{name}"


def connect(dbname: str, autocommit: bool = True) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=dbname, autocommit=autocommit)


def loaded_responses(db_name: str) -> int | None:
    """N of the dataset this loader completed in the database, or None."""
    try:
        with connect(db_name) as db:
            row = db.execute(f"SELECT responses FROM {MARKER} WHERE done").fetchone()  # noqa: S608
            return row[0] if row else None
    except psycopg.Error:
        return None


def manage(db_name: str, *command: str, timeout: int = 3600) -> str:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=database_url(db_name), DEBUG="0")
    done = subprocess.run(
        [str(PYTHON), "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


# ---------------------------------------------------------------- text rows for COPY, a column at a time


def text_column(values) -> np.ndarray:
    return np.asarray(values).astype(str)


def nullable(values: np.ndarray) -> np.ndarray:
    """Integers as COPY text, negative ones as NULL."""
    return np.where(values < 0, "\\N", values.astype(str))


def copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def rows_text(columns: list[np.ndarray]) -> bytes:
    """Columns of equal length (numpy string arrays or one scalar string) as COPY text lines."""
    line = columns[0]
    for column in columns[1:]:
        line = np.strings.add(np.strings.add(line, "\t"), column)
    return ("\n".join(np.atleast_1d(line).tolist()) + "\n").encode()


def copy_rows(cursor, table: str, columns: str, data: bytes) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(data)


# ---------------------------------------------------------------- indexes off during the COPY


def secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(drop, create) statements of the table's indexes and unique constraints except the primary key."""
    rows = cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.contype IN ('u', 'x') "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
        [table],
    ).fetchall()
    statements = []
    for index, index_def, constraint, constraint_def in rows:
        if constraint:
            statements.append((f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"',
                               f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_def}'))  # fmt: skip
        else:
            statements.append((f'DROP INDEX "{index}"', index_def))
    return statements


# ---------------------------------------------------------------- the organisation and the customers


def load_organisation(cursor, *, stores: int, employees: int, customers: int, rng) -> dict:
    """Regions, stores, employees (users first) and customers, each by one COPY; returns the arrays responses need."""
    company = cursor.execute("SELECT id FROM cxprogram_unit WHERE kind = 'company'").fetchone()[0]
    next_unit = cursor.execute("SELECT max(id) + 1 FROM cxprogram_unit").fetchone()[0]
    regions = np.arange(next_unit, next_unit + 5)
    store_ids = np.arange(regions[-1] + 1, regions[-1] + 1 + stores)
    lines = rows_text([text_column(regions), text_column([f"Регион {i + 1}" for i in range(5)]),
                       text_column([f"scale-region-{i + 1}" for i in range(5)]), "region", str(company)])  # fmt: skip
    lines += rows_text([text_column(store_ids), text_column([f"Магазин {i + 1}" for i in range(stores)]),
                        text_column([f"scale-store-{i + 1}" for i in range(stores)]), "store",
                        text_column(regions[np.arange(stores) % 5])])  # fmt: skip
    copy_rows(cursor, "cxprogram_unit", "id, name, code, kind, parent_id", lines)
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence('cxprogram_unit', 'id'), (SELECT max(id) FROM cxprogram_unit))"
    )

    existing = cursor.execute("SELECT count(*) FROM cxprogram_employee").fetchone()[0]
    people = max(employees - existing, stores)
    next_user = cursor.execute("SELECT max(id) + 1 FROM auth_user").fetchone()[0]
    next_employee = cursor.execute("SELECT max(id) + 1 FROM cxprogram_employee").fetchone()[0]
    k = np.arange(people)
    users = next_user + k
    lines = rows_text([text_column(users), "!", "f", text_column([f"scale{i}" for i in k]), "Сотрудник",
                       text_column([f"№{i}" for i in k]), "", "f", "t", "2025-01-01 00:00:00+00"])  # fmt: skip
    copy_rows(cursor, "auth_user", "id, password, is_superuser, username, first_name, last_name, email, is_staff, "
              "is_active, date_joined", lines)  # fmt: skip
    role = np.where(k < stores, "manager", "frontline")
    unit = store_ids[k % stores]
    lines = rows_text([text_column(next_employee + k), role, "", text_column(users), text_column(unit), "ru", "f"])
    copy_rows(cursor, "cxprogram_employee", "id, role, title, user_id, unit_id, language, integration", lines)
    for table in ("auth_user", "cxprogram_employee"):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608

    segments = [row[0] for row in cursor.execute("SELECT id FROM cxprogram_segment ORDER BY id")]
    home_units = np.array(
        [row[0] for row in cursor.execute("SELECT id FROM cxprogram_unit WHERE kind IN ('store', 'team') ORDER BY id")]
    )
    next_customer = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM cxprogram_customer").fetchone()[0]
    c = np.arange(customers)
    customer_ids = next_customer + c
    segment = np.array([*segments, -1])[
        rng.choice(len(segments) + 1, customers, p=[0.30, 0.22, 0.14, 0.20, 0.08, 0.06])
    ]
    tier = np.array(["high", "medium", "low"])[rng.choice(3, customers, p=[0.15, 0.45, 0.40])]
    language = np.where(rng.random(customers) < 0.85, "ru", "en")
    home = home_units[rng.integers(0, len(home_units), customers)]
    lines = rows_text([text_column(customer_ids), text_column([f"scale-c{i}" for i in c]), "", "", "", language,
                       tier, "t", "2025-01-01 00:00:00+00", "2025-01-01 00:00:00+00", nullable(segment),
                       text_column(home)])  # fmt: skip
    copy_rows(cursor, "cxprogram_customer", "id, external_id, name, email, phone, language, value_tier, consent, "
              "created_at, updated_at, segment_id, home_unit_id", lines)  # fmt: skip
    cursor.execute("SELECT setval(pg_get_serial_sequence('cxprogram_customer', 'id'), "
                   "(SELECT max(id) FROM cxprogram_customer))")  # fmt: skip

    all_customers = cursor.execute(
        "SELECT id, language, coalesce(home_unit_id, -1), coalesce(segment_id, -1), value_tier FROM cxprogram_customer"
    ).fetchall()
    frontline = cursor.execute(
        "SELECT unit_id, id FROM cxprogram_employee WHERE role = 'frontline' ORDER BY unit_id, id"
    ).fetchall()
    return {"customers": np.array(all_customers, dtype=object), "frontline": np.array(frontline, dtype=np.int64)}


# ---------------------------------------------------------------- responses and answers


class Answers:
    """Builds the answer rows of a batch of responses of one survey, the way the demo's customers answer."""

    def __init__(self, demo, questions: list[tuple], choices: dict[int, list[int]], rng):
        self.demo, self.questions, self.choices, self.rng = demo, questions, choices, rng
        self.texts = {
            mood: {lang: [copy_escape(t) for l_, t in bank if l_ == lang] or [copy_escape(t) for _l, t in bank]
                   for lang in ("ru", "en")}
            for mood, bank in demo.COMMENTS.items()
        }  # fmt: skip

    def scores(self, code: str, kind: str, mood: np.ndarray) -> np.ndarray:
        rng, demo, n = self.rng, self.demo, len(mood)
        felt = mood.copy()
        shift = demo.MOOD_SHIFT.get(code, 0.0)
        if shift:
            moved = rng.random(n) < abs(shift)
            felt = np.where(moved, np.clip(felt + (1 if shift > 0 else -1), 0, 2), felt)
        noisy = rng.random(n) < demo.MOOD_NOISE.get(code, 0.15)
        felt = np.where(noisy, rng.integers(0, 3, n), felt)
        bands = [demo.SCORES[kind][name] for name in demo.MOODS]
        low = np.array([b[0] for b in bands])[felt]
        high = np.array([b[1] for b in bands])[felt]
        return low + (rng.random(n) * (high - low + 1)).astype(np.int64)

    def rows(self, response_ids: np.ndarray, mood: np.ndarray, language: np.ndarray) -> tuple[bytes, int]:
        rng, n = self.rng, len(response_ids)
        ids = response_ids.astype(str)
        parts, count, nps = [], 0, None
        for question_id, code, kind, required, show_if in self.questions:
            if kind in self.demo.SCORES:
                take = np.ones(n, bool) if required else rng.random(n) < OPTIONAL_SHARE["score"]
                values = self.scores(code, kind, mood)
                if kind == "nps" and nps is None:
                    nps = values
                cols = [kind, values[take].astype(str), "", "\\N"]
            elif kind == "yes_no":
                take = np.ones(n, bool) if required else rng.random(n) < OPTIONAL_SHARE["yes_no"]
                yes = (rng.random(n) < np.where(mood == 0, 0.35, 0.9)).astype(np.int64)
                cols = [kind, yes[take].astype(str), "", "\\N"]
            elif kind == "single":
                take = np.ones(n, bool)
                options = np.array(self.choices[question_id])
                cols = [kind, "\\N", "", options[rng.integers(0, len(options), n)].astype(str)]
            elif kind == "multiple":
                take = (nps <= 6) if (show_if and nps is not None) else np.ones(n, bool)
                options = np.array(self.choices[question_id])
                first = rng.integers(0, len(options), n)
                second = (first + 1 + rng.integers(0, len(options) - 1, n)) % len(options)
                two = take & (rng.random(n) < 0.5)
                parts.append(rows_text([kind, "\\N", "", options[second[two]].astype(str), str(question_id), ids[two]])
                             if two.any() else b"")  # fmt: skip
                count += int(two.sum())
                cols = [kind, "\\N", "", options[first[take]].astype(str)]
            else:  # comments, in the customer's language where the bank has one
                take = rng.random(n) < OPTIONAL_SHARE["text"]
                texts = np.empty(n, dtype=object)
                for m, mood_name in enumerate(self.demo.MOODS):
                    for lang in ("ru", "en"):
                        bank = self.texts[mood_name][lang]
                        where = (mood == m) & (language == lang)
                        texts[where] = np.array(bank, dtype=object)[rng.integers(0, len(bank), int(where.sum()))]
                cols = [kind, "\\N", texts[take].astype(str), "\\N"]
            if take.any():
                parts.append(rows_text([*cols, str(question_id), ids[take]]))
                count += int(take.sum())
        return b"".join(parts), count


def load_responses(cursor, *, responses: int, days: int, org: dict, rng, log: Callable) -> int:
    """N responses and their answers, by COPY in batches; returns the answers written."""
    from surveys import demo

    surveys = cursor.execute(
        "SELECT id, public_id FROM surveys_survey WHERE public_id = ANY(%s) ORDER BY id", [list(SURVEY_WEIGHTS)]
    ).fetchall()
    builders = {}
    for survey_id, _public_id in surveys:
        questions = cursor.execute(
            "SELECT id, code, type, required, show_if_question_id IS NOT NULL FROM surveys_question "
            "WHERE survey_id = %s ORDER BY \"order\", id", [survey_id],
        ).fetchall()  # fmt: skip
        choices: dict[int, list[int]] = {}
        for question_id, choice_id in cursor.execute(
            'SELECT question_id, id FROM surveys_choice WHERE question_id = ANY(%s) ORDER BY question_id, "order"',
            [[q[0] for q in questions]],
        ):
            choices.setdefault(question_id, []).append(choice_id)
        builders[survey_id] = Answers(demo, questions, choices, rng)
    survey_ids = np.array([s[0] for s in surveys])
    touchpoints = np.array([s[1] for s in surveys])
    channels = np.where(touchpoints == "delivery", "delivery", "store")
    weights = np.array([SURVEY_WEIGHTS[s[1]] for s in surveys], dtype=float)

    customers = org["customers"]
    customer_ids = customers[:, 0].astype(np.int64)
    customer_language = customers[:, 1].astype(str)
    customer_home = customers[:, 2].astype(np.int64)
    customer_segment = customers[:, 3].astype(np.int64)
    customer_tier = customers[:, 4].astype(str)
    # Responses record the customer's segment and value tier when they answered, where the schema has them.
    recorded = (
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'surveys_response' "
            "AND column_name IN ('segment_id', 'value_tier')"
        ).fetchone()[0]
        == 2
    )
    leaning = rng.choice(3, len(customers), p=[0.25, 0.45, 0.30])  # critical, middle, loyal
    mood_weights = np.array([demo.MOOD_WEIGHTS[name] for name in ("critical", "middle", "loyal")], dtype=float)
    mood_cumulative = np.cumsum(mood_weights / mood_weights.sum(axis=1, keepdims=True), axis=1)
    staff_unit, staff_id = org["frontline"][:, 0], org["frontline"][:, 1]
    max_unit = int(max(customer_home.max(), staff_unit.max() if len(staff_unit) else 0)) + 1
    first = np.searchsorted(staff_unit, np.arange(max_unit))
    many = np.searchsorted(staff_unit, np.arange(max_unit), side="right") - first

    now = int(datetime.now(UTC).timestamp())
    next_id = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM surveys_response").fetchone()[0]
    answers = 0
    done = 0
    started = time.perf_counter()
    while done < responses:
        n = min(BATCH, responses - done)
        ids = np.arange(next_id + done, next_id + done + n)
        which = rng.choice(len(survey_ids), n, p=weights / weights.sum())
        who = rng.integers(0, len(customers), n)
        unit = customer_home[who]
        has_staff = (unit >= 0) & (many[np.maximum(unit, 0)] > 0)
        pick = first[np.maximum(unit, 0)] + (rng.random(n) * np.maximum(many[np.maximum(unit, 0)], 1)).astype(int)
        employee = np.where(has_staff, staff_id[np.minimum(pick, len(staff_id) - 1)], -1)
        moment = (now - rng.integers(0, days * 86400, n)).astype("datetime64[s]")
        language = customer_language[who]
        mood = (rng.random(n)[:, None] > mood_cumulative[leaning[who]]).sum(axis=1)
        lines = rows_text([
            text_column(ids), touchpoints[which], channels[which], "", language, "invitation",
            np.strings.add(np.datetime_as_string(moment, unit="s"), "+00"),
            text_column(rng.integers(25, 241, n)), text_column(customer_ids[who]), nullable(employee), nullable(unit),
            text_column(survey_ids[which]), "", "f",
            *([nullable(customer_segment[who]), customer_tier[who]] if recorded else []),
        ])  # fmt: skip
        copy_rows(cursor, "surveys_response", "id, touchpoint, channel, transaction_ref, language, source, "
                  "submitted_at, duration_seconds, customer_id, employee_id, unit_id, survey_id, contact_details, "
                  "anonymous" + (", segment_id, value_tier" if recorded else ""), lines)  # fmt: skip
        for s, survey_id in enumerate(survey_ids):
            mine = which == s
            data, count = builders[survey_id].rows(ids[mine], mood[mine], language[mine])
            if data:
                copy_rows(cursor, "surveys_answer", "question_type, number, text, choice_id, question_id, response_id",
                          data)  # fmt: skip
            answers += count
        done += n
        rate = done / (time.perf_counter() - started)
        log(f"  {done:,} responses, {answers:,} answers ({rate:,.0f} responses/s)")
    cursor.execute("SELECT setval(pg_get_serial_sequence('surveys_response', 'id'), "
                   "(SELECT max(id) FROM surveys_response))")  # fmt: skip
    return answers


def open_cases(cursor) -> int:
    """A follow-up case for every store-visit NPS of 0–2, owned by the store's manager; most contacted in time."""
    cursor.execute(
        "INSERT INTO surveys_followup (response_id, owner_id, unit_id, status, priority, reason_codes, due_at, "
        "first_contact_at, root_cause, action_taken, created_at) "
        "SELECT r.id, m.id, r.unit_id, CASE WHEN r.id % 10 < 8 THEN 'contacted' ELSE 'open' END, "
        "60 - 6 * a.number, jsonb_build_array(jsonb_build_array('nps', a.number)), "
        "r.submitted_at + interval '8 hours', "
        "CASE WHEN r.id % 10 < 8 THEN r.submitted_at + (r.id % 13) * interval '1 hour' END, '', '', r.submitted_at "
        "FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
        "JOIN surveys_survey s ON s.id = r.survey_id AND s.public_id = 'store-visit' "
        "JOIN LATERAL (SELECT id FROM cxprogram_employee e WHERE e.unit_id = r.unit_id AND e.role = 'manager' "
        "ORDER BY id LIMIT 1) m ON true "
        "WHERE a.question_type = 'nps' AND a.number <= 2 AND NOT EXISTS "
        "(SELECT 1 FROM surveys_followup f WHERE f.response_id = r.id)"
    )
    return cursor.rowcount


def load(db_name: str, *, responses: int, stores: int = 400, employees: int = 10_000, customers: int = 1_000_000,
         days: int = 395, seed: int = 42, rollups: bool = True, log: Callable = log) -> dict:  # fmt: skip
    """Drop, create, migrate and fill `db_name`; returns the timings."""
    timings = {}
    started = time.perf_counter()
    with connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db_name}"')
    log(f"Database {db_name}: created; migrate and seed_demo --responses 0")
    manage(db_name, "migrate", "--noinput")
    manage(db_name, "seed_demo", "--responses", "0")
    timings["setup_s"] = time.perf_counter() - started
    os.environ.update(DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=database_url(db_name), DEBUG="0")
    import django

    django.setup()
    rng = np.random.default_rng(seed)
    with connect(db_name, autocommit=False) as db, db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (responses bigint, done boolean)")
        t0 = time.perf_counter()
        org = load_organisation(cursor, stores=stores, employees=employees, customers=customers, rng=rng)
        db.commit()
        timings["organisation_s"] = time.perf_counter() - t0
        log(f"  organisation: {stores} stores, {employees:,} employees, {customers:,} customers "
            f"in {timings['organisation_s']:.0f} s")  # fmt: skip
        t0 = time.perf_counter()
        indexes = secondary_indexes(cursor, "surveys_answer") + secondary_indexes(cursor, "surveys_response")
        for drop, _create in indexes:
            cursor.execute(drop)
        for table in ("surveys_answer", "surveys_response"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        answers = load_responses(cursor, responses=responses, days=days, org=org, rng=rng, log=log)
        for table in ("surveys_answer", "surveys_response"):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
        db.commit()
        timings["copy_s"] = time.perf_counter() - t0
        log(f"  COPY: {responses:,} responses, {answers:,} answers in {timings['copy_s']:.0f} s")
        t0 = time.perf_counter()
        cursor.execute("SET maintenance_work_mem TO '512MB'")
        for _drop, create in indexes:
            cursor.execute(create)
            db.commit()
        timings["indexes_s"] = time.perf_counter() - t0
        log(f"  {len(indexes)} indexes built in {timings['indexes_s']:.0f} s")
        t0 = time.perf_counter()
        # The case rollups' trigger would count each case on its own; rollups_rebuild counts them all at once.
        cursor.execute("ALTER TABLE surveys_followup DISABLE TRIGGER USER")
        cases = open_cases(cursor)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the cases' deferred key checks, before the ALTER
        cursor.execute("ALTER TABLE surveys_followup ENABLE TRIGGER USER")
        db.commit()
        timings["cases_s"] = time.perf_counter() - t0
        log(f"  follow-up cases: {cases:,} in {timings['cases_s']:.0f} s")
    t0 = time.perf_counter()
    with connect(db_name) as db:
        db.execute("VACUUM (ANALYZE)")
    timings["vacuum_s"] = time.perf_counter() - t0
    log(f"  VACUUM (ANALYZE) in {timings['vacuum_s']:.0f} s")
    if rollups:
        timings["rollups_s"] = rebuild_rollups(db_name, log)
    with connect(db_name) as db:
        db.execute(f"INSERT INTO {MARKER} VALUES (%s, true)", [responses])  # noqa: S608
    timings.update(total_s=time.perf_counter() - started, answers=answers, cases=cases)
    return timings


def rebuild_rollups(db_name: str, log: Callable = log) -> float:
    """`manage.py rollups_rebuild` (from the raw answers), then ANALYZE; returns the seconds."""
    t0 = time.perf_counter()
    manage(db_name, "rollups_rebuild")
    with connect(db_name) as db:
        db.execute("ANALYZE")
    seconds = time.perf_counter() - t0
    log(f"  rollups_rebuild in {seconds:.0f} s")
    return seconds


def ensure_dataset(db_name: str, responses: int, reuse: bool, log: Callable = log) -> dict | None:
    """Load the dataset unless `reuse` and the database already holds it (then migrate only); the timings or None."""
    if reuse and loaded_responses(db_name) == responses:
        log(f"Database {db_name}: reused ({responses:,} responses loaded earlier); migrate")
        manage(db_name, "migrate", "--noinput")
        return None
    log(f"Database {db_name}: loading {responses:,} responses")
    return load(db_name, responses=responses, log=log)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--db-name", default="cx_scale")
    parser.add_argument("--stores", type=int, default=400)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the database if it already holds this dataset")
    parser.add_argument("--no-rollups", action="store_true", help="leave the rollups to a later rollups_rebuild")
    args = parser.parse_args()
    if args.reuse and loaded_responses(args.db_name) == args.responses:
        log(f"{args.db_name} already holds {args.responses:,} responses; nothing to do")
        return 0
    timings = load(args.db_name, responses=args.responses, stores=args.stores, employees=args.employees,
                   customers=args.customers, rollups=not args.no_rollups)  # fmt: skip
    print(f"\nLOADED responses={args.responses} answers={timings['answers']} cases={timings['cases']} "
          + " ".join(f"{k}={v:.0f}" for k, v in timings.items() if k.endswith("_s")), flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
