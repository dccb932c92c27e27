"""A customer on a phone, in Russian and in English: Back keeps what was typed, a quick answer goes through, asking to
be contacted asks how, and browser Back after "Send" then Send again stores nothing new."""

import re

import pytest

from surveys.models import FollowUp, Question, Response
from tests.surveys.factories import ChoiceFactory, QuestionFactory, SurveyFactory

expect = pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)").expect

pytestmark = pytest.mark.django_db(transaction=True)
QT = Question.Type
TEXTS = {
    "ru": {"next": "Далее", "send": "Отправить ответы", "back": "Назад", "yes": "Да", "queues": "Очереди",
           "received": "Ваши ответы уже получены", "contact": "Как с вами связаться?", "page": "Страница {} из 2"},
    "en": {"next": "Next", "send": "Send answers", "back": "Back", "yes": "Yes", "queues": "Queues",
           "received": "Your answers were already received", "contact": "How should we contact you?",
           "page": "Page {} of 2"},
}  # fmt: skip
COMMENT = "Касса одна, очередь 20 минут <b>"
CONTACT = "+7 916 123-45-67"


@pytest.fixture
def survey(transactional_db, settings):
    # A real browser marks the page when a person touches it, so even a minimum fill time of a minute refuses
    # nobody here; the live server reads the same settings.
    settings.SURVEY_MIN_FILL_SECONDS = 60
    survey = SurveyFactory(public_id="back-e2e", followup_nps_max=6, default_language="ru")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS, page=1, text_en="Recommend us?",
                          text_ru="Порекомендуете нас?")  # fmt: skip
    improve = QuestionFactory(survey=survey, code="improve", type=QT.MULTIPLE, page=2, order=1,
                              text_en="What to improve?", text_ru="Что улучшить?")  # fmt: skip
    for en, ru in (("Prices", "Цены"), ("Queues", "Очереди")):
        ChoiceFactory(question=improve, text_en=en, text_ru=ru)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, page=2, order=2, required=False,
                              text_en="Anything else?", text_ru="Что-нибудь ещё?")  # fmt: skip
    contact_me = QuestionFactory(survey=survey, code="contact_me", type=QT.YES_NO, page=2, order=3, required=False,
                                 text_en="May we contact you?", text_ru="Можно с вами связаться?")  # fmt: skip
    return survey, {"nps": nps, "improve": improve, "comment": comment, "contact_me": contact_me}


@pytest.fixture(params=["ru", "en"])
def phone(request, browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="ru-RU" if request.param == "ru" else "en-US",
    )  # fmt: skip
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page, request.param, errors
    context.close()


def test_back_keeps_answers_and_a_resend_after_thanks_saves_nothing(phone, survey, steps):
    page, language, console_errors = phone
    text = TEXTS[language]
    the_survey, q = survey
    steps.watch("phone", page)
    page.goto(f"/s/{the_survey.public_id}/")
    assert page.locator("html").get_attribute("lang") == language
    page.locator(f"#id_q{q['nps'].pk}").get_by_role("radio", name="3", exact=True).check()
    page.get_by_role("button", name=text["next"]).click()

    # Page 2: a choice, a comment, "yes, contact me" - which asks how - and then Back.
    expect(page.locator(".survey-progress label")).to_have_text(text["page"].format(2))
    contact = page.get_by_role("textbox", name=text["contact"])
    expect(contact).to_be_hidden()
    page.locator(f"#id_q{q['improve'].pk}").get_by_role("checkbox", name=text["queues"]).check()
    page.locator(f"#id_q{q['comment'].pk}").fill(COMMENT)
    page.locator(f"#id_q{q['contact_me'].pk}").get_by_role("radio", name=text["yes"], exact=True).check()
    expect(contact).to_be_visible()
    contact.fill(CONTACT)
    steps.shot("page-2-typed", page)
    page.get_by_role("button", name=text["back"]).click()

    expect(page.locator(".survey-progress label")).to_have_text(text["page"].format(1))
    expect(page.locator(f"#id_q{q['nps'].pk}").get_by_role("radio", name="3", exact=True)).to_be_checked()
    page.get_by_role("button", name=text["next"]).click()
    expect(page.locator(f"#id_q{q['improve'].pk}").get_by_role("checkbox", name=text["queues"])).to_be_checked()
    expect(page.locator(f"#id_q{q['comment'].pk}")).to_have_value(COMMENT)
    expect(contact).to_be_visible()
    expect(contact).to_have_value(CONTACT)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways on a phone"
    steps.shot("page-2-after-back", page)

    # Sent within seconds of opening the survey: a person's browser marked the page, so it goes through.
    page.get_by_role("button", name=text["send"]).click()
    expect(page).to_have_url(re.compile(rf"/s/{the_survey.public_id}/thanks/unhappy/\?lang={language}$"))
    steps.shot("thanks", page)

    # Browser Back to the last page, change the comment, Send again: "already received", nothing new stored.
    page.go_back()
    expect(page.get_by_role("button", name=text["send"])).to_be_visible()
    page.locator(f"#id_q{q['comment'].pk}").fill("Второй раз")
    steps.shot("back-after-thanks", page)
    page.get_by_role("button", name=text["send"]).click()
    expect(page.locator("h1")).to_have_text(text["received"])
    steps.shot("already-received", page)

    response = Response.objects.get()
    assert response.contact_details == CONTACT
    assert list(response.answers.filter(question=q["comment"]).values_list("text", flat=True)) == [COMMENT]
    assert FollowUp.objects.count() == 1
    # The 409 of the resend is the only failed request the page may log.
    assert [e for e in console_errors if "409" not in e] == []
