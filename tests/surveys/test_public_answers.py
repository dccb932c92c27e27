"""Public answers to complaints said in public: the case worker drafts, a second person (the unit's manager or a CX
lead) approves — then it is what was said publicly and the case's answer at that moment — or sends it back. The
author cannot approve their own, other units cannot see it, a second approval records nothing, an approved answer
cannot be edited."""

from datetime import UTC, datetime, timedelta

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys.models import Complaint, FollowUp, FollowUpEvent, PublicAnswer
from surveys.selectors.channels import channel_loop_metrics
from surveys.services.complaints import Incoming, complaint_receive

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # Monday 10:00 in Moscow


class Clock:
    def __init__(self, monkeypatch):
        self.at = RECEIVED
        monkeypatch.setattr(timezone, "now", lambda: self.at)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def public_complaint(org, clock) -> Complaint:
    complaint, _new = complaint_receive(
        incoming=Incoming(
            message_id="review-1", channel="social", text="Грубый продавец в North store",
            public_url="https://reviews.example/1", unit=org["units"]["north_store"], author_handle="@anna",
        )
    )  # fmt: skip
    return complaint


def as_(org, who: str) -> Client:
    client = Client()
    client.force_login(org["people"][who].user)
    return client


def act(client: Client, complaint: Complaint, action: str, **data):
    return client.post(reverse("public-answer-act", args=[complaint.followup_id, action]), data)


def draft(org, complaint, clock, text="Анна, простите нас. Мы поговорили с продавцом.", who="store_manager"):
    clock.at = RECEIVED + timedelta(minutes=30)
    answer = act(as_(org, who), complaint, "submit", text=text, version="0")
    assert answer.status_code == 302
    return PublicAnswer.objects.get(complaint=complaint)


def test_drafted_then_approved_by_the_lead_is_what_was_said_and_answers_the_case_then(org, public_complaint, clock):
    written = draft(org, public_complaint, clock)
    assert (written.status, written.version, written.written_by) == ("awaiting", 1, org["people"]["store_manager"])
    public_complaint.refresh_from_db()
    assert (public_complaint.public_reply, public_complaint.public_reply_at) == ("", None)  # not said yet
    lead = as_(org, "lead")
    page = lead.get(reverse("public-answer-queue"), headers={"accept-language": "en"}).content.decode()
    assert f"#{public_complaint.followup_id}" in page and "Анна, простите нас." in page

    clock.at = RECEIVED + timedelta(minutes=75)
    answer = act(lead, public_complaint, "approve", version="1")

    assert answer.status_code == 302
    public_complaint.refresh_from_db()
    case = FollowUp.objects.get(pk=public_complaint.followup_id)
    assert (
        public_complaint.public_reply, public_complaint.public_reply_by, public_complaint.public_reply_reviewed_by,
        public_complaint.public_reply_at,
    ) == (
        "Анна, простите нас. Мы поговорили с продавцом.", org["people"]["store_manager"], org["people"]["lead"],
        RECEIVED + timedelta(minutes=75),
    )  # fmt: skip
    assert (case.first_contact_at, case.status) == (RECEIVED + timedelta(minutes=75), "contacted")
    [loop] = channel_loop_metrics(FollowUp.objects.all(), now=RECEIVED + timedelta(hours=1, minutes=15))
    assert (loop.channel, loop.cases, loop.same_day.value, loop.never_answered.value) == ("social", 1, 100.0, 0.0)
    assert loop.median_minutes_to_answer == 75.0
    page = lead.get(case.get_absolute_url(), headers={"accept-language": "en"}).content.decode()
    assert "Said publicly" in page and "Send for review" not in page
    assert (
        "No public answers are waiting for review."
        in lead.get(reverse("public-answer-queue"), headers={"accept-language": "en"}).content.decode()
    )
    entries = LogEntry.objects.get_for_objects(PublicAnswer.objects.all()).order_by("pk")
    assert [(e.action, e.actor.username) for e in entries] == [
        (LogEntry.Action.CREATE, "store.manager"), (LogEntry.Action.UPDATE, "lead"),
    ]  # fmt: skip


def test_the_author_cannot_approve_their_own_draft_by_any_form(org, public_complaint, clock):
    draft(org, public_complaint, clock)
    author = as_(org, "store_manager")
    page = author.get(public_complaint.followup.get_absolute_url(), headers={"accept-language": "en"})
    assert "Approve: this is what we say publicly" not in page.content.decode()
    for version in ("1", "2", "0", ""):  # the reviewer's form replayed, any version
        answer = act(author, public_complaint, "approve", version=version)
        assert answer.status_code == 403
    answer = author.post(
        reverse("public-answer-act", args=[public_complaint.followup_id, "approve"]),
        {"version": "1"}, headers={"accept-language": "en"},
    )  # fmt: skip
    assert "A second person must review your public answer; you cannot approve your own." in answer.content.decode()
    assert act(author, public_complaint, "return", version="1", note="fine").status_code == 403
    public_complaint.refresh_from_db()
    assert public_complaint.public_reply_at is None
    assert PublicAnswer.objects.get().status == "awaiting"


def test_other_units_and_frontline_see_nothing_and_approve_nothing(org, public_complaint, clock):
    draft(org, public_complaint, clock)
    for who in ("south_manager", "alice", "carol"):
        client = as_(org, who)
        assert client.get(public_complaint.followup.get_absolute_url()).status_code == 404
        assert act(client, public_complaint, "approve", version="1").status_code == 404
        assert act(client, public_complaint, "submit", text="x", version="1").status_code == 404
        queue = client.get(reverse("public-answer-queue"))
        assert queue.status_code == (200 if who == "south_manager" else 404)
        if who == "south_manager":
            assert "Грубый" not in queue.content.decode() and "простите" not in queue.content.decode()
    assert PublicAnswer.objects.get().status == "awaiting"


