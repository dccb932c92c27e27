from django.db import migrations


def strip_anonymous_answers(apps, schema_editor):
    """Pulses become anonymous; the answers already stored for anonymous surveys lose every identifying field,
    keep only their day (the Monday of their week for a pulse, within its month) and their invitation forgets
    when it was answered; webhook deliveries and follow-up cases that showed single answers go."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    Survey = apps.get_model("surveys", "Survey")
    Response = apps.get_model("surveys", "Response")
    Invitation = apps.get_model("surveys", "Invitation")
    WebhookDelivery = apps.get_model("cxprogram", "WebhookDelivery")
    Survey.objects.filter(kind="employee_pulse").update(anonymous=True)
    anonymous = Survey.objects.filter(anonymous=True)
    pulses = set(anonymous.filter(kind="employee_pulse").values_list("pk", flat=True))
    public_ids = list(anonymous.values_list("public_id", flat=True))
    responses = Response.objects.filter(survey__in=anonymous)
    invitations = Invitation.objects.filter(response__in=responses, responded_at__isnull=False)
    for invitation in invitations.iterator(chunk_size=2000):
        Invitation.objects.filter(pk=invitation.pk).update(responded_at=invitation.created_at)
    batch = []
    for response in responses.only("pk", "survey_id", "submitted_at").iterator(chunk_size=2000):
        day = timezone.localtime(response.submitted_at).date()
        if response.survey_id in pulses:
            day = max(day - timedelta(days=day.weekday()), day.replace(day=1))
        response.submitted_at = timezone.make_aware(datetime.combine(day, time.min))
        batch.append(response)
        if len(batch) >= 2000:
            Response.objects.bulk_update(batch, ["submitted_at"])
            batch = []
    Response.objects.bulk_update(batch, ["submitted_at"])
    responses.update(
        anonymous=True,
        customer=None,
        employee=None,
        invitation=None,
        entered_by=None,
        duration_seconds=None,
        transaction_ref="",
        contact_details="",
    )
    WebhookDelivery.objects.filter(event="response.submitted", payload__data__survey__in=public_ids).delete()
    # A case shows its answers to whoever works it: anonymous answers never open one any more.
    apps.get_model("surveys", "FollowUp").objects.filter(response__survey__in=anonymous).delete()
    # The score rollups count answers per day: recount those of anonymous surveys on their new days.
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    Answer, ScoreCount = apps.get_model("surveys", "Answer"), apps.get_model("surveys", "ScoreCount")
    ScoreCount.objects.filter(survey__in=anonymous).delete()
    grouped = (
        Answer.objects.filter(
            response__survey__in=anonymous,
            question_type__in=("nps", "csat", "ces", "rating", "yes_no"),
            number__isnull=False,
        )
        .values("question_id", "number", "response__survey_id", "response__unit_id", "response__channel",
                "response__touchpoint", day=TruncDate("response__submitted_at"))
        .annotate(count=Count("pk"))
        .order_by()
    )  # fmt: skip
    ScoreCount.objects.bulk_create(
        [
            ScoreCount(
                day=row["day"], survey_id=row["response__survey_id"], question_id=row["question_id"],
                unit_id=row["response__unit_id"] or 0, channel=row["response__channel"],
                touchpoint=row["response__touchpoint"], number=row["number"], n=row["count"],
            )
            for row in grouped
        ],
        batch_size=2000,
    )  # fmt: skip


class Migration(migrations.Migration):
    """Apart from the schema change before it and the constraints after it: on PostgreSQL, rows changed here may
    not share a transaction with the new index and constraints."""

    dependencies = [
        ('surveys', '0014_response_provenance'),
    ]

    operations = [
        migrations.RunPython(strip_anonymous_answers, migrations.RunPython.noop),
    ]
