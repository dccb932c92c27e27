"""Guessing links: an unknown, a used and a malformed invitation token look the same, guessing is limited per
client address (which a client cannot fake), and signed links of one kind are worthless as another."""

import pytest
from django.core import signing
from django.test import Client

from cxprogram.models import Customer
from surveys.links import RECOVERY_SALT, unsubscribe_token
from surveys.models import Invitation, Question
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.conftest import submit
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
COMPARED_HEADERS = ["Content-Type", "Content-Language", "Vary", "Cache-Control", "Set-Cookie", "Location"]


@pytest.fixture
def links(db, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    survey = SurveyFactory(public_id="guess")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS)
    used = InvitationFactory(survey=survey, customer=CustomerFactory())
    assert submit(Client(), f"/s/i/{used.token}/", {f"q{nps.pk}": "9"}).status_code == 302
    return {"survey": survey, "used": used, "open": InvitationFactory(survey=survey, customer=CustomerFactory())}


def answer_to(client, path, method="get", address="10.0.0.1", **headers):
    call = getattr(client, method)
    return call(path, REMOTE_ADDR=address, headers={"accept-language": "en", **headers})


def fingerprint(response) -> tuple:
    return (response.status_code, response.content, [response.headers.get(h) for h in COMPARED_HEADERS])


GUESSES = [
    "not-a-real-token-at-all",
    "A" * 32,  # the length of a real token
    "x" * 5000,
    "токен",
    "%27%20OR%201%3D1%20--",
    "..%5C..%5Cadmin",
]


@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_used_and_malformed_tokens_are_answered_identically(client, links, method):
    used = fingerprint(answer_to(client, f"/s/i/{links['used'].token}/", method))
    assert used[0] == 404
    for guess in GUESSES:
        assert fingerprint(answer_to(client, f"/s/i/{guess}/", method, address="10.0.0.2")) == used, guess
        client.cookies.clear()


def test_used_tokens_count_as_misses_and_the_limit_hides_even_a_valid_token(client, links, settings):
    settings.INVITATION_MISS_LIMIT = 4
    for path in [f"/s/i/{links['used'].token}/", "/s/i/guess-1/", f"/s/i/{links['used'].token}/", "/s/i/guess-2/"]:
        assert answer_to(client, path).status_code == 404
    limited = [
        fingerprint(answer_to(client, path, method))
        for path in [f"/s/i/{links['open'].token}/", f"/s/i/{links['used'].token}/", "/s/i/guess-3/"]
        for method in ("get", "post")
    ]
    assert limited[0][0] == 429
    assert all(item == limited[0] for item in limited)
    assert b"We received many answers from your network just now." in limited[0][1]
    assert answer_to(client, f"/s/i/{links['open'].token}/", address="10.0.0.9").status_code == 200


def test_a_client_cannot_escape_the_limit_by_inventing_forwarded_addresses(client, links, settings):
    settings.INVITATION_MISS_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(3):
        answer_to(client, f"/s/i/guess-{n}/", x_forwarded_for=f"203.0.113.{n}")
    assert answer_to(client, "/s/i/guess-9/", x_forwarded_for="203.0.113.99").status_code == 429


def test_behind_one_proxy_only_the_address_the_proxy_saw_counts(client, links, settings):
    settings.INVITATION_MISS_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(3):  # the client puts a fresh fake address in front; the proxy appends the real one
        answer_to(client, f"/s/i/guess-{n}/", address="10.0.0.1", x_forwarded_for=f"198.51.100.{n}, 192.0.2.7")
    assert answer_to(client, "/s/i/guess-9/", x_forwarded_for="198.51.100.200, 192.0.2.7").status_code == 429
    assert answer_to(client, f"/s/i/{links['open'].token}/", x_forwarded_for="192.0.2.8").status_code == 200


def test_invitation_tokens_are_long_random_and_distinct(links):
    tokens = [InvitationFactory(survey=links["survey"]).token for _ in range(200)]
    assert len(set(tokens)) == 200
    assert {len(token) for token in tokens} == {32}  # 24 random bytes, URL-safe base64: 192 bits


def test_signed_links_are_worthless_outside_their_purpose(client, links):
    invitation = links["open"]
    unsubscribe = unsubscribe_token(invitation)
    as_recovery = signing.dumps({"f": invitation.pk}, salt="surveys.unsubscribe")
    assert client.get(f"/f/{unsubscribe}/").status_code == 404  # an unsubscribe link is no "is it solved?" link
    assert client.get(f"/f/{as_recovery}/").status_code == 404
    assert client.post(f"/u/{signing.dumps({'i': invitation.pk}, salt=RECOVERY_SALT)}/").status_code == 404
    assert client.post(f"/u/{unsubscribe[:-4]}abcd/").status_code == 404  # tampered
    assert client.get(f"/s/i/{unsubscribe}/").status_code == 404
    assert Customer.objects.filter(opted_out_at__isnull=False).count() == 0
    assert Invitation.objects.filter(opened_at__isnull=False).count() == 1  # only the used one was ever opened