def test_the_manager_of_the_unit_above_may_approve(org, public_complaint, clock):
    draft(org, public_complaint, clock)
    assert act(as_(org, "north_manager"), public_complaint, "approve", version="1").status_code == 302
    public_complaint.refresh_from_db()
    assert public_complaint.public_reply_reviewed_by == org["people"]["north_manager"]


def test_approving_twice_records_once_and_an_approved_answer_cannot_be_edited(org, public_complaint, clock):
    draft(org, public_complaint, clock)
    lead = as_(org, "lead")
    clock.at = RECEIVED + timedelta(hours=1)
    assert act(lead, public_complaint, "approve", version="1").status_code == 302
    clock.at = RECEIVED + timedelta(hours=2)
    assert act(lead, public_complaint, "approve", version="1").status_code == 302
    assert act(as_(org, "north_manager"), public_complaint, "approve", version="1").status_code == 302
    public_complaint.refresh_from_db()
    assert public_complaint.public_reply_at == RECEIVED + timedelta(hours=1)
    assert public_complaint.public_reply_reviewed_by == org["people"]["lead"]
    assert FollowUpEvent.objects.filter(followup=public_complaint.followup, kind="contacted").count() == 1

    edit = act(as_(org, "store_manager"), public_complaint, "submit", text="Другой текст", version="1")
    assert edit.status_code == 409
    assert "already approved and said" in as_(org, "store_manager").post(
        reverse("public-answer-act", args=[public_complaint.followup_id, "submit"]),
        {"text": "Другой текст", "version": "1"}, headers={"accept-language": "en"},
    ).content.decode()  # fmt: skip
    assert act(lead, public_complaint, "return", version="1", note="no").status_code == 409
    public_complaint.refresh_from_db()
    assert public_complaint.public_reply == "Анна, простите нас. Мы поговорили с продавцом."


def test_sent_back_with_a_note_then_edited_and_approved_only_in_its_new_version(org, public_complaint, clock):
    draft(org, public_complaint, clock, text="Сами виноваты")
    lead = as_(org, "lead")
    assert act(lead, public_complaint, "return", version="1", note="Извинитесь и без упрёков").status_code == 302
    returned = PublicAnswer.objects.get()
    assert (returned.status, returned.review_note, returned.reviewed_by) == (
        "returned", "Извинитесь и без упрёков", org["people"]["lead"],
    )  # fmt: skip
    author = as_(org, "store_manager")
    page = author.get(public_complaint.followup.get_absolute_url(), headers={"accept-language": "ru"}).content.decode()
    assert "Извинитесь и без упрёков" in page
    assert "публичный ответ возвращён: Извинитесь и без упрёков" in page  # the case's history
    assert act(lead, public_complaint, "approve", version="1").status_code == 409  # sent back: nothing to approve
    assert act(author, public_complaint, "submit", text="Простите нас, Анна", version="1").status_code == 302
    assert act(lead, public_complaint, "approve", version="1").status_code == 409  # the old version's form
    assert act(lead, public_complaint, "approve", version="2").status_code == 302
    public_complaint.refresh_from_db()
    assert public_complaint.public_reply == "Простите нас, Анна"


def test_two_edits_from_one_old_form_keep_the_newer_text(org, public_complaint, clock):
    draft(org, public_complaint, clock)
    assert act(as_(org, "lead"), public_complaint, "submit", text="Версия лида", version="1").status_code == 302
    stale = act(as_(org, "store_manager"), public_complaint, "submit", text="Старая правка", version="1")
    assert stale.status_code == 409
    assert PublicAnswer.objects.get().text == "Версия лида"


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        ("   ", 400, "Write the public answer first."),
        ("x" * 5001, 400, "The public answer must be at most 5000 characters."),
        ("a\x00b", 400, "The form contains a NUL character, which cannot be stored."),
    ],
)
def test_bad_drafts_are_refused_with_a_message(org, public_complaint, text, status, message):
    answer = as_(org, "store_manager").post(
        reverse("public-answer-act", args=[public_complaint.followup_id, "submit"]),
        {"text": text, "version": "0"}, headers={"accept-language": "en"},
    )  # fmt: skip
    assert answer.status_code == status
    assert message in answer.content.decode()
    assert PublicAnswer.objects.count() == 0


def test_a_complaint_not_said_in_public_has_no_public_answer(org, clock):
    complaint, _new = complaint_receive(
        incoming=Incoming(message_id="m1", channel="email", text="x", unit=org["units"]["north_store"])
    )
    lead = as_(org, "lead")
    assert act(lead, complaint, "submit", text="Hi", version="0").status_code == 404
    assert 'id="public-answer"' not in lead.get(complaint.followup.get_absolute_url()).content.decode()


def test_without_required_review_the_author_records_it_directly(org, public_complaint, clock, settings):
    settings.COMPLAINT_PUBLIC_REVIEW = False
    draft(org, public_complaint, clock)
    public_complaint.refresh_from_db()
    assert (public_complaint.public_reply_by, public_complaint.public_reply_reviewed_by) == (
        org["people"]["store_manager"], None,
    )  # fmt: skip
    assert public_complaint.public_reply_at == RECEIVED + timedelta(minutes=30)


def test_the_menu_and_the_desk_link_the_queue_for_reviewers_only(org):
    desk = as_(org, "store_manager").get(reverse("followup-list")).content.decode()
    assert 'href="/followups/public-answers/"' in desk
    assert 'href="/followups/public-answers/"' not in as_(org, "alice").get(reverse("me")).content.decode()
