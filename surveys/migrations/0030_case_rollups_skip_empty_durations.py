"""The case rollups' trigger function again (services.case_rollups.trigger_sql): a case without any duration yet (a
new one) writes nothing to the minutes or the durations, skipping two statements on every submission that opens a
case. CREATE OR REPLACE, so installing it again is harmless; PostgreSQL only."""

from django.db import migrations


def reinstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from surveys.services.case_rollups import trigger_sql

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(trigger_sql())


class Migration(migrations.Migration):
    dependencies = [("surveys", "0029_response_unit_time")]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
