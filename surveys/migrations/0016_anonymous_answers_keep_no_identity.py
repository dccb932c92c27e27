from django.db import migrations, models


class Migration(migrations.Migration):
    """The constraints after the data they hold for (on PostgreSQL, not in the transaction that changed it)."""

    dependencies = [
        ('surveys', '0015_strip_anonymous_answers'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='response',
            constraint=models.CheckConstraint(condition=models.Q(('anonymous', False), models.Q(('contact_details', ''), ('customer__isnull', True), ('duration_seconds__isnull', True), ('employee__isnull', True), ('entered_by__isnull', True), ('invitation__isnull', True), ('transaction_ref', '')), _connector='OR'), name='response_anonymous_keeps_no_identity'),
        ),
        migrations.AddConstraint(
            model_name='survey',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'employee_pulse'), _negated=True), ('anonymous', True), _connector='OR'), name='survey_pulse_is_anonymous', violation_error_message='An employee pulse is always anonymous.'),
        ),
    ]
