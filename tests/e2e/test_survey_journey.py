"""The acceptance test of surveys, in a real browser: a CX lead authors, previews and publishes a survey in the
admin, a customer answers it on a phone in Russian, and the lead finds the response - escaped - in the admin."""

import re

import pytest
from django.contrib.auth.hashers import make_password

from cxprogram.services import employee_upsert
from surveys.models import Answer, Question, Response, Survey
from tests.cxprogram.factories import UnitFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

expect = pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)").expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "lead-pass-e2e-123"
NAME = "Checkout NPS (e2e)"
TITLE_EN, TITLE_RU = "How was your visit?", "Как прошёл ваш визит?"
THANKS_RU = "Спасибо за ответы!"
THANKS_UNHAPPY_RU = "Нам жаль, что визит вас разочаровал. Менеджер магазина свяжется с вами сегодня."
NPS = {"code": "nps", "type": "nps", "page": "1", "en": "How likely are you to recommend us to a friend?",
       "ru": "Насколько вероятно, что вы порекомендуете нас другу?"}  # fmt: skip
IMPROVE = {"code": "improve", "type": "long_text", "page": "2", "en": "What should we improve?",
           "ru": "Что нам улучшить?"}  # fmt: skip
FOUND = {"code": "found", "type": "yes_no", "page": "3", "en": "Did you find everything you were looking for?",
         "ru": "Вы нашли всё, что искали?"}  # fmt: skip
QUESTIONS = [NPS, IMPROVE, FOUND]
COMMENT = "<script>alert(1)</script> Очередь на кассе — 20 минут, «быстрая касса» не работала."


@pytest.fixture
def lead(transactional_db):
    """A CX lead: staff, in the "CX leads" group, no superuser."""
    company = UnitFactory(kind="company", name="Уютный дом", code="company", parent=None)
    employee = employee_upsert(
        username="lead", unit=company, role="cx_lead", first_name="Lena", password_hash=make_password(PASSWORD)
    )
    assert employee.user.is_staff
    assert not employee.user.is_superuser
    return employee.user


@pytest.fixture
def other_survey(transactional_db):
    """Another live survey, whose questions must not be offered as conditions of the new one."""
    survey = SurveyFactory(name="Other survey", public_id="other-survey")
    QuestionFactory(survey=survey, code="other", type=Question.Type.NPS, text_en="Other survey's NPS")
    return survey


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """A browser answers in well under the 3 s the public page asks for; the live server reads the same settings."""
    settings.SURVEY_MIN_FILL_SECONDS = 0


def sign_in(page):
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out lead")).to_be_visible()


def inline_for(page, code: str):
    """The admin's stacked inline of the saved question with this code."""
    return page.locator(".inline-related").filter(has=page.locator(f'input[name$="-code"][value="{code}"]'))


def author_survey(page, steps, other: Survey) -> Survey:
    """Step 1: add the draft survey with three pages of questions in the admin, then the display logic."""
    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.locator("#surveys-survey").get_by_role("link", name="Surveys", exact=True).click()
    page.get_by_role("link", name="Add survey").click()
    expect(page.get_by_role("heading", name="Add survey")).to_be_visible()

    page.get_by_label("Internal name:").fill(NAME)
    expect(page.locator("#id_status")).to_have_value("draft")
    page.locator("#id_title_en").fill(TITLE_EN)
    page.locator("#id_title_ru").fill(TITLE_RU)
    page.locator("#id_thank_you_ru").fill(THANKS_RU)
    page.locator("#id_thank_you_unhappy_ru").fill(THANKS_UNHAPPY_RU)
    for index, question in enumerate(QUESTIONS):
        page.get_by_role("button", name="Add another Question").click()
        prefix = f"#id_questions-{index}-"
        expect(page.locator(f"{prefix}code")).to_be_visible()
        page.locator(f"{prefix}page").fill(question["page"])
        page.locator(f"{prefix}order").fill("1")
        page.locator(f"{prefix}code").fill(question["code"])
        page.locator(f"{prefix}type").select_option(question["type"])
        page.locator(f"{prefix}text_en").fill(question["en"])
        page.locator(f"{prefix}text_ru").fill(question["ru"])
        expect(page.locator(f"{prefix}required")).to_be_checked()
    steps.shot("admin-add-survey", page)
    page.locator("#survey_form").get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist .success")).to_contain_text(f"The survey “{NAME}” was added successfully.")
    expect(page.locator(".inline-related.has_original")).to_have_count(3)

    # The condition can only name a question of the same survey, so it is set once the questions exist.
    improve = inline_for(page, "improve")
    improve.locator("summary", has_text="Display logic").click()
    condition = improve.locator('select[name$="-show_if_question"]')
    expect(condition).to_be_visible()
    options = [text.strip() for text in condition.locator("option").all_inner_texts()]
    assert f"nps: {NPS['en']}" in options
    assert not [option for option in options if option.startswith(f"{other.questions.get().code}:")], options
    condition.select_option(label=f"nps: {NPS['en']}")
    improve.locator('select[name$="-show_if_operator"]').select_option("lte")
    improve.locator('input[name$="-show_if_value"]').fill("6")
    steps.shot("admin-display-logic", page)
    page.locator("#survey_form").get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    expect(page.locator(".errornote")).to_have_count(0)

    survey = Survey.objects.get(name=NAME)
    assert survey.public_id != other.public_id
    assert survey.status == Survey.Status.DRAFT
    questions = {q.code: q for q in survey.questions.all()}
    assert [(q.page, q.type) for q in survey.questions.order_by("page")] == [
        (1, "nps"),
        (2, "long_text"),
        (3, "yes_no"),
    ]
    assert questions["improve"].show_if_question_id == questions["nps"].pk
    assert (questions["improve"].show_if_operator, questions["improve"].show_if_value) == ("lte", 6)
    return survey


