"""In a real browser, on the seeded demo: Alice reads her page — her KPIs, what her customers said, her
recognitions — and recognises Bob for a company value; Bob finds it on his page and on the wall, and cannot
open Alice's page."""

import re

import pytest
from django.core.management import call_command

from cxprogram.models import Employee

expect = pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)").expect

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = "Борис помог покупательнице с возвратом <b>за пять минут</b>."


@pytest.fixture
def demo():
    call_command("seed_demo", customers=300, responses=3000)


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=f"Sign out {username}")).to_be_visible()


def test_alice_reads_her_page_and_recognises_bob(demo, lead_context, steps):
    page = lead_context.new_page()
    steps.watch("alice", page)
    sign_in(page, "alice")
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", name="My KPIs", level=2)).to_be_visible()
    expect(page.locator(".kpi-card").first).to_be_visible()
    expect(page.get_by_role("heading", name="Довольны моей консультацией")).to_be_visible()
    comments = page.locator("section[aria-labelledby=comments-title] blockquote")
    expect(comments.first).to_be_visible()
    recognitions = page.locator("section[aria-labelledby=my-recognitions-title]")
    expect(recognitions.get_by_role("heading", name="My recognitions")).to_be_visible()
    received = int(recognitions.locator("dt", has_text="Recognitions received").locator("+ dd").inner_text())
    assert received >= 1
    steps.shot("alice-me", page)

    recognitions.get_by_role("link", name="Recognise a colleague").click()
    expect(page.get_by_role("heading", name="Recognise a colleague", level=1)).to_be_visible()
    bob = Employee.objects.select_related("user", "unit").get(user__username="bob")
    page.get_by_label("Colleague").select_option(label=f"{bob} — {bob.unit.name}")
    page.get_by_role("group", name="Company value they lived").get_by_role("radio").first.check()
    page.get_by_label("What did they do?").fill(MESSAGE)
    page.get_by_role("group", name="Who sees it").get_by_role("radio").first.check()
    steps.shot("recognise-form", page)
    page.get_by_role("button", name="Send recognition").click()
    expect(page).to_have_url(re.compile(r"/wall/"))
    expect(page.get_by_text(MESSAGE).first).to_be_visible()  # escaped: the tags show as text
    steps.shot("wall", page)

    alice = Employee.objects.get(user__username="alice")
    page.get_by_role("button", name="Sign out alice").click()
    sign_in(page, "bob")
    page.goto("/me/")
    expect(page.locator("section[aria-labelledby=my-recognitions-title]").get_by_text(MESSAGE)).to_be_visible()
    steps.shot("bob-me", page)
    response = page.goto(f"/employees/{alice.pk}/")
    assert response.status == 404
