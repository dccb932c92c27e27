"""At the same moment: two reviewers approving one public answer record it once; eight copies of one "write to us"
form make one case. PostgreSQL only (SQLite serialises writers)."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from surveys.models import Complaint, FollowUp, FollowUpEvent, PublicAnswer
from surveys.services.complaints import Incoming, complaint_receive

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def at_once(copies: int, send) -> list[int]:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL; SQLite serialises writers")
    barrier = threading.Barrier(copies)
    statuses: list[int] = []

    def run(index: int) -> None:
        try:
            client = send(index)
            barrier.wait()
            statuses.append(client())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_two_reviewers_approving_at_once_record_the_answer_once(org):
    complaint, _new = complaint_receive(
        incoming=Incoming(
            message_id="race-1", channel="social", text="…", public_url="https://x.example/1",
            unit=org["units"]["north_store"],
        )
    )  # fmt: skip
    author = Client()
    author.force_login(org["people"]["store_manager"].user)
    url = reverse("public-answer-act", args=[complaint.followup_id, "submit"])
    assert author.post(url, {"text": "Простите нас", "version": "0"}).status_code == 302
    reviewers = ["lead", "north_manager"] * 3

    def prepare(index):
        client = Client()
        client.force_login(org["people"][reviewers[index]].user)
        approve = reverse("public-answer-act", args=[complaint.followup_id, "approve"])
        return lambda: client.post(approve, {"version": "1"}).status_code

    assert at_once(len(reviewers), prepare) == [302] * len(reviewers)
    complaint.refresh_from_db()
    assert PublicAnswer.objects.get().status == "approved"
    assert complaint.public_reply == "Простите нас"
    assert FollowUpEvent.objects.filter(followup=complaint.followup_id, kind="contacted").count() == 1


def test_eight_copies_of_one_form_make_one_case(org):
    page = Client().get(reverse("write"), headers={"accept-language": "ru"}).content.decode()
    token = re.search(r'name="form_token" value="([^"]*)"', page).group(1)
    data = {"form_token": token, "lang": "ru", "text": "Двойное нажатие", "contact_by": "none"}

    def prepare(_index):
        client = Client()
        return lambda: client.post(reverse("write"), data).status_code

    assert at_once(8, prepare) == [302] * 8
    assert (Complaint.objects.count(), FollowUp.objects.count()) == (1, 1)
