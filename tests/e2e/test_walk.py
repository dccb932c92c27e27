"""Every staff and customer page of the seeded demo, walked in a real browser in Russian and in English, at phone
and laptop width, as each demo role. The walk fails on:

- an HTTP error, a browser console error or an uncaught script error;
- an SVG attribute that is not a plain number (a Russian "192,0" breaks a chart);
- a page wider than the screen (sideways scrolling);
- English left in the Russian UI: every run of Latin words a Russian page shows must come from the data (names,
  comments, codes people typed) or be one of the few names of things that stay Latin (NPS, CSAT, CX...); and
  on English pages every run of Cyrillic words must come from the data.

Pages are followed from the links of each page (GET only, nothing that changes or downloads); one page per URL
pattern (`/followups/17/` and `/followups/18/` are one), so the walk stays a few minutes. Screenshots of pages
with findings are kept in test-artifacts/walk/ only when the test fails."""

import re
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)")

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ["lead", "manager", "alice", "bob"]
WIDTHS = {"phone": (390, 844), "laptop": (1366, 900)}
SKIP = re.compile(r"logout|/accounts/|/admin/|/api/|export|\.csv|\.xlsx|/i18n/|/u/|/f/|format=csv|/recognise/praise/")
PAGES_PER_WALK = 40
CUSTOMER_PAGES = ["/s/store-visit/", "/s/delivery/", "/s/relationship/", "/s/store-visit/thanks/happy/",
                  "/s/store-visit/thanks/unhappy/", "/s/i/no-such-invitation/"]  # fmt: skip
# Names of things that stay Latin in Russian, as the field writes them (r: Pearson's correlation).
LATIN_NAMES = {"nps", "csat", "ces", "enps", "cx", "csv", "xlsx", "excel", "e-mail", "email", "id", "api", "n",
               "cxprogram", "sla", "ok", "url", "json", "q1", "q2", "q3", "q4", "vip", "www", "r"}  # fmt: skip

CHECKS = """() => {
  const numeric = ["x","y","x1","y1","x2","y2","cx","cy","r","width","height"];
  const bad = [];
  for (const el of document.querySelectorAll("svg, svg *")) {
    for (const a of numeric) {
      const v = el.getAttribute(a);
      if (v !== null && !/^-?\\d+(\\.\\d+)?$/.test(v)) bad.push(el.tagName + " " + a + '="' + v + '"');
    }
    const d = el.tagName === "path" ? el.getAttribute("d") : null;
    const path = /^([MLZ]\\s*(-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?)?\\s*)*$/;
    if (d && !path.test(d)) bad.push('path d="' + d.slice(0, 40) + '"');
  }
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    // Not read by anyone (aria-hidden: the bots' honeypot) or in another language on purpose (language names).
    const other = document.documentElement.lang === "ru" ? "[lang=en]" : "[lang=ru]";
    if (!el || el.closest("script,style,[translate=no],[aria-hidden=true]," + other + ":not(html)")) continue;
    if (!el.getClientRects().length) continue;
    const t = walker.currentNode.textContent.replace(/\\s+/g, " ").trim();
    if (/[A-Za-zА-Яа-яЁё]{2,}/.test(t)) texts.push(t);
  }
  for (const el of document.querySelectorAll("[placeholder],[aria-label],[title],input[type=submit][value]")) {
    for (const a of ["placeholder", "aria-label", "title", "value"]) {
      const v = el.getAttribute(a);
      if (v && (a !== "value" || el.type === "submit") && /[A-Za-zА-Яа-яЁё]{2,}/.test(v)) texts.push(v);
    }
  }
  return {svg: bad.slice(0, 5), texts: texts, wide: document.documentElement.scrollWidth - window.innerWidth};
}"""


def data_strings() -> str:
    """Every text stored in the database (what people and the demo typed), joined: Latin words on a Russian page
    are fine when they are data, e.g. an English comment or a customer called "Olga Smith"."""
    parts = []
    for model in apps.get_models():
        if (
            model._meta.app_label not in ("cxprogram", "surveys", "journeys", "kpis")
            and model._meta.label != "auth.User"
        ):
            continue  # not Django's other tables: permission names are English phrases nobody typed
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        if fields:
            for row in model.objects.values_list(*fields):
                parts.extend(str(v) for v in row if v)
    return "\n".join(parts)


def english_left(texts: list[str], data: str) -> list[str]:
    """Runs of Latin words that are neither data nor names that stay Latin."""
    found = []
    for text in texts:
        if text in data:
            continue
        for run in re.findall(r"[A-Za-z][A-Za-z'’-]*(?:[\s,.:;!?()/&+-]+[A-Za-z][A-Za-z'’-]*)*", text):
            words = {w.lower().strip("-") for w in re.findall(r"[A-Za-z][A-Za-z-]*", run)}
            if words <= LATIN_NAMES or re.search(rf"(?<![A-Za-z]){re.escape(run)}(?![A-Za-z])", data):
                continue
            found.append(run[:80])
    return found


