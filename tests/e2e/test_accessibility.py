"""Accessibility in a real browser: axe-core (npm package, pinned in package.json) runs inside Chromium on the
hosted survey (every page, its error state and the thank-you page, in English and Russian, on a phone), on the
employee's own page, the follow-up pages, the results, the journey map, a touchpoint, a customer's timeline, the team
page, the celebration wall, the recognition form and the KPI values form (both sent back with errors), on a phone and
a desktop, and finds no WCAG 2 A/AA violation (every control labelled, enough contrast, ...); the keyboard's focus is
visible at every Tab stop; choices sit in fieldsets and keep their shape; every aria-labelledby / aria-describedby
names an element that exists, and every field marked invalid is described by its error message.

To check a new page, add it to `STAFF_PAGES` (or walk to it, like the survey). Skips, saying why, when axe-core
is not installed (`npm ci` at the repository's root; `make test` runs it) or Chromium is missing."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from journeys.models import Improvement, Persona
from kpis.models import Kpi, Recognition
from surveys.links import ResponseContext
from surveys.models import Question
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.journeys.factories import JourneyFactory, StageFactory, TouchpointFactory, measured_by
from tests.kpis.factories import CompanyValueFactory, KpiFactory, KpiMeasurementFactory, RecognitionFactory
from tests.surveys.factories import ChoiceFactory, QuestionFactory, SurveyFactory

expect = pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)").expect

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
QT = Question.Type
PASSWORD = "a11y-pass-e2e-123"
WCAG = ["wcag2a", "wcag2aa"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        pytest.skip(
            f"accessibility tests need axe-core at {AXE.relative_to(settings.BASE_DIR)}: run `npm ci` at the "
            "repository's root (`make test` does, when node and npm are installed)"
        )
    return AXE


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0


@pytest.fixture
def open_context(browser, live_server, axe_script):
    """New browser contexts with axe-core injected into every page (as an init script, so the site's strict
    Content-Security-Policy does not have to allow it)."""
    contexts = []

    def open_(locale: str, device: dict):
        context = browser.new_context(base_url=live_server.url, locale=locale, **device)
        context.set_default_timeout(15_000)
        context.add_init_script(path=str(axe_script))
        contexts.append(context)
        return context

    yield open_
    for context in contexts:
        context.close()


def axe_violations(page) -> list[str]:
    """WCAG 2 A and AA violations on the page as it is now, one line per failing element."""
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}: {node['failureSummary']}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


FOCUS_INDICATOR = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const shows = (node) => {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
      && style.outlineColor !== "rgba(0, 0, 0, 0)";
    return outline || (style.boxShadow !== "none" && style.boxShadow !== "");
  };
  // A visually hidden radio button (the survey's scales) shows its focus on the label it sits in.
  const holder = element.matches("input") ? element.closest("label") : null;
  const box = (holder || element).getBoundingClientRect();
  const label = (element.textContent || element.value || "").trim().slice(0, 30);
  return {
    element: `${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}`
      + `${element.name ? "[name=" + element.name + "]" : ""} ${label}`,
    visible: (shows(element) || (holder !== null && shows(holder))) && box.width > 0 && box.height > 0,
  };
}"""


