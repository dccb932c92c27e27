"""The hosted survey as its customers use it: Back, a quick answer, a used link, unsubscribing, asking to be
contacted; and invitations that carry the unit they are about, so cases reach that store's manager."""

import importlib

import pytest
from django.apps import apps
from django.core import signing
from django.test import Client

from cxprogram.models import Customer
from surveys.forms.page_state import ANSWERED_COOKIE, answered_salt, human_token
from surveys.links import unsubscribe_token
from surveys.models import Distribution, FollowUp, Invitation, Question, Response
from surveys.services.distribution import distribution_launch, invitation_for_transaction
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.conftest import form_state
from tests.surveys.factories import ChoiceFactory, InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
EN = {"accept-language": "en"}


@pytest.fixture
def visit(db):
    """Page 1: NPS; page 2: what to improve (multiple), a comment, and "may we contact you?"."""
    survey = SurveyFactory(public_id="visit", followup_nps_max=6)
    q = {
        "nps": QuestionFactory(survey=survey, code="nps", type=QT.NPS, page=1),
        "improve": QuestionFactory(survey=survey, code="improve", type=QT.MULTIPLE, page=2, order=1),
        "comment": QuestionFactory(
            survey=survey, code="comment", type=QT.LONG_TEXT, page=2, order=2, max_length=20, required=False
        ),
        "contact_me": QuestionFactory(
            survey=survey, code="contact_me", type=QT.YES_NO, page=2, order=3, required=False,
            text_en="May we contact you?",
        ),
    }  # fmt: skip
    choices = [ChoiceFactory(question=q["improve"], text_en=t, text_ru=t) for t in ("Prices", "Queues")]
    return survey, q, choices


def to_page_two(client, url, q, score="3"):
    first = client.get(url, headers=EN)
    return client.post(url, {**form_state(first.content.decode()), "next": "1", f"q{q['nps'].pk}": score}, headers=EN)


def test_back_keeps_what_was_typed_on_the_current_page(client, visit):
    _survey, q, choices = visit
    page2 = to_page_two(client, "/s/visit/", q)
    typed = {f"q{q['improve'].pk}": str(choices[1].pk), f"q{q['comment'].pk}": "Slow till", "back": "1"}
    page1 = client.post("/s/visit/", {**form_state(page2.content.decode()), **typed}, headers=EN)
    assert "Page 1 of 2" in page1.content.decode()
    again = client.post("/s/visit/", {**form_state(page1.content.decode()), "next": "1", f"q{q['nps'].pk}": "3"})
    html = again.content.decode()
    assert f'value="{choices[1].pk}" checked' in html
    assert f'value="{choices[0].pk}" checked' not in html
    assert ">Slow till</textarea>" in html


def test_back_keeps_the_valid_answers_and_drops_only_the_invalid_one(client, visit):
    _survey, q, choices = visit
    page2 = to_page_two(client, "/s/visit/", q)
    typed = {f"q{q['improve'].pk}": str(choices[0].pk), f"q{q['comment'].pk}": "x" * 21, "back": "1"}
    page1 = client.post("/s/visit/", {**form_state(page2.content.decode()), **typed})
    again = client.post("/s/visit/", {**form_state(page1.content.decode()), "next": "1", f"q{q['nps'].pk}": "3"})
    html = again.content.decode()
    assert f'value="{choices[0].pk}" checked' in html
    assert "x" * 21 not in html
    assert 'class="field-message"' not in html  # going forward again is not an error until Send


def send_page_two(client, url, q, choices, **extra):
    page2 = to_page_two(client, url, q)
    data = {**form_state(page2.content.decode()), "next": "1", f"q{q['improve'].pk}": str(choices[0].pk), **extra}
    return client.post(url, data, headers=EN), page2