def russian_left(texts: list[str], data: str) -> list[str]:
    """Cyrillic words on an English page that appear nowhere in the data (a Russian string written into a template).
    Word by word: a name shows as "first last", a reply template fills in the customer's name, and a long text
    may be cut short in the middle of a word."""
    known = set(re.findall(r"[а-яё]+", data.lower()))
    found = []
    for text in texts:
        words = [w for w in re.findall(r"[а-яё]+", text.lower()) if w not in known]
        unknown = [w for w in words if not any(k.startswith(w) for k in known)]  # "пр…": shortened data
        if unknown:
            found.append(" ".join(unknown)[:80])
    return found


def pattern(path: str) -> str:
    return re.sub(r"/[0-9]+/", "/N/", re.sub(r"/s/i/[^/]+/", "/s/i/T/", path))


def walk(context, base: str, start: list[str], language: str, width: int, data: str, shots: list) -> tuple:
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    host = urlparse(base).netloc
    queue, seen, findings = deque(start), set(), []
    while queue and len(seen) < PAGES_PER_WALK:
        url = urldefrag(queue.popleft())[0]
        path = urlparse(url).path
        if pattern(path) in seen:
            continue
        seen.add(pattern(path))
        errors.clear()
        response = page.goto(base + path if url.startswith("/") else url)
        page.wait_for_load_state("load")
        problems = []
        expected_missing = path.startswith("/s/i/")  # an unknown invitation answers 404 with a friendly page
        if response is not None and response.status >= 400 and not expected_missing:
            problems.append(f"HTTP {response.status}")
        problems += [f"console: {e[:160]}" for e in errors[:3] if not (expected_missing and "404" in e)]
        result = page.evaluate(CHECKS)
        problems += [f"svg: {b}" for b in result["svg"]]
        if result["wide"] > 1:
            problems.append(f"{result['wide']} px wider than the screen")
        if language == "ru":
            problems += [f"English in the Russian UI: {run!r}" for run in english_left(result["texts"], data)[:5]]
        else:
            problems += [f"Russian in the English UI: {run!r}" for run in russian_left(result["texts"], data)[:5]]
        if problems:
            findings.append(f"{path} ({language}, {width} px): " + "; ".join(problems))
            shots.append((f"{language}-{width}-{pattern(path).strip('/').replace('/', '_') or 'home'}",
                          page.screenshot(full_page=True)))  # fmt: skip
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            target = urlparse(href)
            if target.netloc == host and not SKIP.search(href) and pattern(target.path) not in seen:
                queue.append(target.path)
    page.close()
    return findings, len(seen)


def sign_in(context, base: str, username: str) -> None:
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-walk")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state("load")
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"
    page.close()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_page_reads_right_for_every_role_at_every_width(browser, live_server, language, request):
    call_command("seed_demo", password="pw-walk", customers=200, responses=400)
    data = data_strings()
    findings, shots, visited = [], [], {}
    for width_name, (width, height) in WIDTHS.items():
        for role in [None, *ROLES]:
            context = browser.new_context(viewport={"width": width, "height": height}, locale=language,
                                          is_mobile=width_name == "phone", has_touch=width_name == "phone")  # fmt: skip
            context.set_default_timeout(15_000)
            context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            if role is None:
                start = CUSTOMER_PAGES
            else:
                sign_in(context, live_server.url, role)
                start = ["/"]
            found, pages = walk(context, live_server.url, start, language, width, data, shots)
            findings += [f"{role or 'customer'}: {line}" for line in found]
            visited[(role or "customer", width_name)] = pages
            context.close()
    # The walk really reaches the pages: every page pattern a role may open (cases, customers, journeys, KPIs...).
    for width_name in WIDTHS:
        reached = {role: visited[(role, width_name)] for role in ["customer", *ROLES]}
        assert reached["customer"] == len(CUSTOMER_PAGES) and reached["lead"] >= 20, reached
        assert reached["manager"] >= 12 and reached["alice"] >= 4 and reached["bob"] >= 4, reached
    if findings:
        folder = Path(request.config.rootpath) / "test-artifacts" / "walk" / language
        folder.mkdir(parents=True, exist_ok=True)
        for name, png in shots:
            (folder / f"{name}.png").write_bytes(png)
    assert findings == [], f"{len(findings)} pages with findings (screenshots in test-artifacts/walk/):\n" + "\n".join(
        findings[:60]
    )


def test_the_english_detector_flags_what_a_russian_page_must_not_show():
    data = "Olga Smith\nFriendly staff and a tidy store."
    texts = ["Everything in order", "Ольга: Friendly staff and a tidy store.", "NPS 42 · n = 30", "Olga Smith",
             "Показано 5 of 10", "CX-показатели", "Download responses (CSV)"]  # fmt: skip
    assert english_left(texts, data) == ["Everything in order", "of", "Download responses (CSV"]
    assert russian_left(["Ольга Смит: Friendly staff", "Всё в порядке", "Olga Smith"], "Ольга\nСмит") == [
        "всё в порядке"
    ]