def focus_problems(page, stops: int = 40) -> list[str]:
    """Tab through the page from the top; every element that receives focus must show it (a page without any
    control, like the thank-you page, has nothing to show)."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    seen, problems = [], []
    for _ in range(stops):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_INDICATOR)
        if focused is None or focused["element"] in seen[:1]:
            break  # back at the start (or out of the page)
        seen.append(focused["element"])
        if not focused["visible"]:
            problems.append(f"no visible focus on {focused['element']}")
    if not seen and page.locator("a[href], button, input, select, textarea").count():
        problems.append("Tab moved the focus nowhere")
    return problems


UNGROUPED_CHOICES = """() => {
  const inputs = [...document.querySelectorAll("input[type=radio], input[type=checkbox]")];
  const names = new Set(inputs.map((input) => input.name));
  return [...names].filter((name) => {
    const group = inputs.filter((input) => input.name === name);
    if (group.length < 2 && group[0].type === "checkbox") return false;  // a lone checkbox has its own label
    return group.some((input) => {
      const legend = input.closest("fieldset")?.querySelector("legend");
      return !legend || !legend.textContent.trim();
    });
  });
}"""


SQUEEZED_CHOICES = """() => [...document.querySelectorAll("input[type=radio], input[type=checkbox]")]
  .map((input) => [input, input.getBoundingClientRect()])
  // Shown ones only: the survey's scales are transparent inputs over numbered boxes, which their labels size.
  .filter(([input, box]) => getComputedStyle(input).opacity !== "0" && box.width > 2 && box.height > 2)
  .filter(([input, box]) => Math.abs(box.width - box.height) > 2)
  .map(([input, box]) => `${input.name}=${input.value} is ${Math.round(box.width)}×${Math.round(box.height)} px`)"""


def squeezed_choices(page) -> list[str]:
    """A radio button or checkbox keeps its size and shape however long its label (a long label beside it in a
    flex row squeezed it to a sliver on a phone)."""
    return [f"choice {found}" for found in page.evaluate(SQUEEZED_CHOICES)]


def grouping_problems(page) -> list[str]:
    """Radio buttons and groups of checkboxes (the survey's scales and choices) sit in a fieldset whose legend
    is the question, so a screen reader announces the question with each option."""
    return [f"choices of {name} are not in a fieldset with a legend" for name in page.evaluate(UNGROUPED_CHOICES)]


BROKEN_DESCRIPTIONS = """() => {
  const name = (element) => `${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}`
    + `${element.name ? "[name=" + element.name + "]" : ""}`;
  const ids = (element, attribute) => (element?.getAttribute(attribute) || "").split(/\\s+/).filter(Boolean);
  const problems = [];
  for (const element of document.querySelectorAll("[aria-describedby], [aria-labelledby]")) {
    for (const attribute of ["aria-labelledby", "aria-describedby"]) {
      for (const id of ids(element, attribute)) {
        if (!document.getElementById(id)) problems.push(`${name(element)} ${attribute} names no element: #${id}`);
      }
    }
  }
  for (const element of document.querySelectorAll("[aria-invalid=true]")) {
    // A choice in a group is described by its fieldset, which a screen reader announces with each option.
    const group = element.matches("input[type=radio], input[type=checkbox]") ? element.closest("fieldset") : null;
    const said = [...ids(element, "aria-describedby"), ...ids(group, "aria-describedby")]
      .map((id) => document.getElementById(id)?.textContent.trim() || "").join(" ");
    if (!said) problems.push(`${name(element)} is marked invalid, but no message is tied to it`);
  }
  return [...new Set(problems)];
}"""


def description_problems(page) -> list[str]:
    """Every element that an aria-labelledby or aria-describedby names exists, and every control marked invalid is
    described by its error message (so a screen reader says what is wrong when the control gets the focus)."""
    return page.evaluate(BROKEN_DESCRIPTIONS)


def audit(page, name: str, steps, problems: dict) -> None:
    steps.shot(name, page)
    found = axe_violations(page) + focus_problems(page) + grouping_problems(page) + description_problems(page)
    found += squeezed_choices(page)
    if found:
        problems[name] = found


@pytest.fixture
def survey(transactional_db):
    """Three pages with every kind of question, help texts, end labels, an optional question and display logic,
    in English and Russian."""
    survey = SurveyFactory(
        public_id="a11y", title_en="Your visit", title_ru="Ваш визит",
        intro_en="Three short pages.", intro_ru="Три коротких страницы.",
        thank_you_en="Thank you for your time.", thank_you_ru="Спасибо, что уделили время.",
    )  # fmt: skip

    def question(page: int, code: str, kind: str, en: str, ru: str, **extra) -> Question:
        return QuestionFactory(survey=survey, page=page, code=code, type=kind, text_en=en, text_ru=ru, **extra)

    nps = question(
        1, "nps", QT.NPS, "How likely are you to recommend us?", "Порекомендуете ли вы нас?",
        help_en="0 is not at all, 10 is certainly.", help_ru="0 — точно нет, 10 — точно да.",
        low_label_en="Not at all", low_label_ru="Точно нет", high_label_en="Certainly", high_label_ru="Точно да",
    )  # fmt: skip
    question(1, "csat", QT.CSAT, "How satisfied are you?", "Насколько вы довольны?")
    question(
        1, "why", QT.LONG_TEXT, "What should we improve?", "Что нам улучшить?", required=False,
        help_en="Optional.", help_ru="Необязательно.", show_if_question=nps, show_if_operator="lte", show_if_value=6,
    )  # fmt: skip
    question(2, "ces", QT.CES, "How easy was it?", "Насколько это было легко?")
    question(
        2, "rating", QT.RATING, "Rate the staff", "Оцените персонал", scale_min=1, scale_max=5,
        low_label_en="Poor", low_label_ru="Плохо", high_label_en="Great", high_label_ru="Отлично",
    )  # fmt: skip
    single = question(2, "visit", QT.SINGLE, "Why did you come?", "Зачем вы пришли?")
    many = question(2, "bought", QT.MULTIPLE, "What did you buy?", "Что вы купили?", required=False)
    for n, (en, ru) in enumerate([("To buy", "Купить"), ("To look", "Посмотреть"), ("To return", "Вернуть")]):
        ChoiceFactory(question=single, order=n, text_en=en, text_ru=ru)
        ChoiceFactory(question=many, order=n, text_en=f"Item {n}", text_ru=f"Товар {n}")
    question(2, "found", QT.YES_NO, "Did you find everything?", "Вы всё нашли?")
    question(3, "name", QT.SHORT_TEXT, "Your first name", "Ваше имя", required=False)
    question(3, "contact_me", QT.YES_NO, "May we contact you?", "Можно с вами связаться?")
    return survey


def answer_first_option_of_each_group(page) -> None:
    for group in page.locator(".question:not([hidden]) fieldset").all():
        group.locator("label.option").first.click()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_hosted_survey_passes_axe_and_shows_focus_on_a_phone(open_context, survey, steps, language):
    page = open_context(locale={"en": "en-US", "ru": "ru-RU"}[language], device=PHONE).new_page()
    steps.watch("phone", page)
    problems: dict[str, list[str]] = {}
    page.goto(f"/s/a11y/?lang={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    audit(page, f"{language}-page-1", steps, problems)
    page.locator("button[name=next]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    audit(page, f"{language}-page-1-with-errors", steps, problems)
    answer_first_option_of_each_group(page)
    page.locator("button[name=next]").click()
    expect(page.locator("progress")).to_have_attribute("value", "2")
    audit(page, f"{language}-page-2", steps, problems)
    answer_first_option_of_each_group(page)
    page.locator("button[name=next]").click()
    expect(page.locator("progress")).to_have_attribute("value", "3")
    audit(page, f"{language}-page-3", steps, problems)
    answer_first_option_of_each_group(page)  # "yes, contact me": a public link then asks how
    page.locator("#id_contact").fill("+7 900 000-00-00")
    audit(page, f"{language}-page-3-contact", steps, problems)
    page.locator("button[name=next]").click()
    expect(page.locator("h1")).to_have_text({"en": "Thank you!", "ru": "Спасибо!"}[language])
    audit(page, f"{language}-thanks", steps, problems)
    page.goto(f"/s/i/no-such-invitation/?lang={language}")
    audit(page, f"{language}-link-not-available", steps, problems)
    assert problems == {}


@pytest.fixture
def staff_pages(org, survey, settings):
    """The store manager's case (a detractor who left a comment) and happy customers, one praising Alice; a journey
    whose touchpoints the survey measures, with a pain point; KPIs measured over three months for Alice, Bob and
    the store; recognitions of every source; and passwords for the people who open pages."""
    settings.RESULTS_MIN_SAMPLE = 1  # figures, charts and moments of truth on the pages, not "not enough data"
    units, people = org["units"], org["people"]
    for person in ("alice", "store_manager"):
        people[person].user.set_password(PASSWORD)
        people[person].user.save(update_fields=["password"])
    questions = list(survey.questions.all())
    by_code = {q.code: q for q in questions}
    customer = CustomerFactory(name="Vera Valuable", value_tier="high", phone="+7 900 123-45-67")

    def respond(answers: dict, survey_questions=questions):
        return response_submit(
            survey=survey_questions[0].survey, questions=survey_questions, language="en", source="api",
            customer=customer, answers={by_code[code].pk: value for code, value in answers.items()},
            context=ResponseContext(unit=units["north_store"], employee=people["alice"]),
        )  # fmt: skip

    case = respond({"nps": 2, "csat": 1, "why": "The queue was long."}).followup
    respond({"nps": 9, "csat": 4})
    visit = SurveyFactory(public_id="visit")  # a happy customer's words about Alice, for her manager to pass on
    by_code |= {
        "visit": QuestionFactory(survey=visit, code="visit", type=QT.NPS),
        "words": QuestionFactory(survey=visit, code="words", type=QT.LONG_TEXT),
    }
    respond({"visit": 10, "words": "Alice found the perfect lamp for me."}, [by_code["visit"], by_code["words"]])
    return {
        "case": case,
        "unit": units["north_store"],
        "customer": customer,
        **_journey_map(by_code["nps"], by_code["csat"], units["north_store"], people["alice"]),
        **_kpis_and_recognitions(people, units["north_store"]),
    }


def _journey_map(nps: Question, csat: Question, store, alice) -> dict:
    persona = Persona.objects.create(name="Busy parent", goals="A lamp for the nursery, today.")
    journey = JourneyFactory(name="Buy a lamp", persona=persona, outcome_question=nps)
    stages = [StageFactory(journey=journey, order=n, name=name) for n, name in enumerate(["Discover", "Buy", "Home"])]
    measured_by(TouchpointFactory(stage=stages[0], name="Shop window", channel="store", target=50), nps)
    checkout = measured_by(
        TouchpointFactory(
            stage=stages[1], name="Checkout", channel="store", owner_unit=store, moment_of_truth=True, target=60,
            expected_emotion=1, description="Paying at the till.", backstage="Two tills; one card reader.",
        ),
        csat,
    )  # fmt: skip
    TouchpointFactory(stage=stages[2], name="Assembly", channel="phone")  # not measured yet
    Improvement.objects.create(touchpoint=checkout, description="Open the second till at lunchtime", owner=alice)
    return {"journey": journey, "touchpoint": checkout}


def _kpis_and_recognitions(people, store) -> dict:
    alice, bob, manager = people["alice"], people["bob"], people["store_manager"]
    employee_kpi = KpiFactory(name="Customers happy with my service", metric=Kpi.Metric.CSAT, target=80, warning=60)
    store_kpi = KpiFactory(name="Store NPS", level=Kpi.Level.UNIT, target=40, warning=20)
    KpiFactory(name="Mystery shopper score", metric=Kpi.Metric.MANUAL, target=8, warning=None)
    month = timezone.localdate().replace(day=1)
    for back in range(3):
        start = (month - timedelta(days=31 * back)).replace(day=1)
        for kpi, subject, value, status in [
            (employee_kpi, {"employee": alice}, 90 - back, "met"),
            (employee_kpi, {"employee": bob}, 55 + back, "missed"),
            (store_kpi, {"unit": store}, 30 + 5 * back, "near"),
        ]:
            KpiMeasurementFactory(kpi=kpi, period_start=start, value=value, status=status, **subject)
    care = CompanyValueFactory(code="care", name_en="Customer care", name_ru="Забота о клиенте")
    CompanyValueFactory(code="team", name_en="One team", name_ru="Одна команда")
    RecognitionFactory(giver=bob, receiver=alice, value=care, message="Thanks for covering my shift!", points=10)
    RecognitionFactory(
        source=Recognition.Source.CUSTOMER_PRAISE, giver=manager, receiver=bob, value=care, answer=None,
        message="Bob carried the boxes to my car.", visibility=Recognition.Visibility.UNIT, points=10,
    )  # fmt: skip
    RecognitionFactory(
        source=Recognition.Source.ACHIEVEMENT, giver=None, receiver=alice, value=None,
        message="Customers happy with my service: target met", visibility=Recognition.Visibility.UNIT,
    )  # fmt: skip
    return {"kpis": [employee_kpi, store_kpi]}


def _send_an_empty_recognition(page) -> None:
    page.get_by_role("button", name="Send recognition").click()
    expect(page.locator(".error-summary")).to_be_visible()


def _save_an_empty_kpi_value(page) -> None:
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error-summary")).to_be_visible()


def _staff_page(name: str, username: str, url, then=None) -> list[tuple]:
    """The page on a phone and on a desktop; `then` acts on the page before the audit."""
    return [(f"{name} ({device_name})", username, device, url, then) for device_name, device in DEVICES.items()]


DEVICES = {"phone": PHONE, "desktop": DESKTOP}
MANAGER = "store.manager"
STAFF_PAGES = [
    ("my page (frontline, phone)", "alice", PHONE, lambda objects: "/me/", None),
    ("my page (frontline, desktop)", "alice", DESKTOP, lambda objects: "/me/", None),
    ("case page (manager, desktop)", MANAGER, DESKTOP, lambda objects: f"/followups/{objects['case'].pk}/", None),
    ("case page (manager, phone)", MANAGER, PHONE, lambda objects: f"/followups/{objects['case'].pk}/", None),
    ("follow-up queue (manager, phone)", MANAGER, PHONE, lambda objects: "/followups/", None),
    ("case desk filtered (manager, desktop)", MANAGER, DESKTOP, lambda objects: "/followups/?priority=high", None),
    *_staff_page("home page, manager", MANAGER, lambda objects: "/"),
    ("results (manager, desktop)", MANAGER, DESKTOP, lambda objects: "/results/a11y/", None),
    ("results (manager, phone)", MANAGER, PHONE, lambda objects: "/results/a11y/", None),
    ("unit page (manager, phone)", MANAGER, PHONE, lambda objects: f"/units/{objects['unit'].pk}/", None),
    *_staff_page("journey map, manager", MANAGER, lambda objects: f"/journeys/{objects['journey'].pk}/"),
    *_staff_page(
        "touchpoint page, manager",
        MANAGER,
        lambda objects: f"/journeys/{objects['journey'].pk}/touchpoints/{objects['touchpoint'].pk}/",
    ),
    *_staff_page("customer timeline, manager", MANAGER, lambda objects: f"/customers/{objects['customer'].pk}/"),
    *_staff_page("team page, manager", MANAGER, lambda objects: "/team/"),
    *_staff_page("celebration wall, frontline", "alice", lambda objects: "/wall/"),
    *_staff_page(
        "recognition form with errors, frontline", "alice", lambda objects: "/recognise/", _send_an_empty_recognition
    ),
    (
        "KPI values by hand with errors (manager, phone)",
        MANAGER,
        PHONE,
        lambda o: "/kpis/values/",
        _save_an_empty_kpi_value,
    ),
]


@pytest.mark.parametrize(("name", "username", "device", "url", "then"), STAFF_PAGES, ids=[p[0] for p in STAFF_PAGES])
def test_employee_pages_pass_axe_and_show_focus(open_context, staff_pages, steps, name, username, device, url, then):
    page = open_context(locale="en-US", device=device).new_page()
    steps.watch("page", page)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=f"Sign out {username}")).to_be_visible()
    response = page.goto(url(staff_pages))
    assert response.status == 200
    if then is not None:
        then(page)
    problems: dict[str, list[str]] = {}
    audit(page, name, steps, problems)
    assert problems == {}


def test_the_checks_would_notice_a_missing_label_poor_contrast_a_hidden_focus_loose_choices_and_lost_errors(
    open_context,
):  # and a squeezed checkbox
    """Guards against blind checks: a page with known faults fails each of them."""
    page = open_context(locale="en-US", device=DESKTOP).new_page()
    page.set_content(
        '<html lang="en"><head><title>Faults</title><style>button:focus { outline: none; }</style></head><body>'
        '<main><h1>Faults</h1><input type="text"><p style="color: #bbb; background: #fff">Pale text</p>'
        '<input type="radio" name="score" aria-label="1"><input type="radio" name="score" aria-label="2">'
        '<label>Name <input name="who" aria-invalid="true" aria-describedby="who-error"></label>'
        '<p style="display: flex; width: 10rem"><input type="checkbox" id="agree" name="agree" '
        'style="width: 1.25rem; height: 1.25rem"><label for="agree">I agree to each of the many terms</label></p>'
        "<button>Go</button></main></body></html>"
    )
    found = " ".join(axe_violations(page))
    assert "label (critical)" in found
    assert "color-contrast (serious)" in found
    assert focus_problems(page) == ["no visible focus on button Go"]
    assert grouping_problems(page) == ["choices of score are not in a fieldset with a legend"]
    assert description_problems(page) == [
        "input[name=who] aria-describedby names no element: #who-error",
        "input[name=who] is marked invalid, but no message is tied to it",
    ]
    assert [problem.split(" is ")[0] for problem in squeezed_choices(page)] == ["choice agree=on"]
