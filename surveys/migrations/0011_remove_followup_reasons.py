"""The English reasons text, now kept as codes (0010), goes; in its own migration, after the rows were rewritten."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("surveys", "0010_case_texts_as_codes")]

    operations = [migrations.RemoveField(model_name="followup", name="reasons")]
