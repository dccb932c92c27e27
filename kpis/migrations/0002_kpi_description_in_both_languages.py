"""A KPI's behaviour in English and Russian; a description written in Russian moves to the Russian field."""

import re

from django.db import migrations, models


def russian_to_its_field(apps, schema_editor):
    Kpi = apps.get_model("kpis", "Kpi")
    for kpi in Kpi.objects.exclude(description_en=""):
        if re.search("[а-яё]", kpi.description_en, re.IGNORECASE):
            kpi.description_ru, kpi.description_en = kpi.description_en, ""
            kpi.save(update_fields=["description_en", "description_ru"])


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_initial")]

    operations = [
        migrations.RenameField(model_name="kpi", old_name="description", new_name="description_en"),
        migrations.AlterField(
            model_name="kpi",
            name="description_en",
            field=models.TextField(
                blank=True,
                help_text="What people do differently when this KPI goes well.",
                verbose_name="behaviour it stands for (English)",
            ),
        ),
        migrations.AddField(
            model_name="kpi",
            name="description_ru",
            field=models.TextField(blank=True, verbose_name="behaviour it stands for (Russian)"),
        ),
        migrations.RunPython(russian_to_its_field, migrations.RunPython.noop, elidable=True),
    ]
