"""Invitations, signed context on public links, flood protection and escaping of customer text."""

import pytest
from django.core.cache import cache
from django.test import Client

from cxprogram.models import Unit
from surveys.links import ResponseContext, survey_public_link
from surveys.models import Answer, Question, Response
from tests.cxprogram.factories import CustomerFactory, EmployeeFactory, UnitFactory
from tests.surveys.conftest import form_state, submit
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


@pytest.fixture
def survey(db):
    survey = SurveyFactory(public_id="pub")
    nps = QuestionFactory(survey=survey, code="nps")
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False)
    return survey, nps, comment


@pytest.fixture
def place(db):
    company = UnitFactory(kind="company", parent=None, code="co")
    store = UnitFactory(kind="store", parent=company, code="store-1", name="Store 1")
    return store, EmployeeFactory(unit=store, user__username="alice")


def test_invitation_carries_customer_and_context(client, survey, place):
    store, alice = place
    customer = CustomerFactory(language="ru")
    invitation = InvitationFactory(
        survey=survey[0], customer=customer, unit=store, employee=alice, touchpoint="checkout", channel="store",
        transaction_ref="T-42",
    )  # fmt: skip
    page = client.get(f"/s/i/{invitation.token}/")
    assert '<html lang="ru">' in page.content.decode()  # the customer's language
    response = submit(client, f"/s/i/{invitation.token}/", {f"q{survey[1].pk}": "3"})
    assert response.status_code == 302
    saved = Response.objects.get()
    assert (saved.customer, saved.unit, saved.employee, saved.touchpoint, saved.channel, saved.transaction_ref) == (
        customer, store, alice, "checkout", "store", "T-42",
    )  # fmt: skip
    assert (saved.invitation, saved.source, saved.language) == (invitation, "invitation", "ru")
    invitation.refresh_from_db()
    assert invitation.opened_at is not None
    assert invitation.responded_at == saved.submitted_at


def test_anonymous_survey_never_links_the_customer(client, survey):
    survey[0].anonymous = True
    survey[0].save()
    invitation = InvitationFactory(survey=survey[0], customer=CustomerFactory())
    submit(client, f"/s/i/{invitation.token}/", {f"q{survey[1].pk}": "9"})
    assert Response.objects.get().customer is None


def test_used_and_unknown_tokens_get_the_same_polite_page(client, survey):
    invitation = InvitationFactory(survey=survey[0])
    submit(client, f"/s/i/{invitation.token}/", {f"q{survey[1].pk}": "9"})
    mine = client.get(f"/s/i/{invitation.token}/", headers={"accept-language": "en"})
    assert (mine.status_code, b"Your answers were already received" in mine.content) == (200, True)
    elsewhere = Client()  # the customer's other device, or whoever else sees the link
    used = elsewhere.get(f"/s/i/{invitation.token}/", headers={"accept-language": "en"})
    unknown = elsewhere.get("/s/i/not-a-real-token-at-all/", headers={"accept-language": "en"})
    assert used.status_code == unknown.status_code == 404
    assert used.content == unknown.content
    assert "Thank you for your time" in used.content.decode()
    assert "If you have sent your answers, we have them and there is nothing more to do." in used.content.decode()


