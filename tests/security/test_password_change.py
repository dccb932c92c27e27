"""Everyone changes their own password from the header, in both languages; the change signs out every other
session and revokes the API token, so whoever copied the old password, a session cookie or the token loses it."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
OLD, NEW = "secret-pass-123", "a-new-pass-4567"


def change(client, old=OLD, new=NEW, again=None):
    return client.post(
        "/accounts/password/", {"old_password": old, "new_password1": new, "new_password2": again or new}
    )


@pytest.mark.parametrize("who", ["alice", "store_manager", "lead"])
def test_every_role_changes_their_password_and_other_sessions_and_the_token_end(org, who):
    user = org["people"][who].user
    here, elsewhere = Client(), Client()
    assert here.login(username=user.username, password=OLD)
    assert elsewhere.login(username=user.username, password=OLD)
    token = Token.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/units/").status_code == 200

    start = here.get("/")
    home = here.get(start.url) if start.status_code == 302 else start
    assert 'href="/accounts/password/">Password</a>' in home.content.decode()
    assert here.get("/accounts/password/").status_code == 200
    done = change(here)
    assert (done.status_code, done.url) == (302, "/accounts/password/")
    page = here.get("/accounts/password/").content.decode()
    assert "Your password has been changed. Other devices were signed out and your API token was revoked." in page

    assert elsewhere.get("/me/").status_code == 302  # sent to sign in
    assert api.get("/api/v1/units/").status_code == 401
    assert not Token.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_the_page_reads_in_russian(client, org):
    client.force_login(org["people"]["bob"].user)
    client.cookies["django_language"] = "ru"
    page = client.get("/accounts/password/").content.decode()
    assert "Смена пароля" in page
    assert 'href="/accounts/password/">Пароль</a>' in page
    refused = change(client, old="wrong-old-pass")
    assert refused.status_code == 400
    assert "Ваш старый пароль введен неправильно" in refused.content.decode()


def test_a_borrowed_session_cannot_guess_the_old_password(client, org, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = org["people"]["alice"].user
    client.force_login(user)
    assert [change(client, old=f"guess-{n}").status_code for n in range(4)] == [400, 400, 400, 429]
    assert change(client).status_code == 429  # the right one too, for the lockout's length
    user.refresh_from_db()
    assert user.check_password(OLD)


def test_a_weak_new_password_is_refused_with_the_reason(client, org):
    client.force_login(org["people"]["alice"].user)
    refused = change(client, new="12345678")
    assert refused.status_code == 400
    assert "This password is too common." in refused.content.decode()


def test_a_password_set_in_the_admin_revokes_the_token_too(client, org, django_user_model):
    alice = org["people"]["alice"].user
    Token.objects.create(user=alice)
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "root-pass-123"))
    data = {"password1": NEW, "password2": NEW, "usable_password": "true"}
    assert client.post(f"/admin/auth/user/{alice.pk}/password/", data).status_code == 302
    alice.refresh_from_db()
    assert (alice.check_password(NEW), Token.objects.filter(user=alice).exists()) == (True, False)


def test_the_admins_change_password_link_leads_to_the_same_page(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "root-pass-123"))
    answer = client.get("/admin/password_change/")
    assert (answer.status_code, answer.url) == (302, "/accounts/password/")
