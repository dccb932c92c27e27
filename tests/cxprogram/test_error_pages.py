"""Friendly error pages in the visitor's language, also on the demo server (`make run`), never Django's
technical pages."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import translation

from cxprogram.views import permission_denied, server_error

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("language", "title", "hint"),
    [
        ("ru", "Страница не найдена", "Проверьте адрес: ссылка из старого письма могла устареть."),
        ("en", "Page not found", "Check the address; a link from an old e-mail may have expired."),
    ],
)
def test_404_reads_in_the_visitors_language(client, db, language, title, hint):
    client.cookies["django_language"] = language
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f"<h1>{title}</h1>" in html and hint in html and 'href="/accounts/login/' in html
    assert "URLconf" not in html and "Traceback" not in html


@pytest.mark.parametrize(
    ("language", "title", "hint"),
    [
        ("ru", "Доступ запрещён", "попросите руководителя CX проверить вашу роль и подразделение."),
        ("en", "Not allowed", "ask a CX lead to check your role and unit."),
    ],
)
def test_403_reads_in_the_visitors_language(db, language, title, hint):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with translation.override(language):
        response = permission_denied(request)
    assert response.status_code == 403 and f"<h1>{title}</h1>" in response.content.decode()
    assert hint in response.content.decode()


@pytest.mark.parametrize(("language", "title"), [("ru", "Что-то пошло не так"), ("en", "Something went wrong")])
def test_500_reads_in_the_visitors_language(db, language, title):
    request = RequestFactory().get("/")
    with translation.override(language):
        response = server_error(request)
    assert response.status_code == 500 and f"<h1>{title}</h1>" in response.content.decode()


def test_the_demo_server_is_not_in_debug_mode_unless_asked():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"} | {"DJANGO_SETTINGS_MODULE": "cxprogram.settings.dev"}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
    env["DEBUG"] = "1"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "True"
