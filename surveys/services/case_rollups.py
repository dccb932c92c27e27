"""Keeping the case rollups (models.CaseCount, CaseMinutes, CaseDuration) equal to the follow-up cases, on PostgreSQL.

Why triggers, not the case services: a case's figures change in many places (opened by a submission's one
statement, by a complaint or by staff later; contacted, resolved, closed, answered "is it solved?"; deleted with its
response; moved with a routed complaint, or when its unit is deleted), and several of them update a row another
request may be updating at the same moment. A row trigger sees the row's old and new values under the row's own
lock, so each change is counted exactly once whatever wrote it, in the writer's transaction (a rollback takes the
counts back). The trigger on the cases takes the old row's counts out and adds the new row's; the one on the
responses moves a case's counts when its response's survey, unit, channel, touchpoint or time changes. Each change
is one upsert per table of four rows (the local day and the month, for the unit and for ALL_UNITS), in key order,
and the case's durations written again; a case with no duration yet (a new one, opened by a submission) writes its
counts only.
An update that changes no counted column (owner, warnings, erased texts) counts nothing.

The local day is TIME_ZONE's, written into the function when it is installed (by the migration, and again by
`rollups_rebuild` before it recounts). SQLite keeps no case rollups: there the pages read the cases."""

from django.conf import settings
from django.db import connection

from surveys.models import ALL_UNITS, CaseCount, CaseDuration, CaseMinutes, FollowUp, Response, Survey

COUNTS = CaseCount._meta.db_table
MINUTES = CaseMinutes._meta.db_table
DURATIONS = CaseDuration._meta.db_table
CASES = FollowUp._meta.db_table
RESPONSES = Response._meta.db_table
COUNT_COLUMNS = ("cases", "open", "new", "contacted", "in_time", "same_day", "answered", "solved")
COUNT_KEY = ("survey_id", "unit_id", "monthly", "day", "channel", "touchpoint", "root_cause")
MINUTE_KEY = ("survey_id", "unit_id", "monthly", "day", "channel", "touchpoint", "kind", "minute")
PLACE = "day, monthly, survey_id, unit_id, channel, touchpoint"


def _tz() -> str:
    return "'" + settings.TIME_ZONE.replace("'", "") + "'"


def _counts(c: str, at: str) -> list[str]:
    """A case's counts (0 or 1 each, in COUNT_COLUMNS' order) over a case row `c` and its response's time `at`."""
    tz, contacted = _tz(), f"{c}.first_contact_at IS NOT NULL"
    return [
        "1",
        f"({c}.status IN ('new', 'contacted'))::int",
        f"({c}.status = 'new')::int",
        f"({contacted})::int",
        f"({contacted} AND {c}.first_contact_at <= {c}.due_at)::int",
        f"({contacted} AND ({c}.first_contact_at AT TIME ZONE {tz})::date = ({at} AT TIME ZONE {tz})::date)::int",
        f"({c}.recovered IS NOT NULL)::int",
        f"coalesce({c}.recovered, false)::int",
    ]


def _durations(c: str, at: str) -> str:
    """A case's durations as rows (kind, microseconds); NULL microseconds where it has none."""

    def us(interval: str) -> str:
        return f"(EXTRACT(EPOCH FROM {interval}) * 1000000)::bigint"

    resolved = f"CASE WHEN {c}.status = 'resolved' THEN {c}.resolved_at - {c}.created_at END"
    return (
        f"(VALUES ('contact', {us(f'{c}.first_contact_at - {c}.created_at')}), ('resolve', {us(resolved)}), "
        f"('answer', {us(f'{c}.first_contact_at - {at}')}))"
    )


def _local_day(at: str) -> str:
    return f"({at} AT TIME ZONE {_tz()})::date"


def _places(at: str, unit: str) -> str:
    """The four places a case counts in, as rows (day, monthly, unit_id): its local day and month, for its unit and
    for ALL_UNITS."""
    tz = _tz()
    day, month = f"({at} AT TIME ZONE {tz})::date", f"date_trunc('month', {at} AT TIME ZONE {tz})::date"
    return (
        f"(VALUES ({day}, false, {unit}), ({month}, true, {unit}), ({day}, false, {ALL_UNITS}), "
        f"({month}, true, {ALL_UNITS}))"
    )


