"""Keeping the rollups (models.ScoreCount, ChoiceCount, ResponseCount, KpiScoreCount) equal to the raw responses
and answers.

Every change adds its counts with one upsert per table, `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`,
in the transaction that writes or deletes the answers, on PostgreSQL and SQLite alike: the row lock of the
upsert serializes two submissions of the same key, and if the transaction rolls back its counts go too, so
a count can be neither lost nor doubled. Rows are sorted by key and the tables always taken in the same order,
so two upserts lock in the same order (no deadlock). Each count goes to its unit's rows and to the rows of all units
together (ALL_UNITS), day and month: the Tally counts a response once, in its unit's day (`base` rows), and the
upsert spreads that row over the four places (`spread` here, `PLACES_SQL` on PostgreSQL). On PostgreSQL every
table's upsert is a data-modifying CTE of one statement (`upsert_ctes`), each waiting for the one before, the base
rows in one JSON parameter; a new submission puts the same CTEs into its own statement
(services.submission_statement). `rollups_rebuild` recounts from the raw answers under table
locks that make submissions wait for it. The case rollups are kept by triggers (services.case_rollups) and recounted
here too."""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from surveys.models import (
    ALL_UNITS,
    ROLLUP_TYPES,
    Answer,
    ChoiceCount,
    KpiScoreCount,
    Question,
    Response,
    ResponseCount,
    ScoreCount,
)

CHOICE_TYPES = tuple(Question.CHOICE_TYPES)
TEXT_TYPES = tuple(Question.TEXT_TYPES)
PLACE = ("day", "monthly", "survey_id", "unit_id", "channel", "touchpoint")


@dataclass(frozen=True)
class Table:
    """A rollup table: its columns, the unique key an upsert meets (`conflict`) and the counts it adds up."""

    model: type[Model]
    key: tuple[str, ...]
    conflict: tuple[str, ...]
    counts: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.key, *self.counts)

    def upsert_sql(self, rows: int) -> str:
        values = ", ".join(["(" + ", ".join(["%s"] * len(self.columns)) + ")"] * rows)
        return self.upsert_counts(f"VALUES {values}")

    def upsert_select_sql(self, source: str) -> str:
        """PostgreSQL: the upsert of the rows `SELECT v.<columns> FROM <source>` gives (`source` names them `v`)."""
        return self.upsert_counts(f"SELECT {', '.join(f'v.{c}' for c in self.columns)} FROM {source}")  # noqa: S608  # nosec B608

    def upsert_counts(self, rows: str) -> str:
        added = ", ".join(f"{c} = {self.name}.{c} + excluded.{c}" for c in self.counts)
        # Table and column names are the models' own; every value goes in as a query parameter.
        return (
            f"INSERT INTO {self.name} ({', '.join(self.columns)}) {rows} "  # nosec B608
            f"ON CONFLICT ({', '.join(self.conflict)}) DO UPDATE SET {added}"
        )


WHERE = ("monthly", "day", "unit_id", "channel", "touchpoint")
SPREAD = ("day", "monthly", "unit_id")  # the key columns a base row is spread over
# PostgreSQL: the four places of a base row `v` (its unit's day), as rows w(day, monthly, unit_id).
_MONTH = "CAST(date_trunc('month', CAST(v.day AS timestamp)) AS date)"
PLACES_SQL = (
    f"LATERAL (VALUES (v.day, false, v.unit_id), ({_MONTH}, true, v.unit_id), (v.day, false, {ALL_UNITS}), "
    f"({_MONTH}, true, {ALL_UNITS})) AS w({', '.join(SPREAD)})"
)
SCORES = Table(ScoreCount, (*PLACE, "question_id", "number"), ("question_id", *WHERE, "number"), ("n",))
CHOICES = Table(ChoiceCount, (*PLACE, "question_id", "choice_id"), ("question_id", *WHERE, "choice_id"), ("n",))
RESPONSES = Table(ResponseCount, PLACE, ("survey_id", *WHERE), ("responses", "comments"))
KPI_SCORES = Table(
    KpiScoreCount,
    ("month", "survey_id", "unit_id", "employee_id", "question_id", "number"),
    ("question_id", "month", "employee_id", "unit_id", "number"),
    ("n",),
)
TABLES = (SCORES, CHOICES, RESPONSES, KPI_SCORES)  # the order every writer locks them in
PLACED = (SCORES, CHOICES, RESPONSES)  # kept by place, with rows of all units (KPI_SCORES has none: no double count)


def rollup_day(moment) -> date:
    """The local day a response counts on: the day the engine's date filters put it in (TIME_ZONE)."""
    return timezone.localtime(moment).date()


def _base(response: Response) -> tuple:
    """Where a response is counted before it is spread: its local day, its unit (0 for none)."""
    day = rollup_day(response.submitted_at)
    return day, False, response.survey_id, response.unit_id or 0, response.channel, response.touchpoint


