"""The admin's user pages: CX leads manage people ("change user"), but cannot make anybody a superuser, grant
single permissions or take over a superuser's account (Django leaves all of that to whoever may change users)."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from cxprogram.services import employee_upsert
from tests.cxprogram.factories import UnitFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


class _FormFields(HTMLParser):
    """What a browser would send for a form as it is shown (checked boxes, selected options, texts)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and "__prefix__" not in name and a.get("type") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((name, a.get("value") or ("on" if a.get("type") == "checkbox" else "")))
        elif tag == "select" and name and "__prefix__" not in name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)


def shown_form(html: str) -> dict[str, list[str]]:
    parser = _FormFields()
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data


@pytest.fixture
def people(db):
    company = UnitFactory(kind="company", parent=None, code="co")
    lead = employee_upsert(username="lead", unit=company, role="cx_lead", password_hash=make_password("lead-pw-1"))
    clerk = employee_upsert(username="clerk", unit=company, role="frontline", first_name="Clerk")
    root = User.objects.create_superuser("root", "root@example.com", "root-pass-123")
    return {"lead": lead.user, "clerk": clerk.user, "root": root}


def edit_user(client, user, **changes):
    url = f"/admin/auth/user/{user.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = shown_form(page.content.decode()) | {name: [value] for name, value in changes.items()}
    return page, client.post(url, data)


def test_a_cx_lead_manages_people_but_cannot_make_anybody_a_superuser(client, people):
    client.force_login(people["lead"])
    for target in (people["lead"], people["clerk"]):
        page, response = edit_user(client, target, first_name="Renamed", is_superuser="on", user_permissions="1")
        assert 'name="is_superuser"' not in page.content.decode()
        assert 'name="user_permissions"' not in page.content.decode()
        assert response.status_code == 302, response.content.decode()[:2000]
        target.refresh_from_db()
        assert (target.first_name, target.is_superuser, target.user_permissions.count()) == ("Renamed", False, 0)


def test_a_cx_lead_cannot_touch_a_superusers_account(client, people):
    client.force_login(people["lead"])
    root = people["root"]
    page = client.get(f"/admin/auth/user/{root.pk}/change/")  # they may view it ("view user"), not change it
    assert page.status_code == 200
    assert 'name="username"' not in page.content.decode()
    assert (
        client.post(f"/admin/auth/user/{root.pk}/change/", {"username": "root", "email": "x@evil.example"}).status_code
        == 403
    )
    changed = client.post(
        f"/admin/auth/user/{root.pk}/password/", {"password1": "taken-over-123", "password2": "taken-over-123"}
    )
    assert changed.status_code == 403
    root.refresh_from_db()
    assert (root.email, root.check_password("root-pass-123")) == ("root@example.com", True)


def test_a_superuser_still_grants_superuser_status(client, people):
    client.force_login(people["root"])
    _page, response = edit_user(client, people["lead"], is_superuser="on")
    assert response.status_code == 302
    people["lead"].refresh_from_db()
    assert people["lead"].is_superuser is True
