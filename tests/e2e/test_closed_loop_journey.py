"""The acceptance test of the closed loop, in a real browser: a high-value customer answers an invitation on a
phone as a detractor, and the store's manager finds the case at the top of the follow-up queue, contacts the
customer, resolves the case with a root cause, and sees the loop metrics move."""

import re

import pytest
from django.template.defaultfilters import floatformat

from surveys.links import ResponseContext
from surveys.models import FollowUp, FollowUpEvent, Invitation, Question, Response
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

expect = pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)").expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "manager-pass-e2e-123"
TITLE_RU = "Как прошёл ваш визит?"
THANKS_UNHAPPY_RU = "Нам жаль, что визит вас разочаровал. Менеджер магазина свяжется с вами сегодня."
NPS_RU = "Насколько вероятно, что вы порекомендуете нас другу?"
COMMENT_RU = "Что нам улучшить?"
CONTACT_RU = "Можно с вами связаться?"
COMMENT = "Очередь на кассе — 25 минут, работала одна касса из шести."
VIP_NAME, VIP_PHONE = "Vera Valuable", "+7 900 123-45-67"
CONTACT_NOTE = "Called Vera: apologised, she will come back on Saturday."
ACTION = "Opened a second till at peak hours; a gift card sent to the customer."
ASK_IF_SOLVED = "E-mail the customer a one-click question: is it solved?"
ROOT_CAUSE, ROOT_CAUSE_LABEL = FollowUp.RootCause.QUEUES, "Queues and waiting"


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """A browser answers in well under the 3 s the public page asks for; the live server reads the same settings."""
    settings.SURVEY_MIN_FILL_SECONDS = 0


@pytest.fixture
def loop(org):
    """The store manager (with a password), a live survey that follows up NPS ≤ 6 within 8 business hours (so no
    deadline can pass while the test runs, whatever the time of day), an invitation of a high-value customer with
    a phone to it for the north store, and lower-priority open cases already waiting: two in the north store and
    one in the south store, which the north store's manager must not see."""
    units, people = org["units"], org["people"]
    manager = people["store_manager"]
    manager.user.set_password(PASSWORD)
    manager.user.save(update_fields=["password"])

    survey = SurveyFactory(
        name="Store visit (closed loop e2e)",
        title_ru=TITLE_RU,
        thank_you_unhappy_ru=THANKS_UNHAPPY_RU,
        followup_nps_max=6,
        followup_sla_hours=8,
    )
    nps = QuestionFactory(survey=survey, code="nps", type=Question.Type.NPS, order=1, text_ru=NPS_RU)
    QuestionFactory(survey=survey, code="comment", type=Question.Type.LONG_TEXT, order=2, text_ru=COMMENT_RU)
    QuestionFactory(survey=survey, code="contact_me", type=Question.Type.YES_NO, order=3, text_ru=CONTACT_RU)
    questions = list(survey.questions.all())

    def earlier_case(customer, score: int, unit) -> FollowUp:
        response = response_submit(
            survey=survey,
            questions=questions,
            answers={nps.pk: score},
            language="ru",
            source=Response.Source.PUBLIC_LINK,
            customer=customer,
            context=ResponseContext(unit=unit),
        )
        return response.followup

    waiting = [
        earlier_case(CustomerFactory(name="Lev Low", value_tier="low"), 5, units["north_store"]),
        earlier_case(CustomerFactory(name="Mila Medium", value_tier="medium"), 0, units["north_store"]),
    ]
    elsewhere = earlier_case(CustomerFactory(name="Sasha South", value_tier="high"), 0, units["south_store"])
    vip = CustomerFactory(name=VIP_NAME, phone=VIP_PHONE, value_tier="high", home_unit=units["north_store"])
    invitation = Invitation.objects.create(
        survey=survey, customer=vip, unit=units["north_store"], employee=people["alice"]
    )
    assert [case.priority for case in waiting] == [30, 80]  # 60 × unhappiness + 0 (low) / 20 (medium)
    assert all(case.owner == manager and case.status == FollowUp.Status.NEW for case in waiting)
    assert elsewhere.unit == units["south_store"]
    return {"manager": manager, "survey": survey, "invitation": invitation, "waiting": waiting, "vip": vip}


def answer_on_a_phone(page, steps, invitation: Invitation) -> None:
    """Step 2: the customer opens the personal link on a phone (in Russian, her language) and is a detractor."""
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"/s/i/{invitation.token}/")
    assert page.locator("html").get_attribute("lang") == "ru"
    expect(page.locator("h1")).to_have_text(TITLE_RU)
    page.get_by_role("group", name=NPS_RU).get_by_role("radio", name="1", exact=True).check()
    page.get_by_role("textbox", name=COMMENT_RU, exact=True).fill(COMMENT)
    page.get_by_role("group", name=CONTACT_RU).get_by_role("radio", name="Да", exact=True).check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways on a phone"
    steps.shot("phone-answers", page)
    send = page.locator('button[name="next"]')
    expect(send).to_have_text("Отправить ответы")
    send.click()

    expect(page).to_have_url(re.compile(r"/thanks/unhappy/\?lang=ru$"))
    expect(page.locator("h1")).to_have_text("Спасибо!")
    expect(page.locator(".survey-text")).to_have_text(THANKS_UNHAPPY_RU)
    steps.shot("phone-thanks", page)
    assert dialogs == []


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=f"Sign out {username}")).to_be_visible()


