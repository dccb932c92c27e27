"""Recounting the rollups (services.rollups) from the raw responses and answers: `rollups_rebuild`, one grouped
INSERT … SELECT per table on PostgreSQL, under table locks that make submissions wait for it."""

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from cxprogram.customer_counts import customer_counts_recount
from surveys.models import ALL_UNITS, ROLLUP_TYPES, Answer, FollowUp, Response, Survey
from surveys.services.case_rollups import case_rollups_install, case_rollups_recount
from surveys.services.rollups import (
    CHOICE_TYPES,
    CHOICES,
    KPI_SCORES,
    PLACED,
    RESPONSES,
    SCORES,
    TABLES,
    TEXT_TYPES,
    Table,
    upsert_counts,
)


def _recount_in_sql(table: Table, grouped: QuerySet, monthly: bool, extra: tuple[str, ...], tail: tuple) -> int:
    """PostgreSQL: the grouped recount added into the table by one INSERT … SELECT, without a row through Python."""
    sql, params = grouped.query.sql_with_params()
    picked = ["g.day", "%s", *(f"g.k_{name}" for name in ("survey_id", "unit_id", "channel", "touchpoint", *extra))]
    picked += ["%s"] * len(tail) + [f"g.{c}" if c in grouped.query.annotations else "0" for c in table.counts]
    added = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in table.counts)
    # Names are the models' own and the compiled queryset's; values go in as parameters.
    insert = (
        f"INSERT INTO {table.name} ({', '.join((*table.key, *table.counts))}) "  # noqa: S608  # nosec B608
        f"SELECT {', '.join(picked)} FROM ({sql}) g "
        f"ON CONFLICT ({', '.join(table.conflict)}) DO UPDATE SET {added}"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, [monthly, *tail, *params])
        return cursor.rowcount


def _recount(table: Table, rows: QuerySet, prefix: str, extra: tuple[str, ...], tail: tuple = (), **counts) -> int:
    """Add raw rows, grouped by the rollups' places (day or month, survey, unit, channel, touchpoint) and `extra`
    columns (`tail`: constant key columns after them), into a rollup table a batch at a time; returns the groups."""
    fields = [f"{prefix}{name}" for name in ("survey_id", "unit_id", "channel", "touchpoint")]
    read = 0
    for monthly, trunc in ((False, TruncDate), (True, TruncMonth)):
        day = trunc(f"{prefix}submitted_at", output_field=DateField())
        if connection.vendor == "postgresql":
            keys = {f"k_{f.removeprefix(prefix)}": F(f) for f in fields} | {f"k_{e}": F(e) for e in extra}
            keys["k_unit_id"] = Coalesce(F(f"{prefix}unit_id"), 0)
            grouped = rows.annotate(**keys, day=day).values(*keys, "day").annotate(**counts).order_by()
            read += _recount_in_sql(table, grouped, monthly, extra, tail)
            continue
        grouped = rows.values(*fields, *extra, day=day).annotate(**counts).order_by()
        batch: dict[tuple, tuple] = {}
        for row in grouped.iterator(chunk_size=5000):
            survey, unit, channel, touchpoint = (row[f] for f in fields)
            key = (row["day"], monthly, survey, unit or 0, channel, touchpoint, *(row[e] for e in extra), *tail)
            batch[key] = tuple(row.get(c, 0) for c in table.counts)
            if len(batch) >= 5000:
                read += len(batch)
                upsert_counts(table, batch)
                batch = {}
        upsert_counts(table, batch)
        read += len(batch)
    return read


