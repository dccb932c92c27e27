"""Public answers in a real browser: the store manager drafts the answer to a public review on its case page, the
CX lead finds it under "Public answers", sends it back with a note, the manager edits it, the lead approves it;
the case page then shows what was said publicly, by whom and who approved it, with no form left to change it."""

import pytest

from surveys.models import Complaint
from surveys.services.complaints import Incoming, complaint_receive

expect = pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)").expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "public-pass-e2e-123"


@pytest.fixture
def review(org):
    for who in ("store_manager", "lead"):
        org["people"][who].user.set_password(PASSWORD)
        org["people"][who].user.save(update_fields=["password"])
    complaint, _new = complaint_receive(
        incoming=Incoming(
            message_id="review-77", channel="social", text="Продавец <b>нагрубил</b>, больше не приду",
            public_url="https://reviews.example/77", unit=org["units"]["north_store"], author_handle="@vera",
        )
    )  # fmt: skip
    return complaint


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.locator("form[action='/accounts/logout/'] button")).to_be_visible()


def test_a_public_answer_is_drafted_sent_back_edited_and_approved(browser, live_server, review, steps):
    contexts = [
        browser.new_context(base_url=live_server.url, locale="ru-RU", viewport={"width": 1280, "height": 900})
        for _ in range(2)
    ]
    try:
        manager, lead = (context.new_page() for context in contexts)
        steps.watch("manager", manager)
        steps.watch("lead", lead)
        sign_in(manager, "store.manager")
        manager.goto(review.followup.get_absolute_url())
        manager.get_by_role("textbox", name="Текст публичного ответа").fill("Сами виноваты")
        manager.get_by_role("button", name="Отправить на проверку").click()
        expect(manager.locator("#public-answer")).to_contain_text("Ждёт проверки")
        expect(manager.get_by_role("button", name="Одобрить: это мы отвечаем публично")).to_have_count(0)
        steps.shot("drafted", manager)

        sign_in(lead, "lead")
        lead.get_by_role("link", name="Публичные ответы").first.click()
        expect(lead.get_by_role("heading", name="Публичные ответы на проверке")).to_be_visible()
        lead.get_by_role("link", name=f"#{review.followup_id}").click()
        lead.get_by_label("Что изменить").fill("Извинитесь, без упрёков")
        lead.get_by_role("button", name="Вернуть автору").click()
        expect(lead.locator("#public-answer")).to_contain_text("Возвращён автору")

        manager.reload()
        expect(manager.locator("#public-answer")).to_contain_text("Извинитесь, без упрёков")
        manager.get_by_label("Изменить публичный ответ").fill("Вера, простите нас. Мы поговорили с продавцом.")
        manager.get_by_role("button", name="Отправить на проверку").click()
        expect(manager.locator("#public-answer")).to_contain_text("Ждёт проверки")

        lead.reload()
        lead.get_by_role("button", name="Одобрить: это мы отвечаем публично").click()
        section = lead.locator("#public-answer")
        expect(section).to_contain_text("Опубликован")
        expect(section).to_contain_text("Вера, простите нас. Мы поговорили с продавцом.")
        expect(section.get_by_role("button")).to_have_count(0)  # nothing left to change
        steps.shot("approved", lead)
        complaint = Complaint.objects.get()
        assert (complaint.public_reply_by.user.username, complaint.public_reply_reviewed_by.user.username) == (
            "store.manager", "lead",
        )  # fmt: skip
    finally:
        for context in contexts:
            context.close()
