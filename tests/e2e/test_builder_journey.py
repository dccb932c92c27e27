"""The CX lead's authoring journey in a real browser (laptop): a three-page survey with display logic built from a
template without saving first, moved with the keyboard, previewed live, saved; then its distribution to a segment
with the audience counted by reason, an own invitation text with placeholders, and one confirmed send."""

import re

import pytest

from surveys.models import Distribution, Invitation, Survey
from tests.cxprogram.factories import CustomerFactory, SegmentFactory

expect = pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)").expect

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "lead-pass-e2e-123"


@pytest.fixture
def lead(org):
    user = org["people"]["lead"].user
    user.set_password(PASSWORD)
    user.is_staff = user.is_superuser = True
    user.email = "lead@example.com"
    user.save()
    families = SegmentFactory(code="families", name="Families")
    for name in ("Anna", "Boris", "Vera"):
        CustomerFactory(name=name, segment=families, language="ru", home_unit=org["units"]["north_store"])
    CustomerFactory(name="Opted", segment=families, consent=False)
    CustomerFactory(name="NoMail", segment=families, email="")
    CustomerFactory(name="Elsewhere")
    return {"user": user, "segment": families}


def test_lead_builds_previews_and_sends_a_survey(lead, lead_context, steps, mailoutbox):
    page = lead_context.new_page()
    steps.watch("lead", page)
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(lead["user"].username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.locator("h1")).to_have_text("Program overview")

    page.goto("/admin/surveys/build/")
    page.get_by_role("link", name="Store visit").click()
    expect(page).to_have_url(re.compile(r"template=store-visit"))
    page.get_by_label("Public id").fill("e2e-visit")
    cards = page.locator("[data-question]")
    expect(cards).to_have_count(4)
    staff = cards.nth(2)
    # Display logic before anything is saved: "staff" only if the customer found what they came for (yes = 1).
    staff.get_by_label("Show only if the answer to").select_option("found")
    staff.get_by_label("is", exact=True).select_option("eq")
    staff.get_by_label("Value").fill("1")
    preview = page.locator("#preview")
    expect(preview.locator(".preview-page h3")).to_have_text(["Page 1", "Page 2", "Page 3"])
    expect(preview).to_contain_text("shown only if: found equals 1")
    # Keyboard: Alt+↑ moves "staff" above "found" (its condition would then point forward), Alt+↓ puts it back.
    staff.get_by_label("Code").focus()
    page.keyboard.press("Alt+ArrowUp")
    expect(cards.nth(1).get_by_label("Code")).to_have_value("staff")
    expect(cards.nth(1).get_by_label("Code")).to_be_focused()
    page.keyboard.press("Alt+ArrowDown")
    expect(cards.nth(2).get_by_label("Code")).to_have_value("staff")
    page.locator("#preview-language").select_option("en")
    expect(preview).to_contain_text("Did you find what you came for?")
    steps.shot("builder", page)
    page.get_by_role("button", name="Save the survey").click()
    expect(page.locator(".messagelist")).to_contain_text("is saved as a draft")
    survey = Survey.objects.get(public_id="e2e-visit")
    staff_question = survey.questions.get(code="staff")
    assert (staff_question.show_if_question.code, staff_question.show_if_operator, staff_question.show_if_value) == (
        "found", "eq", 1,
    )  # fmt: skip
    assert sorted(set(survey.questions.values_list("page", flat=True))) == [1, 2, 3]

    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.LIVE)
    # From the builder to a distribution for one segment, through the admin's form, then its sending page.
    page.get_by_role("link", name="Send it to customers…").click()
    expect(page.locator("#id_survey")).to_have_value(str(survey.pk))
    page.locator("#id_name").fill("Families first")
    page.locator("#id_segments_from option", has_text="Families").dblclick()  # into "Chosen segments"
    expect(page.locator("#id_segments_to option")).to_have_text(["Families"])
    page.locator("input[name=_continue]").click()
    distribution = Distribution.objects.get(name="Families first")
    assert list(distribution.segments.values_list("code", flat=True)) == ["families"]
    page.get_by_role("link", name="Review and send").click()
    expect(page.locator("[data-figure=reached]")).to_have_text("3")
    expect(page.locator("[data-reason=not_contactable]")).to_have_text("1")
    expect(page.locator("[data-reason=no_email]")).to_have_text("1")
    invitation = page.locator("section[aria-labelledby=text-invitation] [lang=ru]")
    invitation.get_by_label("Subject").fill("{name}, как прошёл визит в {store}?")
    invitation.get_by_label("Text").fill("Здравствуйте, {name}! Ответьте на три вопроса: {link}")
    invitation.get_by_role("button", name="Save the text").click()
    expect(page.locator(".messages")).to_have_text("The text is saved.")
    expect(page.locator("section[aria-labelledby=text-invitation] .email-preview").first).to_contain_text(
        "Анна, как прошёл визит в Your store?"
    )
    steps.shot("sending", page)
    page.get_by_label("I have checked the audience and the texts").check()
    page.get_by_role("button", name="Send to 3 customers").click()
    expect(page.locator(".messages")).to_contain_text("Sending has started")
    assert Invitation.objects.filter(distribution=distribution).count() == 3
    subjects = sorted(m.subject for m in mailoutbox)
    assert subjects == ["Anna, как прошёл визит в North store?", "Boris, как прошёл визит в North store?",
                        "Vera, как прошёл визит в North store?"]  # fmt: skip
