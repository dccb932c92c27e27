"""Answers stored before anonymity was built in lose every identifying field when the migration runs."""

from datetime import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("surveys", "0013_score_rollups"), ("cxprogram", "0005_customer_imports")]
AFTER = [("surveys", "0016_anonymous_answers_keep_no_identity")]


@pytest.mark.django_db(transaction=True)
def test_stored_anonymous_answers_are_stripped_and_pulses_become_anonymous():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("auth", "User")
    Unit, Employee, Customer = (old.get_model("cxprogram", name) for name in ("Unit", "Employee", "Customer"))
    Survey, Invitation, Response = (old.get_model("surveys", name) for name in ("Survey", "Invitation", "Response"))
    Webhook, WebhookDelivery = old.get_model("cxprogram", "Webhook"), old.get_model("cxprogram", "WebhookDelivery")
    company = Unit.objects.create(name="Company", code="company", kind="company")
    alice = Employee.objects.create(user=User.objects.create(username="alice"), unit=company, role="frontline")
    anna = Customer.objects.create(external_id="CRM-1", name="Anna")
    pulse = Survey.objects.create(name="Pulse", public_id="pulse", kind="employee_pulse", anonymous=False)
    quiet = Survey.objects.create(name="Quiet", public_id="quiet", kind="transactional", anonymous=True)
    open_ = Survey.objects.create(name="Open", public_id="open", kind="transactional", anonymous=False)
    when = timezone.make_aware(datetime(2026, 12, 3, 15, 47, 12, 345678))  # a Thursday
    invitation = Invitation.objects.create(survey=quiet, customer=anna, token="t1", responded_at=when)
    common = {"language": "ru", "source": "invitation", "submitted_at": when, "duration_seconds": 41}
    identity = {"customer": anna, "employee": alice, "unit": company, "transaction_ref": "POS-9"}
    on_pulse = Response.objects.create(survey=pulse, **common, **identity)
    on_quiet = Response.objects.create(survey=quiet, invitation=invitation, **common, **identity)
    on_open = Response.objects.create(survey=open_, **common, **identity)
    FollowUp = old.get_model("surveys", "FollowUp")
    FollowUp.objects.create(response=on_quiet, due_at=when)
    FollowUp.objects.create(response=on_open, due_at=when)
    hook = Webhook.objects.create(name="HR", url="https://hr.example.com/", events=["response.submitted"])
    WebhookDelivery.objects.create(
        webhook=hook, event="response.submitted", payload={"data": {"survey": "pulse", "employee": alice.pk}}
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Response, Survey = new.get_model("surveys", "Response"), new.get_model("surveys", "Survey")
    Invitation, WebhookDelivery = new.get_model("surveys", "Invitation"), new.get_model("cxprogram", "WebhookDelivery")
    assert Survey.objects.get(public_id="pulse").anonymous is True
    # The pulse keeps the Monday of its week but not before the 1st (Monday 30 November is in another month);
    # the other anonymous survey keeps the day.
    for pk, day in ((on_pulse.pk, 1), (on_quiet.pk, 3)):
        row = Response.objects.get(pk=pk)
        local = timezone.localtime(row.submitted_at)
        assert (local.year, local.month, local.day, local.hour, local.minute, local.microsecond) == (
            2026,
            12,
            day,
            0,
            0,
            0,
        )
        assert (row.anonymous, row.customer_id, row.employee_id, row.invitation_id) == (True, None, None, None)
        assert (row.transaction_ref, row.duration_seconds, row.unit_id) == ("", None, company.pk)
    kept = Response.objects.get(pk=on_open.pk)
    assert (kept.anonymous, kept.customer_id, kept.transaction_ref, kept.duration_seconds) == (
        False,
        anna.pk,
        "POS-9",
        41,
    )
    assert Invitation.objects.get(pk=invitation.pk).responded_at != when
    assert WebhookDelivery.objects.count() == 0
    FollowUp = new.get_model("surveys", "FollowUp")
    assert list(FollowUp.objects.values_list("response_id", flat=True)) == [on_open.pk]  # none shows a single answer
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