def spread(rows: list[tuple[tuple, tuple]]) -> dict[tuple, tuple[int, ...]]:
    """Base rows counted in their four places: the day and the month, of the unit and of all units."""
    counts: dict[tuple, tuple[int, ...]] = {}
    for (day, _monthly, survey, unit, *rest), values in rows:
        month = day.replace(day=1)
        for place in ((day, False, unit), (month, True, unit), (day, False, ALL_UNITS), (month, True, ALL_UNITS)):
            key = (place[0], place[1], survey, place[2], *rest)
            counts[key] = tuple(map(sum, zip(counts.get(key, (0,) * len(values)), values, strict=True)))
    return counts


def counts_toward_kpis(response: Response) -> bool:
    """Whether a response's scores count toward KPIs (KpiScoreCount): what staff typed in counts toward nobody's,
    and anonymous answers (the pulse among them) feed none, whose subjects and weekly periods could single out a
    person. Integration accounts' answers do count (the KPI computation measures no integration account)."""
    return response.source != Response.Source.STAFF and not response.anonymous


def _kpi_place(response: Response) -> tuple:
    """Where a response counts toward KPIs: its local month, survey, unit and employee."""
    month = rollup_day(response.submitted_at).replace(day=1)
    return month, response.survey_id, response.unit_id or 0, response.employee_id or 0


def _rows(counts: dict[tuple, tuple[int, ...]]) -> list:
    return sorted((key, values) for key, values in counts.items() if any(values))


def upsert_counts(table: Table, counts: dict[tuple, tuple[int, ...]], batch: int = 1000) -> None:
    rows = _rows(counts)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            cursor.execute(table.upsert_sql(len(chunk)), [v for key, values in chunk for v in (*key, *values)])


Rows = list[tuple[Table, list[tuple[tuple, tuple]]]]  # per table, in TABLES order: (key, counts) sorted by key


def upsert_ctes(tables: Sequence[Table], *, document: str, after: str = "") -> list[str]:
    """PostgreSQL: data-modifying CTEs `u0`, `u1`, … adding rows to these tables, read from `document` (the SQL name
    of a one-row relation whose jsonb column `j` holds `upsert_document(rows)`); a placed table's base rows are
    spread over their four places and summed by key. Each table's rows go in key order (text in "C" order, as
    Python sorts it) and each CTE waits for the one before, so every writer locks in the same order; with `after`
    (a CTE's name) nothing is added unless it has a row."""
    ctes = []
    for i, table in enumerate(tables):
        placed = table in PLACED
        source = f"{document}, jsonb_populate_recordset(NULL::{table.name}, {document}.j -> '{table.name}')"
        source += f" AS v, {PLACES_SQL}" if placed else " WITH ORDINALITY AS v"
        if after:
            source += f", {after}"
        if i:  # the count of the CTE before: read whole before this one inserts a row
            source += f", (SELECT count(*) FROM u{i - 1}) AS u{i - 1}_done"  # noqa: S608  # nosec B608
        select = _spread_sql(table, source) if placed else table.upsert_select_sql(f"{source} ORDER BY v.ordinality")
        ctes.append(f"u{i} AS ({select} RETURNING 1)")
    return ctes


def _spread_sql(table: Table, source: str) -> str:
    """The upsert of a placed table's rows from `source` (base rows `v` beside their places `w`), summed by key."""
    keys = [f"w.{c}" if c in SPREAD else f"v.{c}" for c in table.key]
    order = [f'{k} COLLATE "C"' if k in ("v.channel", "v.touchpoint") else k for k in keys]
    sums = [f"SUM(v.{c})" for c in table.counts]
    # Table and column names are the models' own; every value comes from the document.
    select = f"SELECT {', '.join(keys + sums)} FROM {source} GROUP BY {', '.join(keys)} ORDER BY {', '.join(order)}"  # noqa: S608  # nosec B608
    return table.upsert_counts(select)


def upsert_document(rows: Rows) -> dict[str, list[dict]]:
    """The rows `upsert_ctes` reads: each table's under its name, a row an object of its columns."""
    return {
        table.name: [dict(zip(table.columns, (*key, *values), strict=True)) for key, values in table_rows]
        for table, table_rows in rows
    }


def json_value(value):
    """A value json.dumps cannot write, as PostgreSQL reads it back from text (dates, times, decimals, UUIDs)."""
    if isinstance(value, date | time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form here")


def _upsert_all(rows: Rows) -> None:
    """Write these counts: on PostgreSQL in one statement (the CTEs of `upsert_ctes`), one round trip."""
    if connection.vendor != "postgresql":
        for table, table_rows in rows:
            upsert_counts(table, spread(table_rows) if table in PLACED else dict(table_rows))
        return
    if not rows:
        return
    ctes = upsert_ctes([table for table, _rows in rows], document="p")
    sql = "WITH p AS (SELECT CAST(%s AS jsonb) AS j), " + ", ".join(ctes) + " SELECT 1"
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(upsert_document(rows), default=json_value)])


