"""Prepared statements for the hottest queries (the hosted survey's version check and its submission).

Django's psycopg cursors bind parameters on the client: the values are written into the SQL text, so PostgreSQL
parses and plans every statement anew (0.65 ms of its CPU for the submission's one statement). A cursor that sends
the values apart from the SQL lets psycopg prepare a statement once it has run `prepare_threshold` times (5) on a
connection, and PostgreSQL then only executes it. The connection keeps its prepared statements while Django keeps
it (CONN_MAX_AGE); behind PgBouncer in transaction mode that needs PgBouncer 1.21 or newer with
`max_prepared_statements` set (docs/operations.md). Elsewhere (SQLite) it is Django's own cursor."""

from django.db import connection
from django.db.backends.utils import CursorWrapper


def prepared_cursor() -> CursorWrapper:
    """A cursor of the default connection whose statements run often enough get prepared (PostgreSQL); it goes
    through Django's wrappers like any other, so query logging and counting see it."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg  # psycopg is only needed (and installed for) PostgreSQL

    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
