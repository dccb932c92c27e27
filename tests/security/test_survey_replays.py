"""Sending a survey page more than once: replays, Back after "Send", two copies at the same moment, old pages, and
hostile choice lists. One page view is one response at most, and nothing half-done is ever stored."""

import threading
import time

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from surveys.forms.page_state import STATE_SALT
from surveys.models import Answer, FollowUp, Question, Response
from tests.surveys.conftest import form_state
from tests.surveys.factories import ChoiceFactory, InvitationFactory, QuestionFactory, SurveyFactory

QT = Question.Type
EN = {"accept-language": "en"}


@pytest.fixture
def detractor_survey(db, settings):
    """A live public survey on which NPS 0–6 opens a follow-up case; page 1 NPS, page 2 an optional comment."""
    settings.SURVEY_MIN_FILL_SECONDS = 0
    survey = SurveyFactory(public_id="replay", followup_nps_max=6)
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS, page=1)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, page=2, required=False)
    return survey, nps, comment


def last_page(client, url, nps, score="2"):
    """GET the survey and answer page 1; returns the hidden fields of page 2 (the last one)."""
    first = client.get(url, headers=EN)
    second = client.post(url, {**form_state(first.content.decode()), "next": "1", f"q{nps.pk}": score}, headers=EN)
    assert "Page 2 of 2" in second.content.decode()
    return form_state(second.content.decode())


@pytest.mark.django_db
def test_one_page_view_sent_eight_times_gives_one_response_and_one_case(client, detractor_survey):
    _survey, nps, comment = detractor_survey
    sent = {**last_page(client, "/s/replay/", nps), "next": "1", f"q{comment.pk}": "Rude"}
    first = client.post("/s/replay/", sent, headers=EN)
    assert (first.status_code, first["Location"]) == (302, "/s/replay/thanks/unhappy/?lang=en")
    for _ in range(7):
        again = Client().post("/s/replay/", sent, headers=EN)  # a script, without the browser's cookies
        assert again.status_code == 409
        assert "Your answers were already received" in again.content.decode()
    assert Response.objects.count() == FollowUp.objects.count() == 1
    assert list(Answer.objects.order_by("question__page").values_list("number", "text")) == [(2, ""), (None, "Rude")]


@pytest.mark.django_db
def test_back_after_send_then_send_again_changes_nothing(client, detractor_survey):
    """The browser shows the last page again from its history; the customer edits it and sends it again."""
    _survey, nps, comment = detractor_survey
    page2 = last_page(client, "/s/replay/", nps)
    assert client.post("/s/replay/", {**page2, "next": "1", f"q{comment.pk}": "First"}, headers=EN).status_code == 302
    edited = client.post("/s/replay/", {**page2, "next": "1", f"q{comment.pk}": "Second"}, headers=EN)
    assert edited.status_code == 409
    assert "We have your answers to this survey, so there is nothing more to do." in edited.content.decode()
    # Back to page 1 from the history, a new score, Next and Send: still the same page view, still nothing new.
    back = client.post("/s/replay/", {**page2, "back": "1"}, headers=EN)
    again = client.post("/s/replay/", {**form_state(back.content.decode()), "next": "1", f"q{nps.pk}": "10"})
    assert client.post("/s/replay/", {**form_state(again.content.decode()), "next": "1"}).status_code == 409
    assert list(Answer.objects.order_by("question__page").values_list("number", "text")) == [(2, ""), (None, "First")]
    assert FollowUp.objects.count() == 1
    assert client.get("/s/replay/").status_code == 200  # a new visit to a public link is a new answer


