"""Russian and English UI: a switch that remembers the choice, a complete Russian catalogue."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES"


def test_switching_to_russian_translates_the_page(client):
    response = client.post(reverse("set-language"), {"language": "ru", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="ru">' in page
    assert "Войти" in page
    client.post(reverse("set-language"), {"language": "en", "next": "/accounts/login/"})
    assert "Sign in" in client.get("/accounts/login/").content.decode()


def test_browser_language_is_used_until_the_person_chooses(client):
    page = client.get("/accounts/login/", headers={"accept-language": "ru-RU,ru;q=0.9"}).content.decode()
    assert '<html lang="ru">' in page


def test_unknown_language_gets_a_clear_400(client):
    response = client.post(reverse("set-language"), {"language": "xx", "next": "/"})
    assert response.status_code == 400
    assert "Unknown language “xx”. Choose one of: English (en), Русский (ru)." in response.content.decode()


def test_switch_never_redirects_off_site(client):
    response = client.post(reverse("set-language"), {"language": "ru", "next": "https://evil.example/"})
    assert response.url == "/"


def test_every_ui_string_has_a_russian_translation():
    catalogue = polib.pofile(str(CATALOGUE / "django.po"))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    # Keyed by context too: "From" of an e-mail is not "From" of a date range.
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in polib.mofile(str(CATALOGUE / "django.mo"))}
    for entry in catalogue.translated_entries():
        if not entry.msgid_plural:
            assert compiled.get((entry.msgctxt, entry.msgid)) == entry.msgstr, (
                f"django.mo is older than django.po: {entry.msgid!r}"
            )