def _added(table: str, key: tuple[str, ...], columns: tuple[str, ...]) -> str:
    sums = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    return f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sums}"  # nosec B608  # the models' own names


MINUTE = "floor(m.us / 60000000.0)::bigint"


def trigger_sql() -> str:
    """The functions and triggers for TIME_ZONE as it is now (CREATE OR REPLACE: installing again is harmless)."""
    counts = ", ".join(f"sign * {v}" for v in _counts("c", "r.submitted_at"))
    # Names are the models' own tables and columns; no value of a request goes into this text.
    return f"""
CREATE OR REPLACE FUNCTION surveys_case_tally(c {CASES}, r {RESPONSES}, sign integer) RETURNS void AS $$
BEGIN
    IF c IS NULL OR r.id IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO {COUNTS} ({PLACE}, root_cause, {", ".join(COUNT_COLUMNS)})
    SELECT p.day, p.monthly, r.survey_id, p.unit, r.channel, r.touchpoint, c.root_cause, {counts}
    FROM {_places("r.submitted_at", "coalesce(r.unit_id, 0)")} AS p(day, monthly, unit)
    ORDER BY p.unit, p.monthly, p.day
    {_added(COUNTS, COUNT_KEY, COUNT_COLUMNS)};
    IF c.first_contact_at IS NULL AND c.status <> 'resolved' THEN
        RETURN;  -- no duration yet (a new case): nothing in the minutes or the durations
    END IF;
    INSERT INTO {MINUTES} ({PLACE}, kind, minute, n, total, squares)
    SELECT p.day, p.monthly, r.survey_id, p.unit, r.channel, r.touchpoint, m.kind, {MINUTE},
           sign, sign * m.us, sign * m.us::numeric * m.us
    FROM {_places("r.submitted_at", "coalesce(r.unit_id, 0)")} AS p(day, monthly, unit),
         {_durations("c", "r.submitted_at")} AS m(kind, us)
    WHERE m.us IS NOT NULL
    ORDER BY p.unit, p.monthly, p.day, m.kind, {MINUTE}
    {_added(MINUTES, MINUTE_KEY, ("n", "total", "squares"))};
    IF sign < 0 THEN
        DELETE FROM {DURATIONS} WHERE followup_id = c.id;
    ELSE
        INSERT INTO {DURATIONS} (followup_id, kind, survey_id, day, unit_id, channel, touchpoint, microseconds)
        SELECT c.id, m.kind, r.survey_id, {_local_day("r.submitted_at")}, coalesce(r.unit_id, 0), r.channel,
               r.touchpoint, m.us
        FROM {_durations("c", "r.submitted_at")} AS m(kind, us)
        WHERE m.us IS NOT NULL;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION surveys_case_counted() RETURNS trigger AS $$
DECLARE
    r {RESPONSES};
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.status, OLD.first_contact_at, OLD.due_at, OLD.resolved_at, OLD.recovered,
            OLD.root_cause, OLD.created_at, OLD.response_id)
        IS NOT DISTINCT FROM (NEW.status, NEW.first_contact_at, NEW.due_at, NEW.resolved_at, NEW.recovered,
            NEW.root_cause, NEW.created_at, NEW.response_id) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT * INTO r FROM {RESPONSES} WHERE id = OLD.response_id;
        PERFORM surveys_case_tally(OLD, r, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT * INTO r FROM {RESPONSES} WHERE id = NEW.response_id;
        PERFORM surveys_case_tally(NEW, r, 1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION surveys_case_response_moved() RETURNS trigger AS $$
DECLARE
    c {CASES};
BEGIN
    SELECT * INTO c FROM {CASES} WHERE response_id = NEW.id;
    IF FOUND THEN
        PERFORM surveys_case_tally(c, OLD, -1);
        PERFORM surveys_case_tally(c, NEW, 1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS surveys_case_counted ON {CASES};
CREATE TRIGGER surveys_case_counted AFTER INSERT OR UPDATE OR DELETE ON {CASES}
    FOR EACH ROW EXECUTE FUNCTION surveys_case_counted();
DROP TRIGGER IF EXISTS surveys_case_response_moved ON {RESPONSES};
CREATE TRIGGER surveys_case_response_moved AFTER UPDATE OF survey_id, unit_id, channel, touchpoint, submitted_at
    ON {RESPONSES} FOR EACH ROW
    WHEN ((OLD.survey_id, OLD.unit_id, OLD.channel, OLD.touchpoint, OLD.submitted_at)
        IS DISTINCT FROM (NEW.survey_id, NEW.unit_id, NEW.channel, NEW.touchpoint, NEW.submitted_at))
    EXECUTE FUNCTION surveys_case_response_moved();
"""  # noqa: S608  # nosec B608


