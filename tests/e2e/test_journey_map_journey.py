"""In a real browser: a customer answers the delivery survey on a phone, and the CX lead sees the journey map's
touchpoint move from "not enough data" to a live score on target, with the customer's comment behind it."""

import re
from datetime import timedelta

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


@pytest.mark.parametrize(
    ("language", "computing", "as_of"),
    [("en", "Importance to overall NPS is being computed", "Importance to overall NPS as of"),
     ("ru", "Связь с общим NPS вычисляется", "Связь с общим NPS — по данным на")],
)  # fmt: skip
def test_the_map_says_its_importance_is_being_computed_then_from_when_it_is(
    mapped, browser, live_server, language, computing, as_of
):
    """The first visit finds no importance for the period: the map says it is being computed (and claims no
    touchpoint to fix first) and asks for it; the job (run at once here, by a worker in production) stores it, and
    the next visit shows it with the time it is true of."""
    from django.utils import timezone

    from journeys.models import ImportanceRun

    nps = QuestionFactory(survey=mapped["survey"], code="nps", type=Question.Type.NPS, order=3, required=False)
    mapped["journey"].outcome_question = nps
    mapped["journey"].save()
    context = browser.new_context(base_url=live_server.url, locale=language)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "lead")
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state("load")
    # the home page signed in to has asked for the default 90 days: the map is read over the last 30
    today = timezone.localdate()
    page.goto(f"/journeys/{mapped['journey'].pk}/?date_from={today - timedelta(days=29)}&date_to={today}")
    expect(page.locator(".importance-state")).to_contain_text(computing)
    expect(page.locator(".importance-state")).to_have_attribute("role", "status")
    page.reload()
    moment = timezone.localtime(ImportanceRun.objects.get(date_from=today - timedelta(days=29)).computed_at)
    shown_format = "%d.%m.%Y %H:%M" if language == "ru" else "%m/%d/%Y"
    shown = moment.strftime(shown_format)
    expect(page.locator(".importance-state")).to_contain_text(as_of)
    expect(page.locator(".importance-state")).to_contain_text(shown)
    page.goto("/")
    home_moment = timezone.localtime(ImportanceRun.objects.get(date_from=today - timedelta(days=89)).computed_at)
    expect(page.locator(".importance-state")).to_contain_text(home_moment.strftime(shown_format))
    context.close()
