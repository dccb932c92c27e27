"""A customer's personal data on request and by policy: after erasure nothing of theirs is found by any search,
page, export or API, and every figure is what it was; retention anonymises what is older than N months."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cxprogram.models import Customer, Segment, Webhook, WebhookDelivery
from cxprogram.services import cx_lead_group_sync
from surveys.links import ResponseContext
from surveys.models import Answer, FollowUp, FollowUpEvent, Invitation, Question, Response
from surveys.selectors.metrics import Slice, breakdown, question_result
from surveys.services.followups import followup_note
from surveys.services.responses import response_submit
from surveys.tasks import apply_retention
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
TRACES = ["N1", "Nora North", "nora@example.com", "+7 900 555-01-01", "POS-77", "call me on 555-0101"]


@pytest.fixture
def nora(org, settings):
    settings.RESULTS_MIN_SAMPLE = 1
    segment = Segment.objects.create(name="Families", code="families")
    customer = org["customers"]["north"]
    customer.email, customer.phone, customer.segment = "nora@example.com", "+7 900 555-01-01", segment
    customer.save()
    Webhook.objects.create(name="CRM", url="https://crm.example.com/hook", events=["response.submitted", "case.opened"])
    survey = SurveyFactory(public_id="visit", name="Store visit")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS, order=1)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, order=2, required=False)
    invitation = InvitationFactory(survey=survey, customer=customer, transaction_ref="POS-77")
    unhappy = response_submit(
        survey=survey, questions=[nps, comment], answers={nps.pk: 2, comment.pk: "Nora North: call me on 555-0101"},
        language="en", source="invitation", invitation=invitation, customer=customer,
        context=ResponseContext(unit=org["units"]["north_store"], transaction_ref="POS-77"),
    )  # fmt: skip
    followup_note(followup=unhappy.followup, actor=org["people"]["store_manager"], text="Spoke to Nora North")
    other = org["customers"]["south"]
    response_submit(
        survey=survey, questions=[nps], answers={nps.pk: 10}, language="en", source="public_link", customer=other,
        context=ResponseContext(unit=org["units"]["south_store"]),
    )  # fmt: skip
    return survey, nps, customer


def figures(survey, nps):
    whole = Slice(survey=survey)
    return (
        question_result(whole, nps).headline,
        breakdown(whole, nps, "segment"),
        breakdown(whole, nps, "unit"),
        breakdown(whole, nps, "value_tier"),
        Response.objects.filter(survey=survey).count(),
        FollowUp.objects.count(),
        Invitation.objects.filter(responded_at__isnull=False).count(),
    )


def lead_clients(org):
    lead = org["people"]["lead"].user
    lead.is_staff = True
    lead.save()
    lead.groups.add(cx_lead_group_sync())
    admin = Client()
    admin.force_login(lead)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=lead)[0].key}")
    return admin, api


def everything_findable(admin, api):
    """What a person could read about customers anywhere: API lists, admin searches, the export, stored data."""
    texts = [
        api.get(url).content.decode()
        for url in ("/api/v1/customers/", "/api/v1/responses/", "/api/v1/followups/", "/api/v1/invitations/")
    ]
    for url, query in [
        ("/admin/cxprogram/customer/", "Nora"), ("/admin/cxprogram/customer/", "N1"),
        ("/admin/surveys/response/", "POS-77"), ("/admin/surveys/response/", "555-0101"),
        ("/admin/surveys/followup/", "Nora"), ("/admin/surveys/invitation/", "POS-77"),
    ]:  # fmt: skip
        page = admin.get(url, {"q": query}).content.decode()
        texts.append(page.split('id="result_list"')[1] if 'id="result_list"' in page else "")
    export = admin.get("/results/visit/export.csv")
    texts.append(b"".join(export.streaming_content).decode())
    texts.append(admin.get("/customers/").content.decode())
    texts += [str(p) for p in WebhookDelivery.objects.values_list("payload", flat=True)]
    texts += [f"{e.object_repr} {e.changes} {e.serialized_data}" for e in LogEntry.objects.all()]
    texts += list(Answer.objects.values_list("text", flat=True))
    texts += list(FollowUpEvent.objects.values_list("text", flat=True))
    texts += list(Invitation.objects.values_list("transaction_ref", flat=True))
    return "\n".join(texts)


def test_erasure_through_the_api_leaves_nothing_findable_and_every_figure_unchanged(org, nora):
    survey, nps, customer = nora
    admin, api = lead_clients(org)
    before = figures(survey, nps)
    assert "Nora North" in everything_findable(admin, api)  # the search works before

    erased = api.post("/api/v1/customers/N1/erase/")

    assert erased.status_code == 200
    assert erased.json()["external_id"].startswith("erased-") and erased.json()["name"] == ""
    assert api.get("/api/v1/customers/N1/").status_code == 404
    found = everything_findable(admin, api)
    for trace in TRACES:
        assert trace not in found, trace
    assert figures(survey, nps) == before
    record = LogEntry.objects.get_for_object(Customer.objects.get(pk=customer.pk)).latest("timestamp")
    assert (record.actor, record.changes) == (org["people"]["lead"].user, {"erased": ["", "customer's personal data"]})


def test_a_manager_cannot_erase_and_the_admin_action_does_the_same(org, nora):
    survey, nps, customer = nora
    manager = APIClient()
    manager.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=org['people']['north_manager'].user)[0].key}"
    )
    assert manager.post("/api/v1/customers/N1/erase/").status_code == 403
    admin, api = lead_clients(org)
    before = figures(survey, nps)
    done = admin.post("/admin/cxprogram/customer/", {"action": "erase", "_selected_action": [customer.pk]}, follow=True)
    assert "Erased the personal data of 1 customer" in done.content.decode()
    found = everything_findable(admin, api)
    assert [trace for trace in TRACES if trace in found] == []
    assert figures(survey, nps) == before


def test_retention_anonymises_old_answers_and_keeps_the_figures(org, nora, settings):
    survey, nps, customer = nora
    old = Response.objects.get(customer=customer)
    Response.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=400))
    recent = response_submit(
        survey=survey, questions=[nps], answers={nps.pk: 9}, language="en", source="public_link", customer=customer,
        context=ResponseContext(unit=org["units"]["north_store"], transaction_ref="POS-88"),
    )  # fmt: skip
    before = figures(survey, nps)
    settings.RETENTION_MONTHS = 0
    assert apply_retention() == 0  # off by default
    settings.RETENTION_MONTHS = 12

    assert apply_retention() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.customer.external_id.startswith("erased-") and old.customer.segment == customer.segment
    assert (old.transaction_ref, old.invitation) == ("", None)
    assert old.answers.get(question__code="comment").text == "[erased]"
    assert FollowUpEvent.objects.filter(text__contains="Nora").count() == 0
    assert (recent.customer, recent.transaction_ref) == (customer, "POS-88")  # newer than a year: kept
    assert figures(survey, nps) == before
    assert apply_retention() == 0  # nothing left to do
