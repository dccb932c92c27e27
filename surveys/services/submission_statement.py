"""A submission's rows in one PostgreSQL statement: the invitation's claim, the response, its answers and its
follow-up case with the case's first events, as data-modifying CTEs; the rollups follow in the same transaction.

Rows are built as unsaved model instances by the caller (defaults and `auto_now_add` as the ORM would fill them);
each value is sent as a parameter cast to its column's type. SQLite takes the ORM path (services.responses)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import CharField, Field, Model

from surveys.models import Answer, FollowUp, FollowUpEvent, Invitation, Response

# model → its inserted fields (every concrete field but the primary key and `skip`), with columns and casts
_FIELDS: dict[tuple[type[Model], str], list[tuple[Field, str, str]]] = {}
_SQL: dict[tuple, str] = {}


@dataclass
class SubmissionRows:
    """The unsaved rows of one submission, as the ORM path would save them."""

    response: Response
    answers: Sequence[Answer]
    followup: FollowUp | None = None
    events: Sequence[FollowUpEvent] = ()
    claim: Invitation | None = None  # set its responded_at to `claimed_at`, and save nothing if it was set already
    claimed_at: object = None


def _fields(model: type[Model], skip: str = "") -> list[tuple[Field, str, str]]:
    key = (model, skip)
    if key not in _FIELDS:
        _FIELDS[key] = [
            # varchar without its length: a value too long is refused as by the ORM, not cut by the cast
            (f, connection.ops.quote_name(f.column), "varchar" if isinstance(f, CharField) else _cast(f))
            for f in model._meta.concrete_fields
            if not f.primary_key and f.column != skip
        ]
    return _FIELDS[key]


def _cast(field: Field) -> str:
    return field.cast_db_type(connection)


def _values(instance: Model, fields: list[tuple[Field, str, str]], params: list) -> None:
    for field, _column, _cast in fields:
        params.append(field.get_db_prep_save(field.pre_save(instance, True), connection))


def _row(fields: list[tuple[Field, str, str]]) -> str:
    return ", ".join(f"CAST(%s AS {cast})" for _f, _c, cast in fields)


def _columns(fields: list[tuple[Field, str, str]]) -> str:
    return ", ".join(column for _f, column, _c in fields)


def _sql(shape: tuple) -> str:
    """The statement for a shape: (claim?, answer rows, case?, event rows); built once per shape.
    Table and column names are the models' own and every value is a parameter (hence the nosec marks)."""
    claim, answers, case, events = shape
    response, answer = _fields(Response), _fields(Answer, "response_id")
    case_fields, event = _fields(FollowUp, "response_id"), _fields(FollowUpEvent, "followup_id")
    parts = []
    if claim:
        parts.append(
            f"c AS (UPDATE {Invitation._meta.db_table} SET responded_at = CAST(%s AS timestamptz) "  # noqa: S608  # nosec B608
            "WHERE id = %s AND responded_at IS NULL RETURNING id)"
        )
    source = " FROM c" if claim else ""
    parts.append(
        f"r AS (INSERT INTO {Response._meta.db_table} ({_columns(response)}) "  # nosec B608
        f"SELECT {_row(response)}{source} RETURNING id)"
    )
    if answers:
        parts.append(
            f"a AS (INSERT INTO {Answer._meta.db_table} (response_id, {_columns(answer)}) "  # noqa: S608  # nosec B608
            f"SELECT r.id, v.* FROM r, (VALUES {_rows(answer, answers)}) AS v)"
        )
    if case:
        parts.append(
            f"f AS (INSERT INTO {FollowUp._meta.db_table} (response_id, {_columns(case_fields)}) "  # noqa: S608  # nosec B608
            f"SELECT r.id, {_row(case_fields)} FROM r RETURNING id)"
        )
    if case and events:
        parts.append(
            f"e AS (INSERT INTO {FollowUpEvent._meta.db_table} (followup_id, {_columns(event)}) "  # noqa: S608  # nosec B608
            f"SELECT f.id, v.* FROM f, (VALUES {_rows(event, events)}) AS v)"
        )
    returned = "(SELECT id FROM f)" if case else "NULL"
    return "WITH " + ",\n".join(parts) + f"\nSELECT r.id, {returned} FROM r"  # nosec B608


def _rows(fields: list[tuple[Field, str, str]], count: int) -> str:
    return ", ".join([f"({_row(fields)})"] * count)


def submission_insert(rows: SubmissionRows) -> bool:
    """Insert the rows in one statement; False (and nothing saved) when the claimed invitation was answered already.

    Sets the primary keys of the response and the case. Raises IntegrityError as the ORM would (a submission key
    saved before, say); the statement then leaves nothing behind."""
    shape = (rows.claim is not None, len(rows.answers), rows.followup is not None, len(rows.events))
    sql = _SQL.get(shape)
    if sql is None:
        sql = _SQL[shape] = _sql(shape)
    params: list = []
    if rows.claim is not None:
        params += [rows.claimed_at, rows.claim.pk]
    _values(rows.response, _fields(Response), params)
    answer_fields = _fields(Answer, "response_id")
    for answer in rows.answers:
        _values(answer, answer_fields, params)
    if rows.followup is not None:
        _values(rows.followup, _fields(FollowUp, "response_id"), params)
        event_fields = _fields(FollowUpEvent, "followup_id")
        for event in rows.events:
            _values(event, event_fields, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        saved = cursor.fetchone()
    if saved is None:
        return False
    _mark_saved(rows.response, saved[0])
    for answer in rows.answers:
        answer.response_id = saved[0]
    if rows.followup is not None:
        _mark_saved(rows.followup, saved[1])
        for event in rows.events:
            event.followup_id = saved[1]
    return True


def _mark_saved(instance: Model, pk: int) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias
