"""Accessibility in a real browser: axe-core (npm package, pinned in package.json) runs inside Chromium on the
hosted survey (every page, its error state and the thank-you page, in English and Russian, on a phone), on the
employee's own page and on the follow-up case page, and finds no WCAG 2 A/AA violation (every control labelled,
enough contrast, ...); the keyboard's focus is visible at every Tab stop; and choices sit in fieldsets.

To check a new page, add it to `STAFF_PAGES` (or walk to it, like the survey). Skips, saying why, when axe-core
is not installed (`npm ci` at the repository's root; `make test` runs it) or Chromium is missing."""

from pathlib import Path

import pytest
from django.conf import settings

from surveys.models import Question
from surveys.services import ResponseContext, response_submit
from tests.cxprogram.factories import CustomerFactory
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


def grouping_problems(page) -> list[str]:
    """Radio buttons and groups of checkboxes (the survey's scales and choices) sit in a fieldset whose legend
    is the question, so a screen reader announces the question with each option."""
    return [f"choices of {name} are not in a fieldset with a legend" for name in page.evaluate(UNGROUPED_CHOICES)]


def audit(page, name: str, steps, problems: dict) -> None:
    steps.shot(name, page)
    found = axe_violations(page) + focus_problems(page) + grouping_problems(page)
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
    answer_first_option_of_each_group(page)
    page.locator("button[name=next]").click()
    expect(page.locator("h1")).to_have_text({"en": "Thank you!", "ru": "Спасибо!"}[language])
    audit(page, f"{language}-thanks", steps, problems)
    page.goto(f"/s/i/no-such-invitation/?lang={language}")
    audit(page, f"{language}-link-not-available", steps, problems)
    assert problems == {}


@pytest.fixture
def staff_pages(org, survey):
    """The store manager's case (a detractor who left a comment) and passwords for the people who open pages."""
    units, people = org["units"], org["people"]
    for person in ("alice", "store_manager"):
        people[person].user.set_password(PASSWORD)
        people[person].user.save(update_fields=["password"])
    questions = list(survey.questions.all())
    by_code = {q.code: q for q in questions}
    customer = CustomerFactory(name="Vera Valuable", value_tier="high", phone="+7 900 123-45-67")
    case = response_submit(
        survey=survey, questions=questions, language="en", source="api", customer=customer,
        answers={by_code["nps"].pk: 2, by_code["csat"].pk: 1, by_code["why"].pk: "The queue was long."},
        context=ResponseContext(unit=units["north_store"], employee=people["alice"]),
    ).followup  # fmt: skip
    return {"case": case, "unit": units["north_store"]}


STAFF_PAGES = [
    ("my page (frontline, phone)", "alice", PHONE, lambda objects: "/me/"),
    ("my page (frontline, desktop)", "alice", DESKTOP, lambda objects: "/me/"),
    ("case page (manager, desktop)", "store.manager", DESKTOP, lambda objects: f"/followups/{objects['case'].pk}/"),
    ("case page (manager, phone)", "store.manager", PHONE, lambda objects: f"/followups/{objects['case'].pk}/"),
    ("follow-up queue (manager, phone)", "store.manager", PHONE, lambda objects: "/followups/"),
    ("results (manager, desktop)", "store.manager", DESKTOP, lambda objects: "/results/a11y/"),
    ("results (manager, phone)", "store.manager", PHONE, lambda objects: "/results/a11y/"),
    ("unit page (manager, phone)", "store.manager", PHONE, lambda objects: f"/units/{objects['unit'].pk}/"),
]


@pytest.mark.parametrize(("name", "username", "device", "url"), STAFF_PAGES, ids=[p[0] for p in STAFF_PAGES])
def test_employee_pages_pass_axe_and_show_focus(open_context, staff_pages, steps, name, username, device, url):
    page = open_context(locale="en-US", device=device).new_page()
    steps.watch("page", page)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=f"Sign out {username}")).to_be_visible()
    response = page.goto(url(staff_pages))
    assert response.status == 200
    problems: dict[str, list[str]] = {}
    audit(page, name, steps, problems)
    assert problems == {}


def test_the_checks_would_notice_a_missing_label_poor_contrast_a_hidden_focus_and_loose_choices(open_context):
    """Guards against blind checks: a page with known faults fails both of them."""
    page = open_context(locale="en-US", device=DESKTOP).new_page()
    page.set_content(
        '<html lang="en"><head><title>Faults</title><style>button:focus { outline: none; }</style></head><body>'
        '<main><h1>Faults</h1><input type="text"><p style="color: #bbb; background: #fff">Pale text</p>'
        '<input type="radio" name="score" aria-label="1"><input type="radio" name="score" aria-label="2">'
        "<button>Go</button></main></body></html>"
    )
    found = " ".join(axe_violations(page))
    assert "label (critical)" in found
    assert "color-contrast (serious)" in found
    assert focus_problems(page) == ["no visible focus on button Go"]
    assert grouping_problems(page) == ["choices of score are not in a fieldset with a legend"]
