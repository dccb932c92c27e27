"""Staff pages call a survey by its title in the reader's language, never by its internal (English) name: home pages,
results, themes, the case desk and case page, the customer timeline, /me/, touchpoints, KPI pages and the exports."""

import html
import io
import re
import zipfile
from urllib.parse import unquote

import pytest
from django.core.management import call_command

from cxprogram.models import Employee
from journeys.models import Touchpoint
from surveys.models import FollowUp, Survey

pytestmark = pytest.mark.django_db

TITLES = {
    "ru": {"store-visit": "Ваш визит в «Уютный дом»", "delivery": "Ваша доставка"},
    "en": {"store-visit": "Your visit to Cosy Home", "delivery": "Your delivery"},
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", password="pw-titles", customers=300, responses=600)
        Survey.objects.filter(public_id="store-visit").update(name="INTERNAL visit name")
        Survey.objects.filter(public_id="delivery").update(name="INTERNAL delivery name")
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False)


def _page(client, url: str) -> str:
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def _staff_pages(client, language: str) -> dict[str, str]:
    client.cookies["django_language"] = language
    assert client.login(username="lead", password="pw-titles")
    case = FollowUp.objects.filter(response__survey__public_id="store-visit", response__customer__isnull=False).first()
    touchpoint = Touchpoint.objects.filter(measures__question__survey__public_id="store-visit").first()
    pages = {
        url: _page(client, url)
        for url in [
            "/",
            "/results/",
            "/results/store-visit/",
            "/results/store-visit/themes/",
            "/results/store-visit/allies/",
            "/followups/",
            case.get_absolute_url(),
            f"/customers/{case.response.customer_id}/",
            f"/journeys/{touchpoint.stage.journey_id}/touchpoints/{touchpoint.pk}/",
            "/team/",
            "/kpis/outcomes/",
        ]
    }
    alice = Employee.objects.get(user__username="alice")
    pages["/employees/alice/"] = _page(client, f"/employees/{alice.pk}/")
    assert client.login(username="alice", password="pw-titles")
    pages["/me/"] = _page(client, "/me/")
    return pages


@pytest.mark.parametrize("language", ["ru", "en"])
def test_staff_pages_show_the_title_in_the_readers_language_never_the_internal_name(client, demo, language):
    pages = _staff_pages(client, language)
    title = TITLES[language]["store-visit"]
    for url, page in pages.items():
        assert "INTERNAL" not in page, url
    assert f"<h1>{title}</h1>" in pages["/results/store-visit/"]
    assert re.search(
        rf"<a [^>]*>{re.escape(title)}</a></li><li aria-current=\"page\">", pages["/results/store-visit/themes/"]
    )
    assert f'/results/store-visit/">{title}</a>' in pages["/results/"]
    assert f">{title}</a></h3>" in pages["/"]  # the score tile
    assert f'<option value="store-visit">{title}</option>' in pages["/followups/"]
    case_page = next(page for url, page in pages.items() if url.startswith("/followups/") and url != "/followups/")
    assert f"{title} · " in case_page
    timeline = next(page for url, page in pages.items() if url.startswith("/customers/"))
    assert f" · {title}" in timeline
    touchpoint = next(page for url, page in pages.items() if "/touchpoints/" in url)
    assert f"<li>{title} — " in touchpoint


def _file_name(response) -> str:
    """The download's file name: filename*=utf-8''… for non-ASCII names, filename="…" otherwise."""
    disposition = response["Content-Disposition"]
    if "''" in disposition:
        return unquote(disposition.split("''", 1)[1])
    return re.search(r'filename="([^"]*)"', disposition).group(1)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_exports_are_named_after_the_title_in_the_readers_language(client, demo, language):
    client.cookies["django_language"] = language
    assert client.login(username="lead", password="pw-titles")
    title = TITLES[language]["delivery"]
    csv_name = _file_name(client.get("/results/delivery/export.csv"))
    assert re.fullmatch(rf"{title} \d{{4}}-\d\d-\d\d\.csv", csv_name)
    xlsx = client.get("/results/delivery/export.xlsx")
    assert re.fullmatch(rf"{title} \d{{4}}-\d\d-\d\d\.xlsx", _file_name(xlsx))
    body = b"".join(xlsx.streaming_content)
    workbook = zipfile.ZipFile(io.BytesIO(body)).read("xl/workbook.xml").decode()
    assert f'<sheet name="{title}" sheetId="1"' in workbook