UNINSTALL_SQL = f"""
DROP TRIGGER IF EXISTS surveys_case_response_moved ON {RESPONSES};
DROP TRIGGER IF EXISTS surveys_case_counted ON {CASES};
DROP FUNCTION IF EXISTS surveys_case_response_moved();
DROP FUNCTION IF EXISTS surveys_case_counted();
DROP FUNCTION IF EXISTS surveys_case_tally({CASES}, {RESPONSES}, integer);
"""


def case_rollups_install() -> None:
    """Install (or refresh, for the current TIME_ZONE) the triggers that keep the case rollups; PostgreSQL only."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(trigger_sql())


def recount_sql(survey_id: int | None) -> list[tuple[str, list]]:
    """The set-based recount: one INSERT … SELECT per table over every case (of one survey) joined to its response."""
    where, params = ("WHERE r.survey_id = %s", [survey_id]) if survey_id is not None else ("", [])
    counts = ", ".join(f"sum({v})" for v in _counts("c", "r.submitted_at"))
    source = f"FROM {CASES} c JOIN {RESPONSES} r ON r.id = c.response_id"
    places = f"CROSS JOIN LATERAL {_places('r.submitted_at', 'coalesce(r.unit_id, 0)')} AS p(day, monthly, unit)"
    # Names are the models' own; the survey goes in as a parameter.
    return [
        (
            f"INSERT INTO {COUNTS} ({PLACE}, root_cause, {', '.join(COUNT_COLUMNS)}) "  # nosec B608
            f"SELECT p.day, p.monthly, r.survey_id, p.unit, r.channel, r.touchpoint, c.root_cause, {counts} "
            f"{source} {places} {where} GROUP BY 1, 2, 3, 4, 5, 6, 7",
            params,
        ),
        (
            f"INSERT INTO {MINUTES} ({PLACE}, kind, minute, n, total, squares) "  # nosec B608
            f"SELECT p.day, p.monthly, r.survey_id, p.unit, r.channel, r.touchpoint, m.kind, {MINUTE}, count(*), "
            f"sum(m.us), sum(m.us::numeric * m.us) {source} {places} "
            f"CROSS JOIN LATERAL {_durations('c', 'r.submitted_at')} AS m(kind, us) "
            f"{'WHERE m.us IS NOT NULL' + (' AND r.survey_id = %s' if survey_id is not None else '')} "
            f"GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
            params,
        ),
        (
            f"INSERT INTO {DURATIONS} (followup_id, kind, survey_id, day, unit_id, channel, touchpoint, "  # nosec B608
            f"microseconds) SELECT c.id, m.kind, r.survey_id, {_local_day('r.submitted_at')}, "
            f"coalesce(r.unit_id, 0), r.channel, r.touchpoint, m.us {source} "
            f"CROSS JOIN LATERAL {_durations('c', 'r.submitted_at')} AS m(kind, us) "
            f"{'WHERE m.us IS NOT NULL' + (' AND r.survey_id = %s' if survey_id is not None else '')}",
            params,
        ),
    ]


def case_rollups_recount(*, survey: Survey | None = None) -> int:
    """Recount the case rollups (of one survey, or all) from the cases, set-based; PostgreSQL only (a no-op
    elsewhere). The caller holds the lock that keeps writers out (rollups_rebuild); returns the rows written."""
    if connection.vendor != "postgresql":
        return 0
    written = 0
    with connection.cursor() as cursor:
        for model in (CaseCount, CaseMinutes, CaseDuration):
            rows = model.objects.all() if survey is None else model.objects.filter(survey=survey)
            rows.delete()
        for sql, params in recount_sql(None if survey is None else survey.pk):
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written
