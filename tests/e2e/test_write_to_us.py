"""The "write to us" form in a real browser, on a phone, in Russian: a store's link, a mistake shown beside its
field, the message sent, the thank-you page with the deadline; no accessibility violations, nothing wider than the
screen, and the message is one case of that store."""

import pytest

from surveys.links import write_link
from surveys.models import Complaint
from tests.cxprogram.factories import EmployeeFactory, UnitFactory
from tests.e2e.test_accessibility import AXE, PHONE, axe_violations, focus_problems

expect = pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)").expect

pytestmark = pytest.mark.django_db(transaction=True)

WIDER_THAN_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth"


@pytest.fixture
def store(transactional_db):
    company = UnitFactory(kind="company", name="Уютный дом", code="company", parent=None)
    store = UnitFactory(kind="store", name="Магазин на Тверской", code="tverskaya", parent=company)
    EmployeeFactory(user__username="manager", role="manager", unit=store)
    return store


def test_a_customer_writes_from_a_stores_link_on_a_phone_in_russian(browser, live_server, store, steps):
    context = browser.new_context(base_url=live_server.url, locale="ru-RU", **PHONE)
    context.set_default_timeout(15_000)
    if AXE.exists():
        context.add_init_script(path=str(AXE))
    try:
        page = context.new_page()
        steps.watch("write", page)
        page.goto(write_link(unit=store))
        expect(page.get_by_role("heading", name="Напишите нам")).to_be_visible()
        expect(page.get_by_text("Магазин на Тверской")).to_be_visible()
        expect(page.get_by_role("radio", name="По телефону")).to_be_checked()  # phone first
        assert page.evaluate(WIDER_THAN_SCREEN) is False
        steps.shot("form", page)

        page.get_by_role("button", name="Отправить").click()
        expect(page.get_by_role("alert").first).to_contain_text("Напишите, что случилось, хотя бы в нескольких словах.")
        message = page.get_by_label("Ваше сообщение")
        expect(message).to_have_attribute("aria-invalid", "true")
        expect(message).to_have_accessible_description("Напишите, что случилось, хотя бы в нескольких словах.")
        expect(page.locator("#id_phone")).to_have_accessible_description("Введите номер, по которому нам позвонить.")
        if AXE.exists():
            assert axe_violations(page) == []
        assert focus_problems(page) == []
        steps.shot("errors", page)

        message.fill("Долго ждал продавца в отделе кухонь, <b>никто</b> не подошёл")
        page.locator("#id_phone").fill("+7 912 345-67-89")
        page.get_by_role("button", name="Отправить").click()

        expect(page.get_by_role("heading", name="Спасибо!")).to_be_visible()
        expect(page.get_by_text("Мы свяжемся с вами до")).to_be_visible()
        if AXE.exists():
            assert axe_violations(page) == []
        steps.shot("thanks", page)
        complaint = Complaint.objects.select_related("followup__response").get()
        assert (complaint.unit, complaint.channel, complaint.text) == (
            store, "web", "Долго ждал продавца в отделе кухонь, <b>никто</b> не подошёл",
        )  # fmt: skip
        assert complaint.followup.response.contact_details == "+7 912 345-67-89"
    finally:
        context.close()
