"""Keeping the score rollups (models.ScoreCount) equal to the raw answers.

Every change adds its counts with one upsert, `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`, in
the transaction that writes or deletes the answers, on PostgreSQL and SQLite alike: the row lock of the
upsert serializes two submissions of the same key, and if the transaction rolls back its counts go too, so
a count can be neither lost nor doubled. Rows are sorted by key so two upserts lock in the same order
(no deadlock). `rollups_rebuild` recounts from the raw answers under a table lock that makes submissions
wait for it."""

from collections import Counter
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from surveys.models import ROLLUP_TYPES, Answer, Response, ScoreCount, Survey

TABLE = ScoreCount._meta.db_table
COLUMNS = "day, survey_id, question_id, unit_id, channel, touchpoint, number, n"
# Table and column names are the model's own; every value goes in as a query parameter.
UPSERT = (
    f"INSERT INTO {TABLE} ({COLUMNS}) VALUES {{values}} "  # noqa: S608  # nosec B608
    f"ON CONFLICT (question_id, day, unit_id, channel, touchpoint, number) "
    f"DO UPDATE SET n = {TABLE}.n + excluded.n"
)


def rollup_day(moment) -> date:
    """The local day a response counts on: the day the engine's date filters put it in (TIME_ZONE)."""
    return timezone.localtime(moment).date()


def _key(response: Response, question_id: int, number: int) -> tuple:
    return (
        rollup_day(response.submitted_at),
        response.survey_id,
        question_id,
        response.unit_id or 0,
        response.channel,
        response.touchpoint,
        number,
    )


def _upsert(counts: Counter) -> None:
    rows = sorted((key, n) for key, n in counts.items() if n)
    if not rows:
        return
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    params = [value for key, n in rows for value in (*key, n)]
    with connection.cursor() as cursor:
        cursor.execute(UPSERT.format(values=values), params)


def rollup_add(*, response: Response, answers: list[Answer]) -> None:
    """Count a new response's score answers; call inside the transaction that saves them."""
    counts = Counter(
        _key(response, a.question_id, a.number)
        for a in answers
        if a.question_type in ROLLUP_TYPES and a.number is not None
    )
    _upsert(counts)


@transaction.atomic
def responses_delete(*, responses: QuerySet[Response]) -> int:
    """Delete responses with their answers and take their scores out of the rollups, in one transaction."""
    responses = responses.select_for_update() if connection.features.has_select_for_update else responses
    picked = list(responses.values_list("pk", "submitted_at", "survey_id", "unit_id", "channel", "touchpoint"))
    by_id = {row[0]: Response(pk=row[0], submitted_at=row[1], survey_id=row[2], unit_id=row[3], channel=row[4],
                              touchpoint=row[5]) for row in picked}  # fmt: skip
    counts: Counter = Counter()
    scores = Answer.objects.filter(
        response_id__in=list(by_id), question_type__in=ROLLUP_TYPES, number__isnull=False
    ).values_list("response_id", "question_id", "number")
    for response_id, question_id, number in scores.iterator():
        counts[_key(by_id[response_id], question_id, number)] -= 1
    _upsert(counts)
    deleted, _per_model = Response.objects.filter(pk__in=list(by_id)).delete()
    return len(by_id) if deleted else 0


@transaction.atomic
def rollups_rebuild(*, survey: Survey | None = None) -> int:
    """Recount the rollups (of one survey, or all) from the raw answers; returns the rows written.

    On PostgreSQL the table is locked against writers first, so a submission either committed before the
    recount (and is in it) or adds its counts after it; on SQLite the write lock does the same."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
    existing = ScoreCount.objects.all() if survey is None else ScoreCount.objects.filter(survey=survey)
    existing.delete()
    answers = Answer.objects.filter(question_type__in=ROLLUP_TYPES, number__isnull=False)
    if survey is not None:
        answers = answers.filter(response__survey=survey)
    grouped = (
        answers.values(
            "question_id",
            "number",
            "response__survey_id",
            "response__unit_id",
            "response__channel",
            "response__touchpoint",
            day=TruncDate("response__submitted_at"),
        )
        .annotate(count=Count("pk"))
        .order_by()
    )
    batch: list[ScoreCount] = []
    written = 0
    for row in grouped.iterator(chunk_size=5000):
        batch.append(ScoreCount(
            day=row["day"], survey_id=row["response__survey_id"], question_id=row["question_id"],
            unit_id=row["response__unit_id"] or 0, channel=row["response__channel"],
            touchpoint=row["response__touchpoint"], number=row["number"], n=row["count"],
        ))  # fmt: skip
        if len(batch) >= 5000:
            written += len(ScoreCount.objects.bulk_create(batch))
            batch = []
    written += len(ScoreCount.objects.bulk_create(batch))
    return written