def preview(page, steps, survey: Survey) -> None:
    """Step 1, continued: the admin's preview link shows the draft to the lead, with the preview banner."""
    links = page.locator(".field-links .readonly")
    expect(links.get_by_role("link", name="public link", exact=True)).to_have_attribute(
        "href", f"/s/{survey.public_id}/"
    )
    with page.context.expect_page() as opened:
        links.get_by_role("link", name="preview", exact=True).click()
    preview = opened.value
    preview.wait_for_load_state()
    expect(preview).to_have_url(re.compile(rf"/s/{survey.public_id}/\?preview=1$"))
    expect(preview.locator("h1")).to_have_text(TITLE_EN)
    expect(preview.get_by_role("note")).to_have_text("Preview: answers are not saved.")
    expect(preview.locator("legend")).to_have_text(NPS["en"])
    steps.shot("preview", preview)
    preview.close()


def draft_is_closed_to_customers(page, steps, survey: Survey) -> None:
    """Before publishing, neither the public link nor its preview variant shows the draft to a customer."""
    for url in (f"/s/{survey.public_id}/", f"/s/{survey.public_id}/?preview=1"):
        response = page.goto(url)
        assert response.status == 404, url
        expect(page.locator("h1")).to_have_text("Опрос ещё не начался")
        expect(page.locator(".survey-card p")).to_have_text("Пожалуйста, загляните позже.")
        expect(page.locator("form")).to_have_count(0)
    steps.shot("phone-draft", page)


def publish(page, steps, survey: Survey) -> None:
    """Step 1, end: the changelist action publishes the draft."""
    page.goto("/admin/surveys/survey/")
    row = page.locator("#result_list tbody tr").filter(has_text=NAME)
    expect(row.locator("td.field-status")).to_have_text("Draft")
    row.locator("input.action-select").check()
    page.locator('select[name="action"]').select_option(label="Publish: make live")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .success")).to_have_text("1 survey is live.")
    expect(row.locator("td.field-status")).to_have_text("Live")
    steps.shot("published", page)
    survey.refresh_from_db()
    assert survey.status == Survey.Status.LIVE


