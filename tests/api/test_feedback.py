"""`POST /api/v1/feedback/`: complaints from outside become cases in the same queue, due within the public-answer
deadline, once per message id, and only from CX leads' and managers' integrations within their units."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from surveys.models import Complaint, FollowUp, Response
from surveys.services.complaints import complaint_answer_publicly

pytestmark = pytest.mark.django_db

TWEET = {
    "message_id": "tw-1867",
    "channel": "social",
    "text": "Третий раз привозят не тот диван. @shop, вы серьёзно?",
    "author_handle": "@nora",
    "public_url": "https://x.example/nora/status/1867",
    "unit_code": "north-store",
    "received_at": "2026-12-05T22:30:00Z",  # a Saturday night: public answers do not wait for Monday
}


def test_a_public_complaint_becomes_a_case_due_within_the_public_answer_deadline(api, org, settings):
    settings.COMPLAINT_PUBLIC_ANSWER_HOURS = 3
    created = api("lead").post("/api/v1/feedback/", TWEET, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["created"] is True
    assert created.json()["unit_code"] == "north-store"
    case = FollowUp.objects.select_related("response").get(pk=created.json()["followup"])
    assert case.due_at == datetime(2026, 12, 6, 1, 30, tzinfo=UTC)
    assert (case.unit, case.owner, case.status) == (org["units"]["north_store"], org["people"]["store_manager"], "new")
    assert (case.response.source, case.response.channel) == ("complaint", "social")
    assert case.response.answers.get().text == TWEET["text"]
    complaint = case.complaint
    assert (complaint.author_handle, complaint.public_url, complaint.is_public) == ("@nora", TWEET["public_url"], True)

    queue = api("store_manager").get("/api/v1/followups/").json()["results"]
    assert [row["id"] for row in queue] == [case.pk]


def test_a_replayed_message_id_makes_no_second_case(api, org):
    first = api("lead").post("/api/v1/feedback/", TWEET, format="json").json()
    again = api("lead").post("/api/v1/feedback/", {**TWEET, "text": "edited"}, format="json")
    assert again.status_code == 200
    assert again.json() == {**first, "created": False}
    assert (Complaint.objects.count(), FollowUp.objects.count(), Response.objects.count()) == (1, 1, 1)


def test_a_private_complaint_follows_the_same_day_business_rule(api, settings):
    settings.BUSINESS_HOURS = (9, 18)
    body = {
        **TWEET,
        "message_id": "mail-1",
        "channel": "email",
        "public_url": "",
        "received_at": "2026-12-04T08:00:00Z",
    }
    case = FollowUp.objects.get(pk=api("lead").post("/api/v1/feedback/", body, format="json").json()["followup"])
    assert case.due_at == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # 18:00 in Moscow, the program's TIME_ZONE


def test_only_leads_and_managers_integrations_within_their_units(api, org):
    assert api("anonymous").post("/api/v1/feedback/", TWEET, format="json").status_code in (401, 403)
    assert api("alice").post("/api/v1/feedback/", TWEET, format="json").status_code == 403
    foreign = api("south_manager").post("/api/v1/feedback/", TWEET, format="json")
    assert foreign.status_code == 400
    assert foreign.json()["errors"]["unit_code"] == ["Unknown unit_code “north-store”, or not yours to use."]
    own = api("store_manager").post("/api/v1/feedback/", {**TWEET, "unit_code": ""}, format="json")
    assert own.status_code == 201 and own.json()["unit_code"] == "north-store"
    # The same id replayed by another unit's manager reveals nothing about the case.
    replay = api("south_manager").post("/api/v1/feedback/", {**TWEET, "unit_code": "south-store"}, format="json")
    assert replay.status_code == 400 and "followup" not in replay.json()
    assert FollowUp.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [{"channel": "pigeon"}, {"public_url": "javascript:alert(1)"}, {"text": ""}, {"message_id": "x" * 300}],
)
def test_bad_feedback_is_refused_with_a_message(api, change):
    refused = api("lead").post("/api/v1/feedback/", {**TWEET, **change}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == list(change)
    assert Complaint.objects.count() == 0


def test_the_public_answer_is_recorded_only_after_a_second_persons_review(api, org, settings):
    settings.COMPLAINT_PUBLIC_REVIEW = True
    api("lead").post("/api/v1/feedback/", TWEET, format="json")
    complaint = Complaint.objects.get()
    manager, lead = org["people"]["store_manager"], org["people"]["lead"]
    with pytest.raises(ValidationError, match="second person"):
        complaint_answer_publicly(complaint=complaint, author=manager, text="Простите, Нора!", reviewer=manager)
    complaint.refresh_from_db()
    assert (complaint.public_reply, complaint.followup.first_contact_at) == ("", None)
    complaint_answer_publicly(complaint=complaint, author=manager, text=" Простите, Нора! ", reviewer=lead)
    complaint.refresh_from_db()
    assert (complaint.public_reply, complaint.public_reply_reviewed_by) == ("Простите, Нора!", lead)
    assert complaint.followup.status == "contacted"
    assert complaint.followup.first_contact_at == complaint.public_reply_at


def test_an_e_mail_handed_over_by_a_connector_is_answered_in_its_thread(api, org, client, mailoutbox):
    body = {
        "message_id": "<c-7@mail.example>",
        "channel": "email",
        "text": "Заказ не привезли",
        "author_email": "vera@mail.example",
        "subject": "Заказ 77",
        "unit_code": "north-store",
    }
    case_id = api("lead").post("/api/v1/feedback/", body, format="json").json()["followup"]
    client.force_login(org["people"]["store_manager"].user)
    client.post(f"/followups/{case_id}/reply/", {"subject": "Re: Заказ 77", "body": "Везём сегодня."})
    sent = mailoutbox[0]
    assert (sent.to, sent.subject, sent.message()["In-Reply-To"]) == (
        ["vera@mail.example"], "Re: Заказ 77", body["message_id"],
    )  # fmt: skip
    refused = api("lead").post("/api/v1/feedback/", {**body, "message_id": "x", "author_email": "no"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"author_email": ["Enter a valid email address."]}
