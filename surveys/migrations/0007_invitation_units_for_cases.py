"""Invitations made without a unit (distributions, integrations) get the customer's home unit; their responses and
cases follow, and open cases nobody owned go to that unit's manager, so they reach the store."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    Customer = apps.get_model("cxprogram", "Customer")
    Employee = apps.get_model("cxprogram", "Employee")
    FollowUp = apps.get_model("surveys", "FollowUp")
    Invitation = apps.get_model("surveys", "Invitation")
    Response = apps.get_model("surveys", "Response")

    home = Customer.objects.filter(pk=OuterRef("customer_id")).values("home_unit_id")[:1]
    Invitation.objects.filter(unit__isnull=True, customer__home_unit__isnull=False).update(unit=Subquery(home))

    invited = Invitation.objects.filter(pk=OuterRef("invitation_id")).values("unit_id")[:1]
    Response.objects.filter(unit__isnull=True, invitation__unit__isnull=False).update(unit=Subquery(invited))

    managers = {}
    cases = FollowUp.objects.filter(unit__isnull=True, response__unit__isnull=False).select_related("response")
    for case in cases:
        unit_id = case.response.unit_id
        if unit_id not in managers:
            managers[unit_id] = (
                Employee.objects.filter(unit_id=unit_id, role="manager", user__is_active=True)
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
        case.unit_id = unit_id
        fields = ["unit"]
        if case.owner_id is None and case.status in ("new", "contacted"):
            case.owner_id = managers[unit_id]
            fields.append("owner")
        case.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("cxprogram", "0002_webhooks"),
        ("surveys", "0006_response_submission_key_and_contact"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
