"""Keeping the customer counts (models.CustomerCount) equal to the customers, on PostgreSQL, so that the customer mix
reads a few hundred rows instead of every customer (a million take 250 ms to count).

Why triggers: customers are written by imports (a thousand in one statement), the admin, erasure, opt-outs and the
deletion of a unit or segment (Django sets their customers' key to NULL). A statement trigger sees the statement's
old and new rows (transition tables) and adds their difference, in the writer's transaction: a rollback takes it back.
Why a ledger, not one row per group updated in place: the trigger only INSERTs, so two writers never wait for each
other's row (an import holding a group's row for a whole chunk would hold up every other writer of that group, and
two imports could deadlock). `customer_counts_compact` sums the ledger into one row per group now and then (beat):
one statement deletes the rows it sees and inserts their sums, so a row committed meanwhile is neither lost nor
counted twice. SQLite keeps no counts: there the mix counts the customers."""

from django.db import connection

from .models import Customer, CustomerCount

COUNTS = CustomerCount._meta.db_table
CUSTOMERS = Customer._meta.db_table
KEY = "home_unit_id, segment_id, value_tier, contactable"
GROUP = "coalesce(home_unit_id, 0), coalesce(segment_id, 0), value_tier, consent AND opted_out_at IS NULL"

DROP_TRIGGERS = f"""
DROP TRIGGER IF EXISTS cxprogram_customer_inserted ON {CUSTOMERS};
DROP TRIGGER IF EXISTS cxprogram_customer_updated ON {CUSTOMERS};
DROP TRIGGER IF EXISTS cxprogram_customer_deleted ON {CUSTOMERS};
"""

TRIGGER_SQL = f"""
CREATE OR REPLACE FUNCTION cxprogram_customer_counted() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {COUNTS} ({KEY}, n) SELECT {GROUP}, count(*) FROM new_rows GROUP BY 1, 2, 3, 4;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {COUNTS} ({KEY}, n) SELECT {GROUP}, -count(*) FROM old_rows GROUP BY 1, 2, 3, 4;
    ELSE
        INSERT INTO {COUNTS} ({KEY}, n)
        SELECT h, s, v, c, sum(d) FROM (
            SELECT {GROUP}, 1 FROM new_rows UNION ALL SELECT {GROUP}, -1 FROM old_rows
        ) AS changed (h, s, v, c, d)
        GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
{DROP_TRIGGERS}CREATE TRIGGER cxprogram_customer_inserted AFTER INSERT ON {CUSTOMERS} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cxprogram_customer_counted();
CREATE TRIGGER cxprogram_customer_updated AFTER UPDATE ON {CUSTOMERS}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cxprogram_customer_counted();
CREATE TRIGGER cxprogram_customer_deleted AFTER DELETE ON {CUSTOMERS} REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cxprogram_customer_counted();
"""  # noqa: S608  # nosec B608

UNINSTALL_SQL = f"""{DROP_TRIGGERS}DROP FUNCTION IF EXISTS cxprogram_customer_counted();
"""

# Names are the models' own; nothing in these statements comes from a request.
RECOUNT_SQL = f"INSERT INTO {COUNTS} ({KEY}, n) SELECT {GROUP}, count(*) FROM {CUSTOMERS} GROUP BY 1, 2, 3, 4"  # noqa: S608  # nosec B608
COMPACT_SQL = (
    f"WITH gone AS (DELETE FROM {COUNTS} RETURNING {KEY}, n) "  # noqa: S608  # nosec B608
    f"INSERT INTO {COUNTS} ({KEY}, n) SELECT {KEY}, sum(n) FROM gone GROUP BY {KEY} HAVING sum(n) <> 0"
)


def customer_counts_recount() -> int:
    """Install the triggers and count every customer anew, with the customers locked against writers meanwhile (so no
    change falls between the two); PostgreSQL only. Returns the rows written."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {CUSTOMERS} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(TRIGGER_SQL)
        cursor.execute(f"DELETE FROM {COUNTS}")  # noqa: S608  # nosec B608
        cursor.execute(RECOUNT_SQL)
        return cursor.rowcount


def customer_counts_compact() -> int:
    """Sum the ledger into one row per group (none for a group that adds up to 0); returns the rows left."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(COMPACT_SQL)
        return cursor.rowcount
