"""The case desk in a real browser: a store manager on a phone (Russian) lands on the unit's home page, filters the
queue to high-priority cases, opens the top one, replies from the seeded Russian template for the root cause and
resolves the case, with a confirmation after each step; each role's home page shows the results pages' numbers."""

import re

import pytest

from surveys.demo_replies import seed_reply_templates
from surveys.links import ResponseContext
from surveys.models import FollowUp, Question, ReplyTemplate, Response
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

expect = pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)").expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "desk-pass-e2e-123"
COMMENT = "Очередь на кассе — 25 минут, работала одна касса из шести."


@pytest.fixture
def desk(org):
    """Three open cases in the north store (one high priority from a high-value customer who writes in Russian),
    one in the south store; the demo's reply templates."""
    units, people = org["units"], org["people"]
    for who in ("store_manager", "lead"):
        people[who].user.set_password(PASSWORD)
        people[who].user.save(update_fields=["password"])
    survey = SurveyFactory(
        public_id="visit", name="visit-2026", title_en="Store visit", followup_nps_max=6, followup_sla_hours=8
    )
    nps = QuestionFactory(survey=survey, code="nps", type=Question.Type.NPS, order=1)
    comment = QuestionFactory(survey=survey, code="comment", type=Question.Type.LONG_TEXT, order=2, required=False)
    questions = list(survey.questions.all())

    def case(customer, score: int, unit, text: str = "") -> FollowUp:
        answers = {nps.pk: score, **({comment.pk: text} if text else {})}
        return response_submit(
            survey=survey, questions=questions, answers=answers, language="ru", source=Response.Source.PUBLIC_LINK,
            customer=customer, context=ResponseContext(unit=unit),
        ).followup  # fmt: skip

    vip = CustomerFactory(name="Вера Важная", email="vera@example.com", language="ru", value_tier="high")
    top = case(vip, 1, units["north_store"], COMMENT)
    case(CustomerFactory(name="Lev Low", value_tier="low"), 5, units["north_store"])
    case(CustomerFactory(name="Mila Medium", value_tier="medium"), 4, units["north_store"])
    case(CustomerFactory(name="Sasha South", value_tier="high"), 0, units["south_store"])
    seed_reply_templates()
    return {"top": top, "survey": survey}


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.locator("form[action='/accounts/logout/'] button")).to_be_visible()


def test_manager_works_the_top_case_from_a_phone(desk, org, phone_context, steps, mailoutbox):
    manager, top = org["people"]["store_manager"], desk["top"]
    assert top.priority == 94 and top.owner == manager
    page = phone_context.new_page()
    steps.watch("manager", page)
    sign_in(page, manager.user.username)
    expect(page.locator("h1")).to_have_text("North store")  # the manager lands on the unit's home page
    expect(page.locator("[data-figure=open]")).to_have_text("3")  # the south store's case is not counted
    steps.shot("home", page)

    page.goto("/followups/")
    expect(page.locator("h1")).to_have_text("Обращения клиентов")
    page.locator("details.desk-more summary").click()
    page.get_by_label("Приоритет").select_option("high")
    page.get_by_role("button", name="Показать").click()
    expect(page).to_have_url(re.compile(r"priority=high"))
    rows = page.locator("table.desk tbody tr")
    expect(rows).to_have_count(1)
    deadline = rows.first.locator(".deadline")
    expect(deadline).to_contain_text("Срок через")
    deadline.scroll_into_view_if_needed()
    expect(deadline).to_be_in_viewport(ratio=1)
    box = deadline.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, "the deadline is off-screen on a phone"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the queue scrolls sideways on a phone"
    expect(rows.first.locator(".snippet")).to_contain_text("Очередь на кассе")
    steps.shot("queue-filtered", page)

    rows.first.get_by_role("link", name=re.compile(rf"#{top.pk} ")).click()
    expect(page).to_have_url(re.compile(rf"/followups/{top.pk}/$"))
    template = ReplyTemplate.objects.get(language="ru", root_cause=FollowUp.RootCause.QUEUES)
    page.locator("select#template").select_option(str(template.pk))
    page.locator("select#template").locator("xpath=ancestor::form").locator("button").click()
    body = page.locator("section[aria-labelledby=reply-title] textarea")
    expect(body).to_have_value(re.compile("^Вера Важная, здравствуйте!\n\nПростите за долгое ожидание"))
    page.locator("section[aria-labelledby=reply-title] form[method=post] button[type=submit]").click()
    expect(page.locator(".messages")).to_have_text("Письмо отправляется клиенту.")
    assert [(m.to, m.subject) for m in mailoutbox] == [(["vera@example.com"], "Мы сократим очереди")]
    steps.shot("replied", page)

    resolve = page.locator("section[aria-labelledby=resolve-title]")
    resolve.locator("select[name=root_cause]").select_option("queues")
    resolve.locator("textarea[name=action_taken]").fill("Открыли вторую кассу в часы пик.")
    resolve.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_have_text("Обращение решено.")
    steps.shot("resolved", page)
    top.refresh_from_db()
    assert (top.status, top.root_cause) == (FollowUp.Status.RESOLVED, "queues")


@pytest.mark.parametrize("who", ["lead", "store_manager"])
def test_each_role_lands_on_its_numbers_which_are_the_results_pages(desk, org, lead_context, steps, who):
    page = lead_context.new_page()
    steps.watch(who, page)
    sign_in(page, org["people"][who].user.username)
    tile = page.locator("article.score-tile", has=page.get_by_role("link", name="Store visit"))
    home_figure = tile.locator("[data-figure=visit]").inner_text()
    steps.shot("home", page)
    tile.get_by_role("link", name="Store visit").click()
    expect(page).to_have_url(re.compile(r"/results/visit/\?date_from=.*&date_to="))
    results_figure = page.locator("section[aria-labelledby=headline-title] .headline").inner_text()
    assert home_figure == results_figure  # value (or "not enough data"), n and margin, as printed
    assert "n = 4" in home_figure if who == "lead" else "n = 3" in home_figure
