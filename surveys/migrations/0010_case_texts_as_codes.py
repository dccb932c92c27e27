"""Case reasons and event texts the system wrote (in English) become codes and parameters, worded when shown."""

from django.db import migrations, models

from surveys.models.followup_texts import reasons_from_text

ROOT_CAUSES_EN = {
    "Product not in stock": "availability", "Queues and waiting": "queues", "Staff attitude": "staff",
    "Advice and knowledge": "advice", "Price and billing": "price", "Delivery and assembly": "delivery",
    "Product quality": "quality", "Store and cleanliness": "store", "Other": "other",
}  # fmt: skip
LEADS = ("CX leads", "Руководители CX")


def _owner(name: str):
    return None if name.strip() in LEADS else name.strip()


def forwards(apps, schema_editor):
    FollowUp = apps.get_model("surveys", "FollowUp")
    FollowUpEvent = apps.get_model("surveys", "FollowUpEvent")
    cases = list(FollowUp.objects.only("pk", "reasons"))
    for case in cases:
        case.reason_codes = reasons_from_text(case.reasons)
    FollowUp.objects.bulk_update(cases, ["reason_codes"], batch_size=1000)
    changed = []
    system_kinds = ["opened", "assigned", "warned", "escalated", "resolved", "answered"]
    for event in FollowUpEvent.objects.filter(kind__in=system_kinds).iterator(chunk_size=2000):
        text = event.text
        if event.kind == "opened":
            event.params, event.text = {"reasons": reasons_from_text(text)}, ""
        elif event.kind == "assigned":
            before, arrow, after = text.partition(" → ")
            event.params = {"from": _owner(before), "to": _owner(after)} if arrow else {"to": _owner(text)}
            event.text = ""
        elif event.kind in ("warned", "escalated"):
            event.params, event.text = {"to": _owner(text)}, ""
        elif event.kind == "resolved":
            label, colon, action = text.partition(": ")
            if not colon or label not in ROOT_CAUSES_EN:
                continue
            event.params, event.text = {"root_cause": ROOT_CAUSES_EN[label]}, action
        elif event.kind == "answered":
            if text not in ("solved", "not solved"):
                continue
            event.params, event.text = {"solved": text == "solved"}, ""
        changed.append(event)
    FollowUpEvent.objects.bulk_update(changed, ["params", "text"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0009_distribution_texts_and_repeats")]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="reason_codes",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Codes and parameters, worded when shown.",
                verbose_name="why it was opened",
            ),
        ),
        migrations.AddField(
            model_name="followupevent",
            name="params",
            field=models.JSONField(blank=True, default=dict, help_text="Worded when shown.", verbose_name="parameters"),
        ),
        migrations.AlterField(
            model_name="followupevent",
            name="text",
            field=models.TextField(
                blank=True, help_text="What a person typed (a note, a reply, an action).", verbose_name="text"
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
