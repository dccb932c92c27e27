"""In a real browser: a customer answers the delivery survey on a phone, and the CX lead sees the journey map's
touchpoint move from "not enough data" to a live score on target, with the customer's comment behind it."""

import re

import pytest

from journeys.models import Journey, Stage, Touchpoint, TouchpointMeasure
from surveys.models import Question
from tests.surveys.factories import QuestionFactory, SurveyFactory

expect = pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)").expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "lead-pass-e2e-123"
CSAT_RU = "Насколько вы довольны курьерами?"
COMMENT_RU = "Что нам стоит знать?"
COMMENT = "Курьер позвонил за час и занёс диван на пятый этаж."


@pytest.fixture(autouse=True)
def _settings(settings):
    """One answer is enough for a score here (the live server reads the same settings), and the browser answers
    faster than the public page's minimum fill time."""
    settings.RESULTS_MIN_SAMPLE = 1
    settings.SURVEY_MIN_FILL_SECONDS = 0


@pytest.fixture
def mapped(org):
    lead = org["people"]["lead"]
    lead.user.set_password(PASSWORD)
    lead.user.save(update_fields=["password"])
    survey = SurveyFactory(name="Delivery (e2e)", title_ru="Ваша доставка")
    csat = QuestionFactory(survey=survey, code="courier", type=Question.Type.CSAT, order=1, text_ru=CSAT_RU)
    QuestionFactory(survey=survey, code="comment", type=Question.Type.LONG_TEXT, order=2, text_ru=COMMENT_RU,
                    required=False)  # fmt: skip
    journey = Journey.objects.create(name="Get my order delivered")
    stage = Stage.objects.create(journey=journey, order=1, name="Receive the order")
    courier = Touchpoint.objects.create(stage=stage, code="courier", name="Couriers", channel="delivery", target=80)
    TouchpointMeasure.objects.create(touchpoint=courier, question=csat)
    return {"lead": lead, "survey": survey, "journey": journey}


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=f"Sign out {username}")).to_be_visible()


def couriers_card(page):
    return page.locator("article.touchpoint", has=page.get_by_role("heading", name="Couriers"))


def test_a_new_answer_shows_on_the_journey_map(mapped, lead_context, phone_context, steps):
    page = lead_context.new_page()
    steps.watch("lead", page)
    sign_in(page, "lead")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Journeys", exact=True).click()
    page.get_by_role("link", name="Get my order delivered").click()
    expect(page).to_have_url(re.compile(rf"/journeys/{mapped['journey'].pk}/$"))
    expect(page.get_by_role("heading", name="Receive the order")).to_be_visible()
    card = couriers_card(page)
    expect(card.locator(".figure-missing")).to_have_text("Not enough data")
    expect(card.locator(".status-line")).to_have_text("Too few answers to judge")
    steps.shot("map-before", page)

    phone = phone_context.new_page()
    steps.watch("customer", phone)
    phone.goto(f"/s/{mapped['survey'].public_id}/")
    expect(phone.locator("h1")).to_have_text("Ваша доставка")
    phone.get_by_role("group", name=CSAT_RU).get_by_role("radio", name="5", exact=True).check()
    phone.get_by_role("textbox", name=COMMENT_RU).fill(COMMENT)
    steps.shot("phone-answers", phone)
    phone.locator('button[name="next"]').click()
    expect(phone).to_have_url(re.compile(r"/thanks/happy/"))
    steps.shot("phone-thanks", phone)

    page.reload()
    card = couriers_card(page)
    expect(card.locator(".figure-value")).to_have_text("100%")
    expect(card.locator(".figure-meta")).to_contain_text("n = 1")
    expect(card.locator(".status-line")).to_have_text("On target (80)")
    expect(card).to_have_class(re.compile(r"status-met"))
    steps.shot("map-after", page)

    card.get_by_role("link", name="Couriers").click()
    expect(page.get_by_role("heading", name="Couriers", level=1)).to_be_visible()
    expect(page.locator("blockquote")).to_have_text(COMMENT)
    steps.shot("touchpoint", page)
