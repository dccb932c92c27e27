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

import django
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from kpis.models import Kpi
from surveys.links import unsubscribe_token
from surveys.models import Invitation, Survey

pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)")

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ["lead", "manager", "alice", "bob"]
WIDTHS = {"phone": (390, 844), "laptop": (1366, 900)}
SKIP = re.compile(r"logout|/accounts/|/admin/|/api/|export|\.csv|\.xlsx|/i18n/|/u/|/f/|format=csv|/recognise/praise/")
PAGES_PER_WALK = 40
CUSTOMER_PAGES = ["/s/store-visit/", "/s/delivery/", "/s/relationship/", "/s/store-visit/thanks/happy/",
                  "/s/store-visit/thanks/unhappy/", "/s/i/no-such-invitation/", "/write/"]  # fmt: skip
CUSTOMER_TEXTS = {
    "ru": {"received": "Ваши ответы уже получены", "used": "Спасибо, что уделили нам время",
           "unsubscribed": "Вы отписались"},
    "en": {"received": "Your answers were already received", "used": "Thank you for your time",
           "unsubscribed": "You are unsubscribed"},
}  # fmt: skip
# Names of things that stay Latin in Russian, as the field writes them (r: Pearson's correlation; Control, Command
# and Mac: keys as printed on keyboards, in Django's own Russian help under the admin's multiple selects).
LATIN_NAMES = {"nps", "csat", "ces", "enps", "cx", "csv", "xlsx", "excel", "e-mail", "email", "id", "api", "n",
               "cxprogram", "sla", "ok", "url", "json", "q1", "q2", "q3", "q4", "vip", "www", "r", "control", "command",
               "mac"}  # fmt: skip

