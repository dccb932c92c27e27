"""A password guesser fires concurrent sign-ins at real HTTP workers, hoping they all pass the lockout check before
any failure is counted. The attempt is counted atomically before the password is checked, so no more passwords
are tried than the limit allows, however the requests interleave."""

import threading
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.db import connection


def _post_sign_in(base: str, username: str, password: str) -> int:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
    url = f"{base}/accounts/login/"  # the live server of this test: http only
    request = urllib.request.Request(url, data=body.encode(), headers={"Referer": base})  # noqa: S310
    try:
        return opener.open(request).status
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_check_no_more_passwords_than_the_limit(live_server, org, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent requests against one database need PostgreSQL; SQLite in memory serialises them")
    settings.LOGIN_FAILURE_LIMIT = 5
    checked = []

    from django.contrib.auth import backends

    check_password = backends.ModelBackend.authenticate

    def counting_authenticate(self, request, username=None, password=None, **kwargs):
        checked.append(password)
        return check_password(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(backends.ModelBackend, "authenticate", counting_authenticate)
    guesses = 16
    barrier = threading.Barrier(guesses)
    statuses: list[int] = []

    def guess(n: int) -> None:
        barrier.wait()
        statuses.append(_post_sign_in(live_server.url, "alice", f"wrong-{n}"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == 5  # passwords actually compared: exactly the limit
    assert sorted(statuses) == [200] * 5 + [429] * 11
    # Even the right password is refused now.
    assert _post_sign_in(live_server.url, "alice", "secret-pass-123") == 429
