"""A submission's rows in one PostgreSQL statement: the invitation's claim, the response, its answers, its follow-up
case with the case's first events and the rollups' counts, as data-modifying CTEs.

Rows are built as unsaved model instances by the caller (defaults and `auto_now_add` as the ORM would fill them) and
sent together as one JSON parameter; each table reads its rows back typed by its own row type
(`jsonb_populate_record`), so a value too long or out of range is refused as by the ORM. The rollups' CTEs are the
Tally's own (services.rollups.upsert_ctes): whatever tables and rows it counts go in. SQLite takes the ORM path
(services.responses)."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import BooleanField, CharField, Field, ForeignKey, IntegerField, JSONField, Model, TextField

from cxprogram.prepared import prepared_cursor
from surveys.models import Answer, FollowUp, FollowUpEvent, Invitation, Response
from surveys.services.rollups import Rows, json_value, upsert_ctes, upsert_document

# (model, column left out) → its inserted fields (every concrete one but the primary key) with their JSON forms
_FIELDS: dict[tuple[type[Model], str], list[tuple[Field, Callable | None]]] = {}
_SQL: dict[tuple, str] = {}
# A plain field's value of one of these types is its own JSON form (see _json_form).
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


@dataclass
class SubmissionRows:
    """The unsaved rows of one submission, as the ORM path would save them, and the rollup rows it adds."""

    response: Response
    answers: Sequence[Answer]
    followup: FollowUp | None = None
    events: Sequence[FollowUpEvent] = ()
    claim: Invitation | None = None  # set its responded_at to `claimed_at`, and save nothing if it was set already
    claimed_at: object = None
    rollups: Rows = field(default_factory=list)


def _fields(model: type[Model], skip: str = "") -> list[tuple[Field, Callable | None]]:
    key = (model, skip)
    if key not in _FIELDS:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.column != skip]
        _FIELDS[key] = [(f, _json_form(f)) for f in fields]
    return _FIELDS[key]


def _json_form(f: Field) -> Callable | None:
    """How a field's value goes into the JSON document, as `form(value, connection)`: a JSON field's value is itself
    JSON (put in as its encoder writes it); any other as the ORM would send it (dates and times then as ISO text,
    see json_value). None for a plain field (text, integer, boolean, or a foreign key to an integer key, with no
    `pre_save` of its own): the ORM sends a str, int, bool or None in it as it is, so that value is taken directly,
    and any other the ORM's way (a lazy translation, say). Half of a submission's CPU in this module went to
    preparing values that were already plain."""
    if isinstance(f, JSONField):
        if f.encoder is None:
            return lambda value, _connection: value
        return lambda value, _connection: json.loads(json.dumps(value, cls=f.encoder))
    target = f.target_field if isinstance(f, ForeignKey) else f
    if isinstance(target, CharField | TextField | IntegerField | BooleanField) and type(f).pre_save is Field.pre_save:
        return None
    return f.get_db_prep_save


def _object(instance: Model, fields: list[tuple[Field, Callable | None]], db) -> dict:
    document, values = {}, instance.__dict__
    for f, form in fields:
        value = values[f.attname] if form is None else None
        if form is None and type(value) in _PLAIN_TYPES:
            document[f.column] = value
        else:
            document[f.column] = (form or f.get_db_prep_save)(f.pre_save(instance, True), db)
    return document


def _insert(model: type[Model], key: str, *, many: bool = False, parent: str = "", column: str = "") -> str:
    """INSERT … SELECT of `model`'s rows read from the document's `key` (one object, or with `many` an array, in its
    order); with `parent` (a CTE returning `id`), that id goes into `column`."""
    fields = _fields(model, column)
    table, quoted = model._meta.db_table, [connection.ops.quote_name(f.column) for f, _form in fields]
    columns, picked = ", ".join(quoted), ", ".join(f"v.{c}" for c in quoted)
    if many:
        read = f"jsonb_populate_recordset(NULL::{table}, p.j -> '{key}') WITH ORDINALITY AS v"
    else:
        read = f"jsonb_populate_record(NULL::{table}, p.j -> '{key}') AS v"
    if parent:
        columns, picked, read = f"{column}, {columns}", f"{parent}.id, {picked}", f"{parent}, p, {read}"
    else:
        read = f"p, {read}"
    order = " ORDER BY v.ordinality" if many else ""
    # Table and column names are the models' own; every value comes from the one JSON parameter.
    return f"INSERT INTO {table} ({columns}) SELECT {picked} FROM {read}{order}"  # noqa: S608  # nosec B608


def _sql(shape: tuple) -> str:
    """The statement for a shape: (claim?, case?, the rollup tables written); built once per shape."""
    claim, case, tables = shape
    parts = ["p AS (SELECT CAST(%s AS jsonb) AS j)"]
    response = _insert(Response, "response")
    if claim:  # nothing is written unless the claim takes the invitation
        parts.append(
            f"c AS (UPDATE {Invitation._meta.db_table} SET responded_at = CAST(%s AS timestamptz) "  # noqa: S608  # nosec B608
            "WHERE id = %s AND responded_at IS NULL RETURNING id)"
        )
        response = response.replace(" FROM p, ", " FROM c, p, ", 1)
    parts.append(f"r AS ({response} RETURNING id)")
    parts.append(f"a AS ({_insert(Answer, 'answers', many=True, parent='r', column='response_id')})")
    if case:
        parts.append(f"f AS ({_insert(FollowUp, 'followup', parent='r', column='response_id')} RETURNING id)")
        parts.append(f"e AS ({_insert(FollowUpEvent, 'events', many=True, parent='f', column='followup_id')})")
    parts += upsert_ctes(tables, document="p", after="r")
    returned = "(SELECT id FROM f)" if case else "NULL"
    return "WITH " + ",\n".join(parts) + f"\nSELECT r.id, {returned} FROM r"  # nosec B608


def submission_insert(rows: SubmissionRows) -> bool:
    """Insert the rows and add the rollup counts in one statement; False (and nothing saved) when the claimed
    invitation was answered already.

    Sets the primary keys of the response and the case. Raises IntegrityError as the ORM would (a submission key
    saved before, say); the statement then leaves nothing behind. Run outside a transaction, the statement is one."""
    shape = (rows.claim is not None, rows.followup is not None, tuple(table for table, _rows in rows.rollups))
    sql = _SQL.get(shape)
    if sql is None:
        sql = _SQL[shape] = _sql(shape)
    db, answer_fields = connections[DEFAULT_DB_ALIAS], _fields(Answer, "response_id")
    document = {
        "response": _object(rows.response, _fields(Response), db),
        "answers": [_object(answer, answer_fields, db) for answer in rows.answers],
        **upsert_document(rows.rollups),
    }
    if rows.followup is not None:
        document["followup"] = _object(rows.followup, _fields(FollowUp, "response_id"), db)
        event_fields = _fields(FollowUpEvent, "followup_id")
        document["events"] = [_object(event, event_fields, db) for event in rows.events]
    params: list = [json.dumps(document, default=json_value)]
    if rows.claim is not None:
        params += [rows.claimed_at, rows.claim.pk]
    with prepared_cursor() as cursor:
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
