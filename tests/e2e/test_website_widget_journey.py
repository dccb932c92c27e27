"""The website widget in a real browser, as on a company's help centre: a plain page served from another origin
(its own strict CSP, hostile CSS) embeds /w.js from the live server; a visitor answers with the keyboard only;
the CX lead finds the answer under the page's address; the same page on a site not allowed shows nothing and its
POST is refused."""

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password

from cxprogram.services import employee_upsert
from surveys.models import Response, WebsitePage, WidgetOrigin
from tests.cxprogram.factories import UnitFactory
from tests.e2e.test_accessibility import AXE, WCAG
from tests.surveys.factories import QuestionFactory, SurveyFactory

expect = pytest.importorskip("playwright.sync_api", reason="e2e tests need 'playwright' (requirements-dev.txt)").expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "lead-pass-widget-123"
COMMENT = "<b>Где</b> номер заказа? Не нашёл, где его взять."
# Ports for the two help-centre sites: free ones from the system unless WIDGET_E2E_PORTS names two.
PORTS = [int(p) for p in os.environ.get("WIDGET_E2E_PORTS", "0,0").split(",")]

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src {cx}; connect-src {cx};
  style-src 'unsafe-inline'">
<title>Tracking your delivery</title>
<style>
  /* A host page's CSS at its worst: none of it may reach the widget. */
  button {{ display: none !important; }}
  * {{ color: #f0f !important; font-size: 40px !important; }}
  section, fieldset {{ visibility: hidden !important; }}
</style>
</head>
<body>
<a href="#main">Skip to content</a>
<main id="main"><h1>Tracking your delivery</h1>
<p>Your order number is in the confirmation e-mail.</p>
<script src="{cx}/w.js" data-survey="help" data-section="Delivery" async></script>
</main>
</body>
</html>
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def help_sites(tmp_path: Path, live_server):
    """Two plain web servers on loopback serving the same help page (any path): the first one allowed."""
    (tmp_path / "index.html").write_text(PAGE.format(cx=live_server.url), encoding="utf-8")

    class Handler(QuietHandler):
        def translate_path(self, path):
            return str(tmp_path / "index.html")

    servers = []
    for port in PORTS:
        server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=str(tmp_path)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield [f"http://127.0.0.1:{server.server_address[1]}" for server in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def help_survey(transactional_db, help_sites):
    survey = SurveyFactory(public_id="help", default_language="ru", title_en="Help centre")
    QuestionFactory(survey=survey, code="helped", type="yes_no", text_en="Did this page help you?",
                    text_ru="Эта страница вам помогла?")  # fmt: skip
    QuestionFactory(survey=survey, code="why", type="long_text", required=False, max_length=500)
    WidgetOrigin.objects.create(survey=survey, origin=help_sites[0])
    return survey


@pytest.fixture
def lead(transactional_db):
    company = UnitFactory(kind="company", name="Уютный дом", code="company", parent=None)
    return employee_upsert(username="lead", unit=company, role="cx_lead", password_hash=make_password(PASSWORD))


def widget_violations(page) -> list[str]:
    """WCAG 2 A and AA violations inside the widget (the host page is the test's, not ours)."""
    result = page.evaluate(
        """tags => axe.run({include: [["[data-cx-feedback]"]]},
                           {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})""",
        WCAG,
    )
    return [f"{v['id']}: {v['help']} at {n['target']}" for v in result["violations"] for n in v["nodes"]]


def test_a_visitor_answers_by_keyboard_and_the_lead_sees_it_per_page(
    browser, live_server, help_sites, help_survey, lead, lead_context, steps
):
    allowed, refused = help_sites
    visitor = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    visitor.set_default_timeout(15_000)
    if AXE.exists():
        visitor.add_init_script(path=str(AXE))
    errors = []
    page = visitor.new_page()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    steps.watch("visitor", page)

    # The help page, opened with personal data in its query string and fragment.
    page.goto(f"{allowed}/help/delivery/tracking?order=12345&email=ann%40example.com#where")
    question = page.get_by_role("group", name="Did this page help you?")
    expect(question).to_be_visible()
    yes, no = page.get_by_role("button", name="Yes"), page.get_by_role("button", name="No")
    expect(yes).to_be_visible()  # the page's `button { display: none }` does not reach into the shadow root
    styles = yes.evaluate("b => [getComputedStyle(b).minHeight, getComputedStyle(b).fontSize]")
    assert styles == ["44px", "16px"]  # our stylesheet applies under the page's CSP; its 40px does not
    legend = page.locator("legend").evaluate("l => getComputedStyle(l).fontSize")
    assert legend == "16.8px"  # sized in em of the widget, not rem of the page's 40px root
    steps.shot("widget-on-help-page", page)
    if AXE.exists():
        assert widget_violations(page) == []

    # Keyboard only: Tab past the page's link to "Yes", then "No", Enter; type the comment; Tab to Send, Enter.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(yes).to_be_focused()
    page.keyboard.press("Tab")
    expect(no).to_be_focused()
    page.keyboard.press("Enter")
    why = page.get_by_label("What was missing or unclear? (optional)")
    expect(why).to_be_focused()
    page.keyboard.type(COMMENT)
    steps.shot("why", page)
    page.keyboard.press("Tab")
    send = page.get_by_role("button", name="Send")
    expect(send).to_be_focused()
    page.keyboard.press("Enter")
    thanks = page.get_by_role("status")
    expect(thanks).to_have_text("Thank you! Your answer helps us improve this page.")
    expect(thanks).to_be_focused()  # a screen reader hears it; the focus is not lost with the form
    steps.shot("thanked", page)
    assert visitor.cookies() == []  # neither site nor the CX server set any
    assert errors == []

    saved = Response.objects.get()
    assert (saved.channel, saved.source, saved.language) == ("web", "widget", "en")
    assert WebsitePage.objects.get().url == f"{allowed}/help/delivery/tracking"
    assert WebsitePage.objects.get().section == "Delivery"

    # The CX lead finds it under the page's address, the comment as typed (escaped).
    desk = lead_context.new_page()
    steps.watch("lead", desk)
    desk.goto("/accounts/login/")
    desk.get_by_label("Username").fill("lead")
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    desk.goto("/results/help/")
    desk.get_by_role("link", name="Website pages: did the page help?").click()
    expect(desk.get_by_role("link", name=f"{allowed}/help/delivery/tracking")).to_be_visible()
    expect(desk.get_by_text(COMMENT)).to_be_visible()
    expect(desk.locator("b", has_text="Где")).to_have_count(0)
    expect(desk.get_by_text("0 of 1 said yes — not enough answers for a share (needs 30)").first).to_be_visible()
    steps.shot("results-per-page", desk)

    # The same page on a site the lead did not allow: no widget, and a POST made by hand is refused.
    other = visitor.new_page()
    steps.watch("refused", other)
    asked = []  # the browser reports a response refused by CORS as a failed request
    other.on("requestfailed", lambda request: "/w/help/" in request.url and asked.append(request.method))
    other.on("response", lambda response: "/w/help/" in response.url and asked.append(response.status))
    other.goto(f"{refused}/help/delivery/tracking")
    expect(other.get_by_role("heading", name="Tracking your delivery")).to_be_visible()
    other.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('/w/help/'))")
    other.wait_for_timeout(300)
    assert asked in (["GET"], [403])
    expect(other.locator("[data-cx-feedback]")).to_have_count(0)
    steps.shot("no-widget-on-a-site-not-allowed", other)
    outcome = other.evaluate(
        """url => fetch(url, {method: "POST", credentials: "omit", headers: {"Content-Type": "text/plain"},
             body: JSON.stringify({helped: false, page: location.href})}).then(() => "read", () => "refused")""",
        f"{live_server.url}/w/help/answers/",
    )
    assert outcome == "refused"
    assert Response.objects.count() == 1
    visitor.close()
