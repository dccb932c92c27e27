"""Hostile text typed by a customer, an employee or an author comes back escaped on every page that shows it,
inert in e-mails, and exact (not mangled, not HTML) in the CSV exports."""

import csv
import io
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.template import Template, TemplateSyntaxError
from django.utils.html import escape

from tests.security.conftest import World
from tests.security.markup import active_content, problems_with
from tests.security.pages import PAGES, Page
from tests.surveys.conftest import form_state

pytestmark = pytest.mark.django_db


PROTECTIVE_HEADERS = [
    ("Content-Security-Policy", "script-src 'self'"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
]


def open_page(client, world: World, page: Page, url: str = ""):
    client.logout()
    if page.role == "admin":
        client.force_login(get_user_model().objects.get(username="security-admin"))
    elif page.role is not None:
        client.force_login(world.people[page.role].user)
    return client.get(url or page.url(world), headers={"accept-language": page.language})


def test_every_page_shows_typed_text_escaped_runs_none_of_it_and_cannot_be_framed(client, hostile):
    client.raise_request_exception = False  # a page that fails is listed with the others, not alone
    failures = []
    for page in PAGES:
        response = open_page(client, hostile, page)
        problems = [] if response.status_code == page.status else [f"answered {response.status_code}"]
        problems += problems_with(response.content.decode(), [hostile.text(tag) for tag in page.shows])
        problems += [
            f"lacks {name}: {value}" for name, value in PROTECTIVE_HEADERS if value not in response.get(name, "")
        ]
        if problems:
            failures.append(f"{page.name} ({page.url(hostile)}): {'; '.join(problems)}")
    assert not failures, "\n".join(failures)


def test_no_page_reflects_a_hostile_address_as_markup(client, hostile):
    """Reflected XSS: the same pages opened with the payload in the query string (search boxes, next, language,
    and a parameter nobody reads, which still reaches the pages that echo the full path)."""
    client.raise_request_exception = False
    query = urlencode(dict.fromkeys(["q", "next", "lang", "template", "by", "x"], hostile.payload))
    failures = []
    for page in [*PAGES, Page("sign-in", None, lambda w: "/accounts/login/", ())]:
        url = page.url(hostile)
        response = open_page(client, hostile, page, url + ("&" if "?" in url else "?") + query)
        problems = [f"answered {response.status_code}"] if response.status_code >= 500 else []
        problems += [f"runs {item}" for item in active_content(response.content.decode())]
        if problems:
            failures.append(f"{page.name}: {'; '.join(problems)}")
    assert not failures, "\n".join(failures)


def test_the_survey_page_sent_back_with_an_error_keeps_the_typed_text_escaped(hostile):
    html = hostile.reshown_page.decode()
    assert problems_with(html, [hostile.text("comment"), hostile.text("short"), hostile.text("qnps")]) == []
    assert f"{escape(hostile.text('qnps'))}: Please answer this question." in html  # the error summary


def test_the_recognition_form_keeps_the_typed_words_escaped_when_sent_back_and_names_the_receiver_escaped(hostile):
    html = hostile.reshown_recognition.decode()  # Bob forgot the company value
    assert problems_with(html, [hostile.text("recog"), hostile.text("vname")]) == []
    assert "Company value they lived: This field is required." in html
    name = hostile.people["alice"].user.get_full_name()
    for confirmation, message in [
        ("thanked", f"Thank you! {name} will see your recognition."),
        ("passed on", f"Sent: {name} will see the customer"),
    ]:
        html = hostile.confirmations[confirmation].decode()
        assert problems_with(html, []) == [], confirmation
        assert escape(message) in html, confirmation


def test_answers_kept_on_the_database_unavailable_page_stay_escaped(client, hostile, monkeypatch, settings):
    if "cxprogram.middleware.DatabaseUnavailableMiddleware" not in settings.MIDDLEWARE:
        pytest.skip("no page keeps the answers while the database is down")

    def database_down(**kwargs):
        raise OperationalError("the database is restarting")

    monkeypatch.setattr("surveys.views.responses.response_submit", database_down)
    monkeypatch.setattr(connection, "is_usable", lambda: False)
    page = client.get("/s/hostile/")
    q = hostile.questions
    choice = q["choice"].choices.first()
    answers = {f"q{q['nps'].pk}": "9", f"q{q['choice'].pk}": choice.pk, f"q{q['comment'].pk}": hostile.text("comment")}
    response = client.post("/s/hostile/", {**form_state(page.content.decode()), "next": "1", **answers})
    assert response.status_code == 503
    assert problems_with(response.content.decode(), [hostile.text("comment")]) == []


def test_the_invitation_email_is_escaped_as_html_and_exact_as_text(hostile):
    message = hostile.emails["invitation"]
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert problems_with(html, [hostile.text("cname"), hostile.text("title"), hostile.text("intro")]) == []
    # The plain-text part and the subject are not HTML: they carry the text exactly as typed.
    assert f"Dear {hostile.text('cname')}," in message.body
    assert hostile.text("intro") in message.body
    assert message.subject == f"{hostile.text('title')}: a minute of your time?"


def test_a_reply_to_the_customer_is_plain_text_exactly_as_the_employee_typed_it(hostile):
    message = hostile.emails["reply"]
    assert (message.to, message.subject, message.body) == (
        ["hostile@example.com"],
        hostile.text("rsubj"),
        hostile.text("rbody"),
    )
    assert message.alternatives == []
    assert message.content_subtype == "plain"


def test_the_api_returns_typed_text_exactly_as_json_that_a_browser_will_not_render(client, hostile):
    client.force_login(hostile.people["lead"].user)
    response = client.get(f"/api/v1/followups/{hostile.resolved_case.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    texts = [event["text"] for event in response.json()["events"]]
    assert hostile.text("note") in texts  # as typed: escaping belongs to whoever shows it


def _texts(*rows: tuple[str, ...]) -> Callable[[World], list[tuple[str, ...]]]:
    return lambda w: [tuple(w.text(tag) if tag else "" for tag in row) for row in rows]


# Per endpoint: its address, what to read from its JSON, and the typed texts that must come back exactly.
API_TEXTS = {
    "journeys": (lambda w: "/api/v1/journeys/", lambda body: [(j["name"], j["persona"]) for j in body["results"]],
                 _texts(("jname", "pname"))),
    "journey map": (lambda w: f"/api/v1/journeys/{w.journey.pk}/",
                    lambda body: [(s["name"], t["name"]) for s in body["stages"] for t in s["touchpoints"]],
                    _texts(("stname", "tpname"))),
    "KPIs": (lambda w: "/api/v1/kpis/", lambda body: [(k["name"], k["description"]) for k in body["results"]],
             _texts(("kname", "kdesc"), ("kunit", ""))),
    "recognitions": (lambda w: "/api/v1/recognitions/?source=peer",
                     lambda body: [(r["message"], r["value_name"]) for r in body["results"]],
                     _texts(("recog", "vname"))),
    "customer praise": (lambda w: "/api/v1/recognitions/?source=customer",
                        lambda body: [(r["message"], r["receiver_name"]) for r in body["results"]],
                        lambda w: [(w.text("praise"), w.people["alice"].user.get_full_name())]),
}  # fmt: skip


def test_the_journey_and_kpi_api_return_typed_text_exactly(client, hostile):
    client.force_login(hostile.people["lead"].user)
    failures = {}
    for endpoint, (url, read, expected) in API_TEXTS.items():
        response = client.get(url(hostile), headers={"accept-language": "en"})
        headers = (response.status_code, response["Content-Type"], response["X-Content-Type-Options"])
        if headers != (200, "application/json", "nosniff") or read(response.json()) != expected(hostile):
            failures[endpoint] = (headers, response.content.decode()[:500])
    assert failures == {}


def download(client, world: World, url: str) -> tuple[object, list[list[str]]]:
    client.force_login(world.people["lead"].user)
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("url", ["/results/hostile/export.csv", "/results/hostile/allies/?format=csv&list=detractors"])
def test_exports_are_attachments_that_a_browser_will_not_render(client, hostile, url):
    response, _rows = download(client, hostile, url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_responses_export_carries_typed_text_exactly(client, hostile):
    _response, (header, *rows) = download(client, hostile, "/results/hostile/export.csv")
    cells = [dict(zip(header, row, strict=True)) for row in rows]
    unhappy = tuple(hostile.text(t) for t in ("cext", "tp", "choice", "comment", "short"))
    happy = tuple(hostile.text(t) for t in ("cext", "tp", "choice", "praise", "praise2"))
    assert [(c["customer_external_id"], c["touchpoint"], c["choice"], c["comment"], c["short"]) for c in cells] == [
        unhappy,
        unhappy,
        happy,
    ]


def test_the_allies_export_carries_typed_text_exactly(client, hostile):
    _response, (header, *rows) = download(client, hostile, "/results/hostile/allies/?format=csv&list=detractors")
    expected = [hostile.text(t) for t in ("cext", "cname")] + ["hostile@example.com", ""]
    expected += [hostile.text("seg"), hostile.text("unit"), "1", hostile.text("comment")]
    assert header == ["external_id", "name", "email", "phone", "segment", "unit", "nps", "comment", "submitted_at"]
    assert [row[:-1] for row in rows] == [expected, expected]


def test_the_checks_would_notice_each_payload_served_raw(payload):
    """Guards against a blind checker: served raw, each payload runs, or is evaluated as a template."""
    if payload.startswith("{{"):
        with pytest.raises(TemplateSyntaxError):
            Template(payload)
    else:
        assert active_content(f'<p>{payload}</p><a href="{payload}">x</a>') != []
