"""Open redirects: no parameter or header makes the site send a browser to another site.

`REDIRECTORS` lists every place that redirects to an address it was given; a new one joins the list."""

from urllib.parse import urlencode

import pytest
from django.utils.http import url_has_allowed_host_and_scheme

from surveys.links import ResponseContext
from surveys.models import Answer, Question
from surveys.services.responses import response_submit
from tests.kpis.factories import CompanyValueFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db

ELSEWHERE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    " https://evil.example",
    "\thttps://evil.example",
    "https://testserver@evil.example/",
    "https://testserver.evil.example/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://evil.example/%2F..",
]


def stays_on_site(response) -> bool:
    location = response.headers.get("Location", "")
    return url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}) and location.startswith("/")


REDIRECTORS = {
    "sign-in (next in the form)": lambda client, org, target: client.post(
        "/accounts/login/", {"username": "alice", "password": "secret-pass-123", "next": target}
    ),
    "sign-in (next in the address)": lambda client, org, target: client.post(
        "/accounts/login/?" + _query(target), {"username": "alice", "password": "secret-pass-123"}
    ),
    "admin sign-in": lambda client, org, target: client.post(
        "/admin/login/?" + _query(target), {"username": "alice", "password": "secret-pass-123"}
    ),
    "sign-in page when already signed in": lambda client, org, target: _signed_in(client, org).get(
        "/accounts/login/?" + _query(target)
    ),
    "sign-out": lambda client, org, target: _signed_in(client, org).post("/accounts/logout/", {"next": target}),
    "sign-out (next in the address)": lambda client, org, target: _signed_in(client, org).post(
        "/accounts/logout/?" + _query(target)
    ),
    "language switch (next)": lambda client, org, target: client.post(
        "/i18n/setlang/", {"language": "ru", "next": target}
    ),
    "language switch (referer)": lambda client, org, target: client.post(
        "/i18n/setlang/", {"language": "ru"}, headers={"referer": target}
    ),
    "customer praise passed on (next)": lambda client, org, target: _signed_in(client, org, "store_manager").post(
        f"/recognise/praise/{_praise(org).pk}/", {"next": target}
    ),
}


def _query(target: str) -> str:
    return urlencode({"next": target})


def _signed_in(client, org, who: str = "alice"):
    client.force_login(org["people"][who].user)
    return client


def _praise(org) -> Answer:
    """A happy customer's fresh comment about Alice, for her manager to pass on (once per comment).

    Each call writes new words: the same praise repeated is one suggestion, passed on once."""
    CompanyValueFactory(code="care")
    survey = SurveyFactory()
    nps = QuestionFactory(survey=survey, code="nps", type=Question.Type.NPS)
    comment = QuestionFactory(survey=survey, code="comment", type=Question.Type.LONG_TEXT)
    context = ResponseContext(unit=org["units"]["north_store"], employee=org["people"]["alice"])
    response = response_submit(
        survey=survey, questions=[nps, comment], language="en", source="api", context=context,
        answers={nps.pk: 10, comment.pk: f"So helpful, thank you ({survey.pk})"},
    )  # fmt: skip
    return response.answers.get(question=comment)


@pytest.mark.parametrize("redirector", list(REDIRECTORS))
def test_no_redirect_leaves_the_site(client, org, redirector):
    gone = []
    for target in ELSEWHERE:
        client.logout()
        response = REDIRECTORS[redirector](client, org, target)
        assert response.status_code == 302, (target, response.status_code)
        if not stays_on_site(response):
            gone.append((target, response.headers.get("Location")))
    assert gone == []


@pytest.mark.parametrize("redirector", list(REDIRECTORS))
def test_an_address_on_the_site_is_still_followed(client, org, redirector):
    response = REDIRECTORS[redirector](client, org, "/units/?x=1")
    assert response.url == "/units/?x=1"