CHECKS = """(djangoIcons) => {
  const numeric = ["x","y","x1","y1","x2","y2","cx","cy","r","width","height"];
  const bad = [];
  // Django's own icons (see DJANGO_ICONS): skipped only when the attribute is exactly what Django's template says.
  const django = (el, found) => {
    const icon = el.closest("symbol[id]");
    return icon !== null && (djangoIcons[icon.id] || []).includes(found);
  };
  for (const el of document.querySelectorAll("svg, svg *")) {
    for (const a of numeric) {
      const v = el.getAttribute(a);
      const found = el.tagName + " " + a + '="' + v + '"';
      if (v !== null && !/^-?\\d+(\\.\\d+)?$/.test(v) && !django(el, found)) bad.push(found);
    }
    const d = el.tagName === "path" ? el.getAttribute("d") : null;
    const path = /^([MLZ]\\s*(-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?)?\\s*)*$/;
    if (d && !path.test(d) && !django(el, 'path d="' + d + '"')) bad.push('path d="' + d.slice(0, 40) + '"');
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


def django_icons() -> dict[str, list[str]]:
    """The icons Django's admin draws inline: the theme toggle's <symbol>s in Django's own admin/base.html (read from
    the installed Django). Their width="1.5rem" and their paths' relative commands ("M0 0h24v24H0z") are valid SVG
    written by Django, not numbers this program localised, so the walk skips exactly those attribute values inside
    those symbols; any other value, or the same value elsewhere, is still a finding."""
    source = (Path(django.__file__).parent / "contrib" / "admin" / "templates" / "admin" / "base.html").read_text()
    icons = {}
    for attributes, body in re.findall(r"<symbol([^>]*)>(.*?)</symbol>", source, re.S):
        found = [
            f'symbol {name}="{value}"' for name, value in re.findall(r'\b(width|height|x|y)="([^"]*)"', attributes)
        ]
        icons[re.search(r'id="([^"]+)"', attributes).group(1)] = found + re.findall(r'<path (d="[^"]*")', body)
    return {ident: [f"path {v}" if v.startswith("d=") else v for v in found] for ident, found in icons.items()}


DJANGO_ICONS = django_icons()


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


class Checker:
    """Checks the page open in a browser tab, as the walk's rules say, and keeps what it finds with screenshots."""

    def __init__(self, page, language: str, width: int, data: str, shots: list):
        self.page, self.language, self.width, self.data, self.shots = page, language, width, data, shots
        self.errors: list[str] = []
        self.findings: list[str] = []
        # the console names no address for a resource that failed to load: its location does
        page.on(
            "console",
            lambda m: self.errors.append(f"{m.text} {m.location.get('url', '')}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, url: str, *, missing_ok: bool = False) -> None:
        """Go to `url` and check it; `missing_ok`: a friendly 404 is the right answer (an unknown or used link)."""
        self.errors.clear()
        response = self.page.goto(url)
        self.page.wait_for_load_state("load")
        self.check(urlparse(url).path, status=response.status if response else 200, missing_ok=missing_ok)

    def check(self, path: str, *, status: int = 200, missing_ok: bool = False) -> None:
        """Check the page as it is now (after a goto or a form sent) and note its problems."""
        problems = []
        if status >= 400 and not (missing_ok and status == 404):
            problems.append(f"HTTP {status}")
        problems += [f"console: {e[:160]}" for e in self.errors[:3] if not (missing_ok and "404" in e)]
        self.errors.clear()
        result = self.page.evaluate(CHECKS, DJANGO_ICONS)
        problems += [f"svg: {b}" for b in result["svg"]]
        if result["wide"] > 1:
            problems.append(f"{result['wide']} px wider than the screen")
        if self.page.evaluate("document.documentElement.lang") != self.language:
            problems.append(f"the page is in {self.page.evaluate('document.documentElement.lang')!r}")
        if self.language == "ru":
            problems += [f"English in the Russian UI: {run!r}" for run in english_left(result["texts"], self.data)[:5]]
        else:
            problems += [f"Russian in the English UI: {run!r}" for run in russian_left(result["texts"], self.data)[:5]]
        if problems:
            self.findings.append(f"{path} ({self.language}, {self.width} px): " + "; ".join(problems))
            name = f"{self.language}-{self.width}-{pattern(path).strip('/').replace('/', '_') or 'home'}"
            self.shots.append((name, self.page.screenshot(full_page=True)))


def walk(context, base: str, start: list[str], language: str, width: int, data: str, shots: list) -> tuple:
    """Follow the site's own links from `start` (one page per URL pattern); returns (findings, pages seen)."""
    page = context.new_page()
    checker = Checker(page, language, width, data, shots)
    host = urlparse(base).netloc
    queue, seen = deque(start), set()
    while queue and len(seen) < PAGES_PER_WALK:
        url = urldefrag(queue.popleft())[0]
        path = urlparse(url).path
        if pattern(path) in seen:
            continue
        seen.add(pattern(path))
        # an unknown invitation answers 404 with a friendly page
        checker.open(base + path if url.startswith("/") else url, missing_ok=path.startswith("/s/i/"))
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            target = urlparse(href)
            if target.netloc == host and not SKIP.search(href) and pattern(target.path) not in seen:
                queue.append(target.path)
    page.close()
    return checker.findings, len(seen)


def admin_pages() -> list[str]:
    """The admin as a CX lead uses it: the index, a survey's change page, the follow-up cases and the KPIs."""
    survey = Survey.objects.get(public_id="store-visit")
    kpi = Kpi.objects.order_by("pk").first()
    return ["/admin/", f"/admin/surveys/survey/{survey.pk}/change/", "/admin/surveys/followup/",
            "/admin/kpis/kpi/", f"/admin/kpis/kpi/{kpi.pk}/change/"]  # fmt: skip


def visit_admin(context, base: str, language: str, width: int, data: str, shots: list) -> tuple:
    """The admin pages are opened one by one (its links lead to every model's pages, which the walk leaves out)."""
    page = context.new_page()
    checker = Checker(page, language, width, data, shots)
    for path in admin_pages():
        checker.open(base + path)
        assert urlparse(page.url).path == path, f"the lead could not open {path}"
    page.close()
    return checker.findings, len(admin_pages())


def answer_page(page) -> None:
    """Answer every question of the survey page shown, as a happy customer would (the highest score, the first choice,
    "no" to being contacted), and send the page."""
    for name in page.eval_on_selector_all(".question input[type=radio]", "els => [...new Set(els.map(e => e.name))]"):
        options = page.locator(f".question input[type=radio][name='{name}']")
        values = options.evaluate_all("els => els.map(e => e.value)")
        chosen = "0" if set(values) == {"0", "1"} else max(values, key=lambda v: int(v) if v.isdecimal() else -1)
        page.locator(f".question input[type=radio][name='{name}'][value='{chosen}']").check()
    for name in page.eval_on_selector_all(
        ".question input[type=checkbox]", "els => [...new Set(els.map(e => e.name))]"
    ):
        page.locator(f".question input[type=checkbox][name='{name}']").first.check()
    page.locator("button[name=next]").click()
    page.wait_for_load_state("load")


def customer_links(context, base: str, language: str, width: int, data: str, shots: list, links: dict) -> tuple:
    """A customer's own links: a fresh personal invitation answered to its thank-you page, opened again (it thanks
    them), a used one opened elsewhere (thanks too), and the unsubscribe page's two steps in one language."""
    page = context.new_page()
    checker = Checker(page, language, width, data, shots)
    texts = CUSTOMER_TEXTS[language]
    pages = 0
    invitation = f"{base}/s/i/{links['fresh']}/?lang={language}"
    checker.open(invitation)
    for _ in range(6):  # the demo surveys have three pages at most
        answer_page(page)
        pages += 1
        checker.check(urlparse(page.url).path)
        if "/thanks/" in page.url:
            break
    assert "/thanks/" in page.url, f"the invitation's answers did not reach the thank-you page: {page.url}"
    checker.open(invitation)
    assert texts["received"] in page.content(), "an answered invitation opened again must thank the customer"
    checker.open(f"{base}/s/i/{links['used']}/?lang={language}", missing_ok=True)
    assert texts["used"] in page.content(), "a used invitation must thank the customer"
    checker.open(f"{base}/u/{links['unsubscribe']}/?lang={language}")
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("load")
    checker.check("/u/T/")
    assert texts["unsubscribed"] in page.content(), "the unsubscribe page's second step"
    page.close()
    return checker.findings, pages + 5


def customer_link_tokens(count: int) -> list[dict]:
    """For each walk: a fresh invitation (never opened), a used one, and an unsubscribe link of a third."""
    fresh = list(
        Invitation.objects.filter(responded_at__isnull=True, response__isnull=True).order_by("pk")[: 2 * count]
    )
    used = list(Invitation.objects.filter(response__isnull=False).order_by("pk")[:count])
    assert len(fresh) == 2 * count and len(used) == count, "the demo has too few invitations for the walk"
    return [
        {"fresh": fresh[i].token, "used": used[i].token, "unsubscribe": unsubscribe_token(fresh[count + i])}
        for i in range(count)
    ]


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
    links = iter(customer_link_tokens(len(WIDTHS)))
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
            args = (context, live_server.url, language, width, data, shots)
            found, pages = walk(context, live_server.url, start, language, width, data, shots)
            extra = {}
            if role is None:
                extra["links"] = customer_links(*args, next(links))
            if role == "lead":
                extra["admin"] = visit_admin(*args)
            for part, (more, count) in extra.items():
                found += more
                visited[(part, width_name)] = count
            findings += [f"{role or 'customer'}: {line}" for line in found]
            visited[(role or "customer", width_name)] = pages
            context.close()
    # The walk really reaches the pages: every page pattern a role may open (cases, customers, journeys, KPIs...),
    # the admin's pages, and a customer's own links (an invitation answered through its pages, unsubscribing).
    for width_name in WIDTHS:
        reached = {role: visited[(role, width_name)] for role in ["customer", *ROLES, "admin", "links"]}
        assert reached["customer"] == len(CUSTOMER_PAGES) and reached["lead"] >= 20, reached
        assert reached["manager"] >= 12 and reached["alice"] >= 4 and reached["bob"] >= 4, reached
        assert reached["admin"] == 5 and reached["links"] >= 7, reached
    # Journey importance, computed in the background: each signed-in home page first found none ("being
    # computed", read by the checker as any other text) and asked for it; the job (run at once in tests) stored it,
    # so the maps walked after it showed it "as of" its time. Both states were read in the walk's language.
    from journeys.models import ImportanceRun

    assert ImportanceRun.objects.filter(computed_at__isnull=False, unit_id=0).exists(), "no importance computed"
    assert ImportanceRun.objects.exclude(unit_id=0).exists(), "a manager's home asked for none of their units"
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