class Tally:
    """Counts by table and key, added up from answers and responses, then written with one upsert per table."""

    def __init__(self, sign: int = 1):
        self.sign = sign
        self.scores: Counter = Counter()
        self.choices: Counter = Counter()
        self.responses: Counter = Counter()
        self.comments: Counter = Counter()
        self.kpi_scores: Counter = Counter()

    def response(self, place: tuple) -> None:
        self.responses[place] += self.sign

    def answer(self, place: tuple, anonymous: bool, question_id: int, kind: str, number, choice_id) -> None:
        if kind in ROLLUP_TYPES and number is not None:
            self.scores[(*place, question_id, number)] += self.sign
        elif kind in CHOICE_TYPES and choice_id is not None:
            self.choices[(*place, question_id, choice_id)] += self.sign
        elif kind in TEXT_TYPES:
            self.comments[place] += 0 if anonymous else self.sign

    def kpi_answer(self, place: tuple, question_id: int, kind: str, number) -> None:
        if kind in ROLLUP_TYPES and number is not None:
            self.kpi_scores[(*place, question_id, number)] += self.sign

    def respondents(self, place: tuple, question_ids: set[int]) -> None:
        for question_id in question_ids:
            self.choices[(*place, question_id, ChoiceCount.RESPONDENTS)] += self.sign

    def rows(self) -> Rows:
        """Every table's rows that change a count (placed tables' base rows), in TABLES order, sorted by key."""
        places = set(self.responses) | set(self.comments)
        counts = [
            (SCORES, {key: (n,) for key, n in self.scores.items()}),
            (CHOICES, {key: (n,) for key, n in self.choices.items()}),
            (RESPONSES, {p: (self.responses[p], self.comments[p]) for p in places}),
            (KPI_SCORES, {key: (n,) for key, n in self.kpi_scores.items()}),
        ]
        return [(table, rows) for table, table_counts in counts if (rows := _rows(table_counts))]

    def write(self) -> None:
        _upsert_all(self.rows())


def _count_response(tally: Tally, response: Response, answers) -> None:
    answered = {
        a.question_id
        for a in answers
        if (a.question_type in CHOICE_TYPES and a.choice_id is not None) or a.question_type in TEXT_TYPES
    }
    place = _base(response)
    tally.response(place)
    for a in answers:
        tally.answer(place, response.anonymous, a.question_id, a.question_type, a.number, a.choice_id)
    tally.respondents(place, answered)
    if counts_toward_kpis(response):
        place = _kpi_place(response)
        for a in answers:
            tally.kpi_answer(place, a.question_id, a.question_type, a.number)


def rollup_add(*, response: Response, answers: list[Answer]) -> None:
    """Count a new response, its scores, choices and texts; call inside the transaction that saves them."""
    _upsert_all(rollup_rows(response=response, answers=answers))


def rollup_rows(*, response: Response, answers: list[Answer]) -> Rows:
    """The rows a new response adds (Tally.rows), for a statement that writes them with the response (upsert_ctes)."""
    tally = Tally()
    _count_response(tally, response, answers)
    return tally.rows()


def _tally_of(responses: QuerySet[Response], sign: int) -> tuple[Tally, list[int]]:
    """The rollup counts of these responses (and their answers), with `sign`; and their ids."""
    fields = (
        "pk",
        "submitted_at",
        "survey_id",
        "unit_id",
        "employee_id",
        "channel",
        "touchpoint",
        "anonymous",
        "source",
    )
    by_id = {row[0]: Response(**dict(zip(fields, row, strict=True))) for row in responses.values_list(*fields)}
    answers: dict[int, list[Answer]] = {pk: [] for pk in by_id}
    counted = Answer.objects.filter(
        Q(question_type__in=ROLLUP_TYPES, number__isnull=False)
        | Q(question_type__in=CHOICE_TYPES)
        | Q(question_type__in=TEXT_TYPES),
        response_id__in=list(by_id),
    ).only("response_id", "question_id", "question_type", "number", "choice_id")
    for answer in counted.iterator():
        answers[answer.response_id].append(answer)
    tally = Tally(sign=sign)
    for pk, response in by_id.items():
        _count_response(tally, response, answers[pk])
    return tally, list(by_id)


def _locked(responses: QuerySet[Response]) -> QuerySet[Response]:
    return responses.select_for_update() if connection.features.has_select_for_update else responses


@transaction.atomic
def responses_delete(*, responses: QuerySet[Response]) -> int:
    """Delete responses with their answers and take them out of the rollups, in one transaction."""
    tally, ids = _tally_of(_locked(responses), -1)
    tally.write()
    deleted, _per_model = Response.objects.filter(pk__in=ids).delete()
    return len(ids) if deleted else 0


@transaction.atomic
def responses_move(*, responses: QuerySet[Response], unit_id: int | None) -> int:
    """Move responses to another unit (a complaint routed to its store), their rollup counts with them."""
    taken, ids = _tally_of(_locked(responses), -1)
    taken.write()
    moved = Response.objects.filter(pk__in=ids).update(unit_id=unit_id)
    _tally_of(Response.objects.filter(pk__in=ids), 1)[0].write()
    return moved
