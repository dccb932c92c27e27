"""Roles mean what they say in the admin too, tried the way a demoted lead or an ambitious one would.

Every path that changes or removes a role (the admin's Employee page, the employee inline on the user page, the
API's upsert, deleting the record) takes admin access away with the role; flags that linger open nothing, since the
admin checks the role at each request; a lead cannot grant themselves groups or take over an account that can do
more than they can; and a signed-in person without admin access gets a page saying so, not a redirect loop."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cxprogram.models import Employee
from cxprogram.services import CX_LEADS_GROUP, cx_lead_group_sync, employee_upsert
from tests.cxprogram.factories import UnitFactory
from tests.security.test_admin_privileges import edit_user, shown_form

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "lead-pass-1234"


@pytest.fixture
def staff(db):
    company = UnitFactory(kind="company", parent=None, code="co")
    store = UnitFactory(kind="store", parent=company, code="store")
    cx_lead_group_sync()

    def person(username: str, role: str) -> User:
        return employee_upsert(
            username=username, unit=company if role == "cx_lead" else store, role=role,
            password_hash=make_password(PASSWORD),
        ).user  # fmt: skip

    return {
        "boss": person("boss", "cx_lead"),  # the lead who demotes
        "lena": person("lena", "cx_lead"),  # the lead being demoted
        "alice": person("alice", "frontline"),
        "root": User.objects.create_superuser("root", "root@example.com", PASSWORD),
    }


def signed_in(client, user):
    client.force_login(user)
    return client


def admin_closed_to(user) -> bool:
    from django.test import Client

    client = signed_in(Client(), user)
    pages = ["/admin/", "/admin/cxprogram/customer/", "/admin/cxprogram/webhook/", "/admin/auth/user/"]
    return all(client.get(page).status_code == 403 for page in pages)


def assert_no_admin_power(user) -> None:
    user.refresh_from_db()
    assert (user.is_staff, user.groups.filter(name=CX_LEADS_GROUP).exists()) == (False, False)
    assert admin_closed_to(user)


def test_a_lead_reaches_every_admin_page_before_demotion(staff):
    from django.test import Client

    client = signed_in(Client(), staff["lena"])
    assert [client.get(p).status_code for p in ["/admin/", "/admin/cxprogram/customer/", "/admin/auth/user/"]] == [
        200,
        200,
        200,
    ]


def test_demotion_on_the_admins_employee_page_takes_admin_access_away(client, staff):
    signed_in(client, staff["boss"])
    url = f"/admin/cxprogram/employee/{staff['lena'].employee.pk}/change/"
    data = shown_form(client.get(url).content.decode()) | {"role": ["frontline"]}
    assert client.post(url, data).status_code == 302
    assert Employee.objects.get(user=staff["lena"]).role == "frontline"
    assert_no_admin_power(staff["lena"])


def test_demotion_in_the_inline_on_the_user_page_takes_admin_access_away(client, staff):
    signed_in(client, staff["boss"])
    _page, saved = edit_user(client, staff["lena"], **{"employee-0-role": "manager"})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert Employee.objects.get(user=staff["lena"]).role == "manager"
    assert_no_admin_power(staff["lena"])


def test_demotion_through_the_api_takes_admin_access_away(staff):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff['boss']).key}")
    answer = api.post("/api/v1/employees/", {"username": "lena", "role": "frontline"}, format="json")
    assert answer.status_code == 200, answer.content
    assert_no_admin_power(staff["lena"])


def test_deleting_the_employee_record_takes_admin_access_away(client, staff):
    signed_in(client, staff["boss"])
    url = f"/admin/cxprogram/employee/{staff['lena'].employee.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Employee.objects.filter(user=staff["lena"]).exists()
    assert_no_admin_power(staff["lena"])


def test_deleting_records_from_the_list_takes_admin_access_away(client, staff):
    signed_in(client, staff["boss"])
    chosen = {"action": "delete_selected", "_selected_action": [staff["lena"].employee.pk], "post": "yes"}
    assert client.post("/admin/cxprogram/employee/", chosen).status_code == 302
    assert_no_admin_power(staff["lena"])


def test_flags_left_behind_open_nothing(staff):
    """A frontline employee who is still staff and in the leads' group (set by hand, or from before roles were
    synced) is refused, because the admin reads the role at each request."""
    alice = staff["alice"]
    User.objects.filter(pk=alice.pk).update(is_staff=True)
    alice.groups.add(Group.objects.get(name=CX_LEADS_GROUP))
    assert admin_closed_to(alice)


def test_a_signed_in_employee_gets_a_page_in_their_language_not_a_redirect_loop(client, staff):
    signed_in(client, staff["alice"])
    client.cookies["django_language"] = "ru"
    for url in ["/admin/", "/admin/cxprogram/customer/?q=x", "/admin/login/?next=/admin/"]:
        answer = client.get(url, follow=True)
        assert answer.status_code == 403
        assert len(answer.redirect_chain) <= 1  # the sign-in page sends a signed-in person on once, to the 403
        page = answer.content.decode()
        assert "Нет доступа к администрированию" in page
        assert "Администрирование предназначено для CX-лидов. Вы вошли как alice" in page


def test_a_lead_cannot_join_a_group(client, staff):
    platform = Group.objects.create(name="Platform admins")
    platform.permissions.set(Permission.objects.filter(content_type__app_label="authtoken"))
    signed_in(client, staff["boss"])
    page, saved = edit_user(client, staff["boss"], groups=str(platform.pk))
    assert 'name="groups"' not in page.content.decode()
    assert saved.status_code == 302
    assert list(staff["boss"].groups.values_list("name", flat=True)) == [CX_LEADS_GROUP]
    assert signed_in(client, staff["boss"]).get("/admin/authtoken/tokenproxy/").status_code == 403


def test_a_lead_cannot_take_over_an_account_that_can_do_more(client, staff):
    platform = Group.objects.create(name="Platform admins")
    platform.permissions.set(Permission.objects.filter(content_type__app_label="authtoken"))
    integrator = User.objects.create_user("integrator", "i@example.com", PASSWORD, is_staff=True)
    integrator.groups.add(platform)
    signed_in(client, staff["boss"])
    taken = {"password1": "taken-over-9876", "password2": "taken-over-9876", "usable_password": "true"}
    assert client.post(f"/admin/auth/user/{integrator.pk}/password/", taken).status_code == 403
    assert client.post(f"/admin/auth/user/{integrator.pk}/change/", {"email": "x@evil.example"}).status_code == 403
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff['boss']).key}")
    refused = api.post("/api/v1/employees/", {"username": "integrator", "email": "x@evil.example"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["username"] == [
        "This user holds permissions you do not have; only a superuser may change them."
    ]
    integrator.refresh_from_db()
    assert (integrator.email, integrator.check_password(PASSWORD)) == ("i@example.com", True)
    # The same lead still sets a frontline employee's password.
    assert client.post(f"/admin/auth/user/{staff['alice'].pk}/password/", taken).status_code == 302
    staff["alice"].refresh_from_db()
    assert staff["alice"].check_password("taken-over-9876")


def test_only_a_superuser_grants_a_group(client, staff):
    platform = Group.objects.create(name="Platform admins")
    signed_in(client, staff["root"])
    _page, saved = edit_user(client, staff["alice"], groups=str(platform.pk))
    assert saved.status_code == 302
    assert list(staff["alice"].groups.values_list("name", flat=True)) == ["Platform admins"]
