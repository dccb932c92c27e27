"""The site's own sign-in page, with brute-force protection."""

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def attempt(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_sign_in_and_out(client, org):
    response = attempt(client, "alice", "secret-pass-123")
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("me")).status_code == 302


def test_wrong_password_is_explained_next_to_the_form(client, org):
    response = attempt(client, "alice", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_LOCKOUT_SECONDS=600)
def test_account_is_locked_after_repeated_failures_even_with_the_right_password(client, org):
    for _ in range(3):
        assert attempt(client, "alice", "wrong").status_code == 200
    response = attempt(client, "alice", "secret-pass-123")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. Try again in 10 minutes." in response.content.decode()
    # Another person is not locked out by Alice's failures.
    assert attempt(client, "bob", "secret-pass-123", address="10.0.0.2").status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=100, LOGIN_FAILURE_LIMIT_PER_ADDRESS=5)
def test_one_address_guessing_many_usernames_is_stopped(client, org):
    for n in range(5):
        attempt(client, f"guess{n}", "wrong", address="10.9.9.9")
    assert attempt(client, "bob", "secret-pass-123", address="10.9.9.9").status_code == 429
    assert attempt(client, "bob", "secret-pass-123", address="10.9.9.8").status_code == 302


def test_successful_sign_in_clears_the_username_counter(client, org):
    for _ in range(4):
        attempt(client, "alice", "wrong")
    assert attempt(client, "alice", "secret-pass-123").status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        attempt(client, "alice", "wrong")
    assert attempt(client, "alice", "secret-pass-123").status_code == 302


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("login"))
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_form_without_csrf_token_gets_a_polite_403():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "This form has expired or your browser blocked cookies." in response.content.decode()