def open_queue(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Follow-ups", exact=True).click()
    expect(page).to_have_url(re.compile(r"/followups/$"))
    expect(page.get_by_role("heading", name="Case desk", level=1)).to_be_visible()


def loop_figures(page) -> dict[str, str]:
    """The loop metrics card as {label: figure}, as shown."""
    card = page.locator("section[aria-labelledby=loop-title]")
    expect(card.get_by_role("heading", name="How the loop closes")).to_be_visible()
    labels = [text.strip() for text in card.locator("dl.figures dt").all_inner_texts()]
    values = [text.strip() for text in card.locator("dl.figures dd").all_inner_texts()]
    return dict(zip(labels, values, strict=True))


def queue_rows(page):
    """The queue's rows: its table comes last, after the answers-by-channel table once a case is answered."""
    return page.locator("table.data").last.locator("tbody tr")


def case_link(case: FollowUp) -> str:
    return f"#{case.pk} {case.reasons}"


def test_store_manager_closes_the_loop_with_a_high_value_detractor(
    loop, phone_context, lead_context, steps, mailoutbox
):
    manager, invitation, waiting = loop["manager"], loop["invitation"], loop["waiting"]

    phone = phone_context.new_page()
    steps.watch("customer", phone)
    answer_on_a_phone(phone, steps, invitation)
    case = FollowUp.objects.select_related("response").get(response__invitation=invitation)
    assert case.priority == 94  # 60 × (1 − 1/10) + 40 (high value): above every waiting case
    assert case.owner == manager and case.status == FollowUp.Status.NEW
    assert case.reasons.startswith("NPS 1; ")  # and the customer asked to be contacted

    # Step 3: the manager signs in on a desktop, in English, and finds the case first in the queue.
    page = lead_context.new_page()
    steps.watch("manager", page)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, manager.user.username)
    open_queue(page)
    expect(page.get_by_role("navigation", name="Quick views").get_by_role("link", name="Open")).to_have_attribute(
        "aria-current", "page"
    )
    rows = queue_rows(page)
    expect(rows).to_have_count(3)  # the south store's case is not this manager's to see
    expect(rows.locator("th a")).to_have_text([case_link(case), case_link(waiting[1]), case_link(waiting[0])])
    first = rows.first
    expect(first.locator("td").nth(1)).to_have_text(f"{VIP_NAME} High value")
    expect(first.locator("td").nth(2)).to_have_text("North store")
    expect(first.locator("td").nth(3)).to_have_text(str(manager))
    expect(first.locator("td").nth(4)).to_have_text("New")
    expect(page.locator("tr.overdue")).to_have_count(0)
    before = loop_figures(page)
    assert before == {
        "Contacted in time": "—",  # no deadline has passed and nobody was contacted yet
        "Median time to first contact": "—",
        "Median time to resolve": "—",
        "Won back": "—",
        "Open": "3",
        "Overdue": "0",
    }
    steps.shot("queue-before", page)

    # The case page: who the customer is, how to reach her, and what she said.
    first.get_by_role("link", name=case_link(case)).click()
    expect(page).to_have_url(re.compile(rf"/followups/{case.pk}/$"))
    expect(page.locator("h1")).to_have_text(f"{case_link(case)} New")
    customer_card = page.locator("section[aria-labelledby=customer-title]")
    expect(customer_card.locator("dt", has_text="Name").locator("+ dd")).to_have_text(VIP_NAME)
    phone_link = customer_card.get_by_role("link", name=VIP_PHONE, exact=True)
    expect(phone_link).to_have_attribute("href", f"tel:{VIP_PHONE}")
    expect(customer_card.locator("dt", has_text="Value tier").locator("+ dd")).to_have_text("High value")
    answers_card = page.locator("section[aria-labelledby=answers-title]")
    expect(answers_card.locator("dt", has_text="nps").locator("+ dd")).to_have_text("1 on a scale of 0–10")
    expect(answers_card.locator("dt", has_text="comment").locator("+ dd")).to_have_text(COMMENT)
    steps.shot("case", page)

    # "I contacted the customer", with a note.
    page.get_by_label("What was said (optional)").fill(CONTACT_NOTE)
    page.get_by_role("button", name="I contacted the customer").click()
    expect(page.locator("h1 .tag")).to_have_text("Contacted")
    history = page.locator("section[aria-labelledby=history-title] li")
    expect(history.last).to_contain_text(f"Customer contacted · {manager}: {CONTACT_NOTE}")
    steps.shot("contacted", page)

    # Resolving without a root cause is refused, with the error at the field; the action typed is kept.
    resolve = page.locator("section[aria-labelledby=resolve-title]")
    resolve.get_by_label("Action taken").fill(ACTION)
    resolve.get_by_role("button", name="Resolve the case").click()
    root_field = resolve.locator(".field.field-error")
    expect(root_field).to_have_count(1)
    expect(root_field.locator("label")).to_have_text("Root cause")
    expect(root_field.locator(".field-message")).to_have_text("This field is required.")
    expect(page.locator("h1 .tag")).to_have_text("Contacted")
    expect(resolve.get_by_label("Action taken")).to_have_value(ACTION)
    steps.shot("resolve-refused", page)
    assert FollowUp.objects.get(pk=case.pk).status == FollowUp.Status.CONTACTED

    resolve.get_by_label("Root cause").select_option(label=ROOT_CAUSE_LABEL)
    expect(resolve.get_by_label(ASK_IF_SOLVED)).to_be_checked()  # left on: the customer has an e-mail address
    assert mailoutbox == []
    resolve.get_by_role("button", name="Resolve the case").click()
    expect(page.locator("h1 .tag")).to_have_text("Resolved")
    expect(page.get_by_role("heading", name="Outcome")).to_be_visible()
    expect(page.get_by_role("heading", name="Outcome").locator("+ p")).to_have_text(
        f"Resolved · {ROOT_CAUSE_LABEL}: {ACTION}"
    )
    expect(page.get_by_role("button", name="Resolve the case")).to_have_count(0)
    expect(history.last).to_contain_text(f"Customer asked whether solved: {loop['vip'].email}")
    steps.shot("resolved", page)
    assert [(m.to, m.subject) for m in mailoutbox] == [([loop["vip"].email], "Ваша проблема решена?")]

    # Step 4: back on the queue, the case has left "Open" for "Finished", and the figures moved.
    open_queue(page)
    rows = queue_rows(page)
    expect(rows).to_have_count(2)
    expect(rows.locator("th a")).to_have_text([case_link(waiting[1]), case_link(waiting[0])])
    after = loop_figures(page)
    case.refresh_from_db()
    to_contact = floatformat((case.first_contact_at - case.created_at).total_seconds() / 60, 0)
    to_resolve = floatformat((case.resolved_at - case.created_at).total_seconds() / 60, 0)
    assert after == {
        "Contacted in time": "100%",  # the only case judged so far: contacted before its deadline
        "Median time to first contact": f"{to_contact} min",
        "Median time to resolve": f"{to_resolve} min",
        "Won back": "—",  # asked whether it is solved, the customer has not answered yet
        "Open": str(int(before["Open"]) - 1),
        "Overdue": "0",
    }
    assert re.fullmatch(r"\d+ min", after["Median time to resolve"])
    expect(page.locator("section[aria-labelledby=loop-title] p.muted")).to_have_text(
        f"Top root causes: {ROOT_CAUSE_LABEL} (1)"
    )
    steps.shot("queue-after", page)

    page.get_by_role("navigation", name="Quick views").get_by_role("link", name="Finished").click()
    expect(page).to_have_url(re.compile(r"/followups/\?status=done$"))
    rows = queue_rows(page)
    expect(rows).to_have_count(1)
    expect(rows.locator("th a")).to_have_text(case_link(case))
    expect(rows.locator("td").nth(1)).to_have_text(f"{VIP_NAME} High value")
    expect(rows.locator("td").nth(4)).to_have_text("Resolved")
    assert loop_figures(page) == after
    steps.shot("finished", page)
    assert dialogs == []

    # Step 5: what was stored.
    assert case.status == FollowUp.Status.RESOLVED
    assert (case.root_cause, case.action_taken) == (ROOT_CAUSE, ACTION)
    assert case.first_contact_at is not None and case.resurvey_sent_at is not None and case.recovered is None
    assert case.created_at <= case.first_contact_at <= case.resolved_at <= case.due_at
    assert (case.owner, case.unit) == (manager, loop["invitation"].unit)
    events = list(case.events.order_by("at", "pk"))
    assert [event.kind for event in events] == [
        FollowUpEvent.Kind.OPENED,
        FollowUpEvent.Kind.ASSIGNED,
        FollowUpEvent.Kind.CONTACTED,
        FollowUpEvent.Kind.RESOLVED,
        FollowUpEvent.Kind.RESURVEY,  # the one-click "is it solved?" e-mail, asked for when resolving
    ]
    assert [event.actor for event in events] == [None, None, manager, manager, None]
    assert events[2].text == CONTACT_NOTE
    assert events[3].text == ACTION  # what the manager typed; the root cause is a code, worded when shown
    assert events[3].display_text == f"{ROOT_CAUSE_LABEL}: {ACTION}"
    response = case.response
    assert (response.customer, response.unit, response.source) == (loop["vip"], invitation.unit, "invitation")
    assert Invitation.objects.get(pk=invitation.pk).responded_at is not None
    assert [c.status for c in FollowUp.objects.filter(pk__in=[w.pk for w in waiting])] == [FollowUp.Status.NEW] * 2