@pytest.mark.django_db
def test_a_page_older_than_a_day_is_refused_politely_and_nothing_is_kept(client, detractor_survey, monkeypatch):
    _survey, nps, comment = detractor_survey
    page2 = last_page(client, "/s/replay/", nps)
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 24 * 3600 - 60)  # a minute short of a day: accepted
    kept = client.post("/s/replay/", {**page2, "back": "1"}, headers=EN)
    assert "Page 1 of 2" in kept.content.decode()
    monkeypatch.setattr(signing.time, "time", lambda: now + 24 * 3600 + 60)
    expired = client.post("/s/replay/", {**page2, "next": "1", f"q{comment.pk}": "Late"}, headers=EN)
    html = expired.content.decode()
    assert expired.status_code == 400
    assert "This page has expired" in html
    assert "Nothing from it was saved. Please start the survey again." in html
    assert '<a class="button" href="/s/replay/">Start again</a>' in html
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_a_page_signed_before_submission_keys_existed_is_saved_once(client, detractor_survey):
    """A page someone had open during the upgrade has no key: its own signature serves as one."""
    survey, nps, _comment = detractor_survey
    state = {"a": {str(nps.pk): 3}, "t": time.time() - 60, "p": 2}
    old = signing.dumps(state, salt=f"{STATE_SALT}:{survey.public_id}", compress=True)
    page = form_state(client.get("/s/replay/").content.decode())
    data = {**page, "state": old, "next": "1"}
    assert client.post("/s/replay/", data).status_code == 302
    assert client.post("/s/replay/", data).status_code == 409
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_a_state_from_the_public_link_cannot_answer_an_invitation_twice(client, detractor_survey):
    survey, nps, _comment = detractor_survey
    invitation = InvitationFactory(survey=survey)
    url = f"/s/i/{invitation.token}/"
    page2 = last_page(client, url, nps)
    assert client.post(url, {**page2, "next": "1"}).status_code == 302
    stranger = Client()
    fresh = last_page(stranger, "/s/replay/", nps)  # a valid page of the same survey, from its public link
    assert stranger.post(url, {**fresh, "next": "1"}).status_code == 404
    assert stranger.post(url, {**page2, "next": "1"}).status_code == 409  # the very page that was sent: received
    assert Response.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_simultaneous_copies_of_one_page_view_save_one_response(detractor_survey):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL; SQLite serialises writers")
    _survey, nps, comment = detractor_survey
    page2 = last_page(Client(), "/s/replay/", nps, score="1")
    copies = 8
    barrier = threading.Barrier(copies)
    statuses: list[int] = []

    def send() -> None:
        try:
            barrier.wait()
            reply = Client().post("/s/replay/", {**page2, "next": "1", f"q{comment.pk}": "Race"})
            statuses.append(reply.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [409] * (copies - 1)
    assert Response.objects.count() == FollowUp.objects.count() == 1
    assert Answer.objects.count() == 2


@pytest.fixture
def multiple_choice(db, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    survey = SurveyFactory(public_id="multi")
    question = QuestionFactory(survey=survey, code="improve", type=QT.MULTIPLE, text_en="What to improve?")
    choices = [ChoiceFactory(question=question, text_en=t, text_ru=t) for t in ("Prices", "Queues")]
    return survey, question, choices


@pytest.mark.django_db
def test_a_repeated_choice_on_the_public_page_is_a_400_on_that_field(client, multiple_choice):
    _survey, question, choices = multiple_choice
    page = form_state(client.get("/s/multi/").content.decode())
    repeated = [str(choices[0].pk), str(choices[0].pk), str(choices[1].pk)]
    reply = client.post("/s/multi/", {**page, "next": "1", f"q{question.pk}": repeated}, headers=EN)
    html = reply.content.decode()
    assert reply.status_code == 400
    assert f'<a href="#id_q{question.pk}">What to improve?: Each option can be chosen only once.</a>' in html
    assert f'id="id_q{question.pk}_error">Each option can be chosen only once.' in html
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_a_repeated_choice_through_the_api_is_a_400_on_that_answer(multiple_choice, org):
    _survey, _question, choices = multiple_choice
    body = {"survey": "multi", "answers": {"improve": [choices[0].pk, choices[0].pk]}, "language": "ru"}
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=org['people']['lead'].user).key}")
    reply = api.post("/api/v1/responses/", body, format="json", headers={"accept-language": "ru"})
    assert reply.status_code == 400
    assert reply.json()["errors"] == {"answers.improve": ["Каждый вариант можно выбрать только один раз."]}
    assert Response.objects.count() == 0