def test_a_second_submission_of_an_answered_invitation_saves_nothing(client, survey):
    invitation = InvitationFactory(survey=survey[0])
    url = f"/s/i/{invitation.token}/"
    page = client.get(url)
    data = {**form_state(page.content.decode()), "next": "1", f"q{survey[1].pk}": "9"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 409  # the same page sent again: "already received"
    other = {**data, "state": form_state(client.get("/s/pub/").content.decode())["state"]}
    assert client.post(url, other).status_code == 409  # this browser answered the link (its cookie says so)
    assert Client().post(url, other).status_code == 404  # another browser: as for any unknown link
    assert Response.objects.count() == 1


def test_token_guessing_is_rate_limited(client, survey, settings):
    settings.INVITATION_MISS_LIMIT = 3
    for n in range(3):
        assert client.get(f"/s/i/guess-{n}/").status_code == 404
    invitation = InvitationFactory(survey=survey[0])
    assert client.get(f"/s/i/{invitation.token}/").status_code == 429
    assert client.get(f"/s/i/{invitation.token}/", REMOTE_ADDR="10.1.1.1").status_code == 200


def test_signed_context_travels_with_a_public_response(client, survey, place):
    store, alice = place
    link = survey_public_link(
        survey=survey[0],
        context=ResponseContext(
            unit=store, employee=alice, touchpoint="delivery", channel="delivery", transaction_ref="D-7"
        ),
    )
    assert link.startswith("/s/pub/?ctx=")
    assert submit(client, link, {f"q{survey[1].pk}": "8"}).status_code == 302
    saved = Response.objects.get()
    assert (saved.unit, saved.employee, saved.touchpoint, saved.channel, saved.transaction_ref) == (
        store, alice, "delivery", "delivery", "D-7",
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["tampered", "unsigned", "other-survey"])
def test_tampered_or_unsigned_context_is_ignored(client, survey, place, kind):
    store, alice = place
    signed = survey_public_link(survey=survey[0], context=ResponseContext(unit=store, touchpoint="delivery"))
    other = SurveyFactory(public_id="other")
    urls = {
        "tampered": signed[:-3] + "abc",
        "unsigned": f"/s/pub/?unit={store.pk}&employee={alice.pk}&touchpoint=delivery",
        "other-survey": "/s/pub/?"
        + survey_public_link(survey=other, context=ResponseContext(unit=store)).split("?")[1],
    }
    assert submit(client, urls[kind], {f"q{survey[1].pk}": "8"}).status_code == 302
    saved = Response.objects.get()
    assert (saved.unit, saved.employee, saved.touchpoint) == (None, None, "")
    assert Unit.objects.count() == 2


def test_public_link_floods_are_refused_per_client_and_survey(client, survey, settings):
    settings.SURVEY_SUBMIT_LIMIT = 2
    for _ in range(2):
        assert submit(client, "/s/pub/", {f"q{survey[1].pk}": "9"}).status_code == 302
    flooded = submit(client, "/s/pub/", {f"q{survey[1].pk}": "9"}, headers={"accept-language": "en"})
    assert flooded.status_code == 429
    assert "We received many answers from your network just now." in flooded.content.decode()
    assert submit(client, "/s/pub/", {f"q{survey[1].pk}": "9"}, REMOTE_ADDR="10.2.2.2").status_code == 302
    assert Response.objects.count() == 3


def test_honeypot_submissions_look_accepted_but_are_not_saved(client, survey):
    response = submit(client, "/s/pub/", {f"q{survey[1].pk}": "9", "website": "http://spam.example"})
    assert response.status_code == 302
    assert Response.objects.count() == 0


def test_too_fast_and_untouched_is_asked_to_confirm_with_a_marked_box(client, survey, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 60
    response = submit(client, "/s/pub/", {f"q{survey[1].pk}": "9"}, headers={"accept-language": "en"})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_confirm_send">Send your answers: We could not tell that a person sent these answers.' in page
    assert '<input type="checkbox" name="confirm_send" value="1">' in page
    assert f'name="q{survey[1].pk}" value="9" checked' in page
    assert Response.objects.count() == 0
    confirmed = {**form_state(page), "next": "1", f"q{survey[1].pk}": "9", "confirm_send": "1"}
    assert client.post("/s/pub/", confirmed).status_code == 302
    assert Response.objects.get().answers.get().number == 9


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_customer_text_comes_back_escaped(client, survey):
    # Shown again on the page after a validation error elsewhere on the page.
    page = submit(client, "/s/pub/", {f"q{survey[1].pk}": "", f"q{survey[2].pk}": XSS}).content.decode()
    assert XSS not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    cache.clear()
    assert submit(client, "/s/pub/", {f"q{survey[1].pk}": "3", f"q{survey[2].pk}": XSS}).status_code == 302
    assert Answer.objects.get(question=survey[2]).text == XSS  # stored as typed, escaped when shown


def test_customer_text_is_escaped_in_the_admin(admin_client, client, survey):
    submit(client, "/s/pub/", {f"q{survey[1].pk}": "3", f"q{survey[2].pk}": XSS})
    page = admin_client.get(f"/admin/surveys/response/{Response.objects.get().pk}/change/").content.decode()
    assert XSS not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_oversized_and_malformed_posts_get_a_4xx(client, survey):
    page = client.get("/s/pub/")
    data = {
        **form_state(page.content.decode()),
        "next": "1",
        f"q{survey[1].pk}": ["9", "10"],
        f"q{survey[2].pk}": "x" * 10_000,
    }
    response = client.post("/s/pub/", data, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "Ensure this value has at most 5000 characters (it has 10000)." in response.content.decode()
    assert client.post("/s/pub/", {"next": "1"}).status_code == 400  # no state at all
    assert client.post("/s/pub/", b"\xff\xfe", content_type="application/octet-stream").status_code == 400
    assert Response.objects.count() == 0


def test_failure_pages_speak_russian_to_russian_customers(client):
    page = client.get("/s/i/no-such-token/", headers={"accept-language": "ru"}).content.decode()
    assert "Эта ссылка на опрос уже использована или недействительна." in page
    assert "Спасибо, что уделили нам время" in page