def test_a_fast_person_whose_browser_marked_the_page_is_saved(client, visit, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 60
    _survey, q, choices = visit
    page2 = to_page_two(client, "/s/visit/", q)
    key = signing.loads(form_state(page2.content.decode())["state"], salt="surveys.state:visit")["n"]
    assert f'name="human" value="" data-token="{human_token(key)}"' in page2.content.decode()
    data = {**form_state(page2.content.decode()), "next": "1", f"q{q['improve'].pk}": str(choices[0].pk)}
    assert client.post("/s/visit/", {**data, "human": human_token(key)}).status_code == 302
    assert Response.objects.get().answers.count() == 2


def test_a_fast_untouched_page_with_a_wrong_mark_is_asked_to_confirm_not_dropped(client, visit, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 60
    _survey, q, choices = visit
    reply, _page2 = send_page_two(client, "/s/visit/", q, choices, human="forged")
    html = reply.content.decode()
    assert reply.status_code == 400
    assert 'id="id_confirm_send_error">We could not tell that a person sent these answers.' in html
    assert f'value="{choices[0].pk}" checked' in html  # nothing the customer chose is lost
    assert Response.objects.count() == 0


def test_a_slow_page_needs_no_mark_at_all(client, visit, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0  # as if minutes had passed: a person without JavaScript
    _survey, q, choices = visit
    assert send_page_two(client, "/s/visit/", q, choices)[0].status_code == 302


def test_the_answered_cookie_of_one_link_does_not_open_another(client, visit):
    survey, q, choices = visit
    mine, other = InvitationFactory(survey=survey), InvitationFactory(survey=survey)
    response_submit(survey=survey, questions=list(survey.questions.all()), answers={q["nps"].pk: 9},
                    language="en", source="invitation", invitation=other)  # fmt: skip
    assert send_page_two(client, f"/s/i/{mine.token}/", q, choices)[0].status_code == 302
    cookie = client.cookies[ANSWERED_COOKIE]
    assert cookie["path"] == f"/s/i/{mine.token}/"
    assert cookie["httponly"] is True
    forged = Client()
    value = signing.get_cookie_signer(salt=ANSWERED_COOKIE + answered_salt(mine.token)).sign("1")
    forged.cookies[ANSWERED_COOKIE] = value
    assert b"Your answers were already received" in forged.get(f"/s/i/{mine.token}/", headers=EN).content
    forged.cookies[ANSWERED_COOKIE] = value  # mine, replayed against the other answered link
    assert forged.get(f"/s/i/{other.token}/", headers=EN).content == Client().get("/s/i/unknown/", headers=EN).content


def test_unsubscribe_keeps_the_customers_language_over_both_steps(client):
    invitation = InvitationFactory(customer=CustomerFactory(language="ru"))
    url = f"/u/{unsubscribe_token(invitation)}/"
    ask = client.get(url, headers=EN).content.decode()  # an English browser, a Russian customer
    assert '<html lang="ru">' in ask
    assert '<input type="hidden" name="lang" value="ru">' in ask
    done = client.post(url, {"lang": "ru"}, headers=EN).content.decode()
    assert '<html lang="ru">' in done
    assert "Вы отписались" in done


def test_unsubscribe_in_the_language_chosen_by_link_stays_in_it(client):
    invitation = InvitationFactory(customer=CustomerFactory(language="ru"))
    url = f"/u/{unsubscribe_token(invitation)}/"
    ask = client.get(f"{url}?lang=en").content.decode()
    assert "Stop feedback requests?" in ask
    assert '<input type="hidden" name="lang" value="en">' in ask
    done = client.post(url, {"lang": "en"}, headers={"accept-language": "ru"}).content.decode()
    assert "You are unsubscribed" in done
    assert Customer.objects.get(pk=invitation.customer_id).opted_out_at is not None


# Asking a public-link customer how to contact them ---------------------------------------------------------


def contact_answers(q, choices, contact_me="1", contact=None):
    data = {f"q{q['improve'].pk}": str(choices[0].pk), f"q{q['contact_me'].pk}": contact_me}
    return data if contact is None else {**data, "contact": contact}


def test_yes_contact_me_on_a_public_link_asks_how_with_a_marked_field(client, visit):
    _survey, q, choices = visit
    page2 = to_page_two(client, "/s/visit/", q)
    html = page2.content.decode()
    assert f'id="block_contact" data-show-if="q{q["contact_me"].pk}" data-op="eq" data-value="1"' in html
    reply = client.post("/s/visit/", {**form_state(html), "next": "1", **contact_answers(q, choices)}, headers=EN)
    assert reply.status_code == 400
    assert (
        '<a href="#id_contact">How to contact you: Tell us how to reach you: a phone number or an e-mail address.</a>'
        in reply.content.decode()
    )
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("call me maybe", "Enter a phone number (6 to 15 digits) or an e-mail address."),
        ("12345", "Enter a phone number (6 to 15 digits) or an e-mail address."),
        ("anna@", "Enter a valid e-mail address, e.g. name@example.com."),
    ],
)
def test_contact_details_that_reach_nobody_are_refused_on_the_field(client, visit, typed, message):
    _survey, q, choices = visit
    page2 = to_page_two(client, "/s/visit/", q)
    data = {**form_state(page2.content.decode()), "next": "1", **contact_answers(q, choices, contact=typed)}
    html = client.post("/s/visit/", data, headers=EN).content.decode()
    assert f'<p class="field-message" id="id_contact_error">{message}</p>' in html
    assert Response.objects.count() == 0


def test_contact_details_are_kept_with_the_response_and_shown_escaped_on_the_case(client, visit, org):
    _survey, q, choices = visit
    typed = "+7 (916) 123-45-67"
    reply = send_page_two(client, "/s/visit/", q, choices, **contact_answers(q, choices, contact=typed))[0]
    assert reply.status_code == 302
    response = Response.objects.get()
    assert (response.contact_details, response.customer) == (typed, None)
    case = FollowUp.objects.get(response=response)
    lead = Client()
    lead.force_login(org["people"]["lead"].user)
    page = lead.get(f"/followups/{case.pk}/", headers=EN).content.decode()
    assert f"<dt>How to contact (given in the survey)</dt><dd>{typed}</dd>" in page


def test_hostile_contact_details_are_escaped(client, visit, org):
    _survey, q, choices = visit
    hostile = "<img src=x onerror=alert(1)>@x.ru"  # not an address: refused, and shown back escaped
    page2 = to_page_two(client, "/s/visit/", q)
    data = {**form_state(page2.content.decode()), "next": "1", **contact_answers(q, choices, contact=hostile)}
    html = client.post("/s/visit/", data).content.decode()
    assert hostile not in html
    assert 'value="&lt;img src=x onerror=alert(1)&gt;@x.ru"' in html


def test_no_contact_wanted_keeps_no_details_and_invitations_are_not_asked(client, visit):
    survey, q, choices = visit
    reply = send_page_two(client, "/s/visit/", q, choices, **contact_answers(q, choices, "0", "anna@example.com"))[0]
    assert reply.status_code == 302
    assert Response.objects.get().contact_details == ""
    invitation = InvitationFactory(survey=survey, customer=CustomerFactory())
    page2 = to_page_two(Client(), f"/s/i/{invitation.token}/", q).content.decode()
    assert 'name="contact"' not in page2  # we know this customer already


def test_an_anonymous_survey_never_asks_for_or_keeps_contact_details(client, visit):
    survey, q, choices = visit
    survey.anonymous = True
    survey.save()
    page2 = to_page_two(client, "/s/visit/", q)
    assert 'name="contact"' not in page2.content.decode()
    extra = contact_answers(q, choices, contact="anna@example.com")
    data = {**form_state(page2.content.decode()), "next": "1", **extra}
    assert client.post("/s/visit/", data).status_code == 302
    assert Response.objects.get().contact_details == ""


# Invitations carry the unit they are about ------------------------------------------------------------------


def test_a_leads_distribution_reaches_the_store_of_each_customer(
    org, visit, client, django_capture_on_commit_callbacks
):
    survey, q, choices = visit
    CustomerFactory(external_id="X1", email="x1@example.com", home_unit=None)
    distribution = Distribution.objects.create(survey=survey, name="December", external_ids="N1\nS1\nX1")
    with django_capture_on_commit_callbacks(execute=False):
        assert distribution_launch(distribution_id=distribution.pk) == 3
    units = dict(Invitation.objects.values_list("customer__external_id", "unit__code"))
    assert units == {"N1": "north-store", "S1": "south-store", "X1": None}  # no home unit: the CX leads' queue

    north = Invitation.objects.get(customer=org["customers"]["north"])
    reply = send_page_two(client, f"/s/i/{north.token}/", q, choices)[0]
    assert reply.status_code == 302
    case = FollowUp.objects.get()
    assert (case.unit.code, case.owner) == ("north-store", org["people"]["store_manager"])
    manager = Client()
    manager.force_login(org["people"]["store_manager"].user)
    assert manager.get(f"/followups/{case.pk}/").status_code == 200
    timeline = manager.get(f"/customers/{org['customers']['north'].pk}/", headers=EN).content.decode()
    assert f"/followups/{case.pk}/" in timeline
    other = Client()
    other.force_login(org["people"]["south_manager"].user)
    assert other.get(f"/followups/{case.pk}/").status_code == 404


def test_an_invitation_for_a_transaction_defaults_to_the_customers_home_unit(org, visit):
    survey, _q, _choices = visit
    invitation, reason = invitation_for_transaction(survey=survey, customer=org["customers"]["south"],
                                                    send_email=False)  # fmt: skip
    assert (reason, invitation.unit) == ("", org["units"]["south_store"])
    given, _reason = invitation_for_transaction(survey=survey, customer=org["customers"]["north"], send_email=False,
                                                unit=org["units"]["north"], transaction_ref="T-2")  # fmt: skip
    assert given.unit == org["units"]["north"]


def test_existing_invitations_responses_and_cases_are_moved_to_the_store(org, visit):
    survey, q, _choices = visit
    distribution = Distribution.objects.create(survey=survey, name="Before the fix")
    invitation = Invitation.objects.create(survey=survey, distribution=distribution, customer=org["customers"]["north"])
    response = response_submit(survey=survey, questions=list(survey.questions.all()), answers={q["nps"].pk: 1},
                               language="ru", source="invitation", invitation=invitation,
                               customer=org["customers"]["north"])  # fmt: skip
    case = FollowUp.objects.get(response=response)
    assert (response.unit, case.unit, case.owner) == (None, None, None)  # as it was: the CX leads' queue
    migration = importlib.import_module("surveys.migrations.0007_invitation_units_for_cases")
    migration.forwards(apps, None)
    response.refresh_from_db()
    case.refresh_from_db()
    invitation.refresh_from_db()
    store = org["units"]["north_store"]
    assert (invitation.unit, response.unit, case.unit, case.owner) == (
        store, store, store, org["people"]["store_manager"],
    )  # fmt: skip


def test_a_filled_honeypot_on_a_touched_page_asks_to_confirm_instead_of_dropping(client, visit):
    """A browser's autofill can fill the hidden field; a person's answers are then never dropped in silence."""
    _survey, q, choices = visit
    page2 = to_page_two(client, "/s/visit/", q)
    fields = form_state(page2.content.decode())
    key = signing.loads(fields["state"], salt="surveys.state:visit")["n"]
    data = {**fields, "next": "1", f"q{q['improve'].pk}": str(choices[0].pk), "website": "https://anna.example"}
    asked = client.post("/s/visit/", {**data, "human": human_token(key)}, headers=EN)
    assert asked.status_code == 400
    assert (
        '<a href="#id_confirm_send">Send your answers: We could not tell that a person sent these answers.'
        in asked.content.decode()
    )
    assert Response.objects.count() == 0
    confirmed = {**data, **form_state(asked.content.decode()), "human": human_token(key), "confirm_send": "1"}
    assert client.post("/s/visit/", confirmed).status_code == 302
    assert Response.objects.count() == 1
    quiet = {**data, "state": fields["state"]}  # the same honeypot from a page nobody touched: thanked, not saved
    assert client.post("/s/visit/", quiet).status_code == 302
    assert Response.objects.count() == 1


def test_the_confirm_box_and_contact_field_speak_russian(client, visit, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 60
    _survey, q, choices = visit
    first = client.get("/s/visit/?lang=ru")
    page2 = client.post(
        "/s/visit/?lang=ru", {**form_state(first.content.decode()), "next": "1", f"q{q['nps'].pk}": "3"}
    )
    html = page2.content.decode()
    assert '<label for="id_contact" class="question-text">Как с вами связаться?</label>' in html
    data = {**form_state(html), "next": "1", f"q{q['improve'].pk}": str(choices[0].pk)}
    html = client.post("/s/visit/?lang=ru", data).content.decode()
    assert "Мы не смогли убедиться, что ответы отправил человек." in html
    assert "<span>Да, отправить мои ответы</span>" in html