def _recount_kpi_scores(answers: QuerySet[Answer]) -> int:
    """Add the answers that count toward KPIs, grouped by KpiScoreCount's key, into it: one INSERT … SELECT on
    PostgreSQL, batches of upserts elsewhere; returns the groups."""
    r = "response__"
    counted = answers.filter(question_type__in=ROLLUP_TYPES, number__isnull=False).exclude(
        Q(response__source=Response.Source.STAFF) | Q(response__anonymous=True)
    )
    keys = {
        "k_month": TruncMonth(f"{r}submitted_at", output_field=DateField()),
        "k_survey_id": F(f"{r}survey_id"),
        "k_unit_id": Coalesce(F(f"{r}unit_id"), 0),
        "k_employee_id": Coalesce(F(f"{r}employee_id"), 0),
        "k_question_id": F("question_id"),
        "k_number": F("number"),
    }
    grouped = counted.values(**keys).annotate(n=Count("pk")).order_by()
    table = KPI_SCORES
    if connection.vendor == "postgresql":
        sql, params = grouped.query.sql_with_params()
        picked = ", ".join([*(f"g.{k}" for k in keys), "g.n"])
        # Names are the model's own and the compiled queryset's; values go in as parameters.
        insert = (
            f"INSERT INTO {table.name} ({', '.join((*table.key, *table.counts))}) "  # noqa: S608  # nosec B608
            f"SELECT {picked} FROM ({sql}) g ON CONFLICT ({', '.join(table.conflict)}) DO UPDATE SET n = "
            f"{table.name}.n + excluded.n"
        )
        with connection.cursor() as cursor:
            cursor.execute(insert, params)
            return cursor.rowcount
    read, batch = 0, {}
    for row in grouped.iterator(chunk_size=5000):
        batch[tuple(row[k] for k in keys)] = (row["n"],)
        if len(batch) >= 5000:
            read += len(batch)
            upsert_counts(table, batch)
            batch = {}
    upsert_counts(table, batch)
    return read + len(batch)


@transaction.atomic
def rollups_rebuild(*, survey: Survey | None = None) -> int:
    """Recount the rollups (of one survey, or all) from the raw responses and answers; returns the groups counted.

    On PostgreSQL the tables are locked against writers first, so a submission either committed before the
    recount (and is in it) or adds its counts after it; on SQLite the write lock does the same."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"LOCK TABLE {table.name} IN EXCLUSIVE MODE")
            # The case rollups' writers are the cases' and responses' triggers: no case changes while they recount.
            cases, responses = FollowUp._meta.db_table, Response._meta.db_table
            cursor.execute(f"LOCK TABLE {cases}, {responses} IN SHARE ROW EXCLUSIVE MODE")
        case_rollups_install()
    for table in TABLES:
        existing = table.model.objects.all()
        (existing if survey is None else existing.filter(survey=survey)).delete()
    answers = Answer.objects.all() if survey is None else Answer.objects.filter(response__survey=survey)
    responses = Response.objects.all() if survey is None else Response.objects.filter(survey=survey)
    scores = answers.filter(question_type__in=ROLLUP_TYPES, number__isnull=False)
    choices = answers.filter(question_type__in=CHOICE_TYPES, choice__isnull=False)
    texts = answers.filter(question_type__in=TEXT_TYPES)
    comments = texts.filter(response__anonymous=False)
    answered = answers.filter(Q(question_type__in=CHOICE_TYPES, choice__isnull=False) | Q(question_type__in=TEXT_TYPES))
    r = "response__"
    counted = sum((
        _recount(SCORES, scores, r, ("question_id", "number"), n=Count("pk")),
        _recount(CHOICES, choices, r, ("question_id", "choice_id"), n=Count("pk")),
        _recount(CHOICES, answered, r, ("question_id",), tail=(0,), n=Count("response_id", distinct=True)),
        _recount(RESPONSES, responses, "", (), responses=Count("pk")),
        _recount(RESPONSES, comments, r, (), comments=Count("pk")),
        _recount_kpi_scores(answers),
    ))  # fmt: skip
    counted += case_rollups_recount(survey=survey)
    if survey is None:
        counted += customer_counts_recount()
    return counted + sum(all_units_add(table, survey=survey) for table in PLACED)


def all_units_add(table: Table, *, survey: Survey | None = None) -> int:
    """Add every unit's rows (of one survey, or all) up into the rows of all units together, by one INSERT … SELECT;
    the table must hold no such rows yet for them. Returns the rows written."""
    picked = ", ".join("%s" if column == "unit_id" else column for column in table.key)
    grouped = ", ".join(column for column in table.key if column != "unit_id")
    sums = ", ".join(f"SUM({column})" for column in table.counts)
    where, params = (
        ("unit_id >= 0", [ALL_UNITS]) if survey is None else ("unit_id >= 0 AND survey_id = %s", [ALL_UNITS, survey.pk])
    )
    # Table and column names are the models' own; values go in as parameters.
    sql = (
        f"INSERT INTO {table.name} ({', '.join((*table.key, *table.counts))}) "  # noqa: S608  # nosec B608
        f"SELECT {picked}, {sums} FROM {table.name} WHERE {where} GROUP BY {grouped}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