def answer_on_a_phone(page, steps, survey: Survey) -> None:
    """Step 2: a customer answers the public link on a phone, in Russian."""
    questions = {q.code: q for q in survey.questions.all()}
    nps, improve, found = (questions[code] for code in ("nps", "improve", "found"))
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"/s/{survey.public_id}/")
    assert page.locator("html").get_attribute("lang") == "ru"
    expect(page.locator("h1")).to_have_text(TITLE_RU)
    expect(page.get_by_role("note")).to_have_count(0)  # no preview banner for customers
    expect(page.locator("#survey-progress")).to_have_attribute("value", "1")
    expect(page.locator("#survey-progress")).to_have_attribute("max", "3")
    expect(page.locator(f"#id_q{nps.pk} legend")).to_have_text(NPS["ru"])
    expect(page.locator(f"#id_q{nps.pk}").get_by_role("radio")).to_have_count(11)
    expect(page.locator(".survey-progress label")).to_have_text("Страница 1 из 3")
    next_button = page.locator('button[name="next"]')
    expect(next_button).to_have_text("Далее")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways on a phone"
    steps.shot("phone-page-1", page)

    # Sending page 1 empty: the error summary (focused, so screen readers announce it) and the field's error.
    next_button.click()
    error = "Пожалуйста, ответьте на этот вопрос."
    assert page.locator("html").get_attribute("lang") == "ru"
    summary = page.get_by_role("alert")
    expect(summary).to_have_count(1)
    expect(summary).to_have_attribute("id", "error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Проверьте ответы")
    expect(summary.get_by_role("link")).to_have_text(f"{NPS['ru']}: {error}")
    expect(summary.get_by_role("link")).to_have_attribute("href", f"#id_q{nps.pk}")
    field = page.locator(f"#id_q{nps.pk}")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", f"id_q{nps.pk}_error")
    expect(page.locator(f"#id_q{nps.pk}_error")).to_have_text(error)
    expect(page.locator("#survey-progress")).to_have_attribute("value", "1")
    steps.shot("phone-page-1-error", page)

    # NPS 3; page 2 then asks what to improve, because 3 ≤ 6.
    field.get_by_role("radio", name="3", exact=True).check()
    expect(field.get_by_role("radio", name="3", exact=True)).to_be_checked()
    next_button.click()
    expect(page.locator("#survey-progress")).to_have_attribute("value", "2")
    expect(page.locator(".survey-progress label")).to_have_text("Страница 2 из 3")
    expect(page.get_by_role("alert")).to_have_count(0)
    comment_box = page.get_by_role("textbox", name=IMPROVE["ru"], exact=True)
    expect(comment_box).to_be_visible()
    expect(page.locator(f"#block_q{improve.pk}")).to_be_visible()
    expect(page.locator('button[name="back"]')).to_have_text("Назад")
    comment_box.fill(COMMENT)
    steps.shot("phone-page-2", page)
    next_button.click()

    # Page 3: yes, then send.
    expect(page.locator("#survey-progress")).to_have_attribute("value", "3")
    expect(page.locator(f"#id_q{found.pk} legend")).to_have_text(FOUND["ru"])
    expect(next_button).to_have_text("Отправить ответы")
    page.locator(f"#id_q{found.pk}").get_by_role("radio", name="Да", exact=True).check()
    steps.shot("phone-page-3", page)
    next_button.click()

    # The thank-you page speaks to an unhappy customer (NPS 3 is in the 0-6 band).
    expect(page).to_have_url(re.compile(rf"/s/{survey.public_id}/thanks/unhappy/\?lang=ru$"))
    expect(page.locator("h1")).to_have_text("Спасибо!")
    expect(page.locator(".survey-kicker")).to_have_text(TITLE_RU)
    expect(page.locator(".survey-text")).to_have_text(THANKS_UNHAPPY_RU)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways on a phone"
    steps.shot("phone-thanks", page)
    assert dialogs == []


def find_the_response(page, steps, survey: Survey) -> None:
    """Step 3: the lead finds the response from the survey's row and reads the comment as text."""
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/admin/surveys/survey/")
    row = page.locator("#result_list tbody tr").filter(has_text=NAME)
    count = row.locator("td.field-response_count").get_by_role("link")
    expect(count).to_have_text("1")
    count.click()
    expect(page).to_have_url(re.compile(rf"/admin/surveys/response/\?survey__id__exact={survey.pk}$"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("td.field-survey")).to_have_text(NAME)
    expect(rows.locator("td.field-language")).to_have_text("Русский")
    expect(rows.locator("td.field-source")).to_have_text("Public link")
    steps.shot("admin-responses", page)

    rows.locator("th a").click()
    expect(page.get_by_role("heading", name="View response")).to_be_visible()
    answers = page.locator(".inline-group")
    expect(answers.get_by_text(COMMENT, exact=True)).to_be_visible()
    steps.shot("admin-response-detail", page)
    assert COMMENT in page.locator("#content-main").inner_text()
    injected = page.evaluate("[...document.scripts].filter(s => s.textContent.includes('alert(1)')).length")
    assert injected == 0, "the comment was rendered as a script element"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content()
    assert dialogs == []


def test_lead_authors_publishes_and_reads_a_phone_customers_answers(
    lead, other_survey, lead_context, phone_context, steps
):
    lead_page = lead_context.new_page()
    steps.watch("lead", lead_page)
    sign_in(lead_page)
    steps.shot("signed-in", lead_page)
    survey = author_survey(lead_page, steps, other_survey)
    preview(lead_page, steps, survey)

    phone_page = phone_context.new_page()
    steps.watch("customer", phone_page)
    draft_is_closed_to_customers(phone_page, steps, survey)
    publish(lead_page, steps, survey)
    answer_on_a_phone(phone_page, steps, survey)

    find_the_response(lead_page, steps, survey)

    response = Response.objects.get()
    assert (response.survey_id, response.language, response.source) == (survey.pk, "ru", "public_link")
    assert response.customer_id is None and response.invitation_id is None
    answers = {a.question.code: a for a in Answer.objects.filter(response=response).select_related("question")}
    assert sorted(answers) == ["found", "improve", "nps"]
    assert (answers["nps"].question_type, answers["nps"].number, answers["nps"].text) == (Question.Type.NPS, 3, "")
    assert (answers["improve"].number, answers["improve"].text) == (None, COMMENT)
    assert (answers["found"].question_type, answers["found"].number) == (Question.Type.YES_NO, 1)
    assert Answer.objects.count() == 3
