"""Named capabilities on the scope decide alike what the menu offers, which pages open and what the API answers:
a person sees a menu entry exactly when the page behind it opens for them."""

import re

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from cxprogram.selectors import scope_for
from tests.cxprogram.factories import EmployeeFactory, UnitFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db

# Menu entry → the page behind it. (The follow-up queue opens, empty, for every employee; the menu offers it to
# those who can work cases: see the last two tests.)
PAGES = {
    "Results": "/results/",
    "Journeys": "/journeys/",
    "My KPIs": "/me/",
    "Team": "/team/",
    "What moves customers": "/kpis/outcomes/",
    "Wall": "/wall/",
}


@pytest.fixture
def people(db):
    company = UnitFactory(kind="company", parent=None)
    store = UnitFactory(kind="store", parent=company)
    return {
        "lead": EmployeeFactory(role="cx_lead", unit=company).user,
        "manager": EmployeeFactory(role="manager", unit=store).user,
        "frontline": EmployeeFactory(role="frontline", unit=store).user,
        "unlinked": User.objects.create_user("nobody", password="x"),
    }


def menu(client) -> set[str]:
    page = client.get("/wall/", headers={"accept-language": "en"})  # any page with the site's menu
    if page.status_code != 200:
        page = client.get("/accounts/login/", headers={"accept-language": "en"})
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page.content.decode(), re.S)
    return set(re.findall(r"<a [^>]*>([^<]+)</a>", nav.group(1))) if nav else set()


@pytest.mark.parametrize(
    ("who", "capabilities"),
    [
        (
            "lead",
            {
                "is_member",
                "can_author",
                "can_see_results",
                "can_see_outcomes",
                "can_work_cases",
                "has_own_page",
                "can_route_complaints",
            },
        ),
        ("manager", {"is_member", "can_see_results", "can_work_cases", "can_recognise_for_team", "has_own_page"}),
        ("frontline", {"is_member", "has_own_page"}),
        ("unlinked", set()),
    ],
)
def test_each_role_has_the_capabilities_its_role_promises(people, who, capabilities):
    scope = scope_for(people[who])
    names = ["is_member", "can_author", "can_see_results", "can_see_outcomes", "can_work_cases",
             "can_recognise_for_team", "has_own_page", "can_route_complaints"]  # fmt: skip
    if who == "lead":
        capabilities = capabilities | {"can_recognise_for_team"}
    assert {name for name in names if getattr(scope, name)} == capabilities


@pytest.mark.parametrize("who", ["lead", "manager", "frontline"])
def test_the_menu_offers_exactly_the_pages_that_open(client, people, who):
    client.force_login(people[who])
    offered = menu(client) & set(PAGES)
    opens = {label for label, url in PAGES.items() if client.get(url, follow=True).status_code == 200}
    assert offered == opens
    assert ("Results" in offered) == scope_for(people[who]).can_see_results


@pytest.mark.parametrize(("who", "offered"), [("lead", True), ("manager", True), ("frontline", False)])
def test_the_follow_up_queue_is_offered_to_those_who_work_cases(client, people, who, offered):
    client.force_login(people[who])
    assert ("Follow-ups" in menu(client)) == offered == scope_for(people[who]).can_work_cases


def test_a_frontline_employee_who_may_follow_their_own_cases_is_offered_the_queue(client, people, settings):
    settings.FOLLOWUP_FRONTLINE_SEES_OWN = True
    client.force_login(people["frontline"])
    assert "Follow-ups" in menu(client)
    assert client.get("/followups/").status_code == 200


@pytest.mark.parametrize(("who", "status"), [("lead", 200), ("manager", 200), ("frontline", 403)])
def test_the_api_asks_the_same_capability_as_the_results_page(people, who, status):
    survey = SurveyFactory(public_id="cap", status="live")
    QuestionFactory(survey=survey, code="nps", type="nps")
    api = APIClient()
    api.force_authenticate(people[who])
    assert api.get("/api/v1/metrics/", {"survey": "cap"}).status_code == status
    assert (status == 200) == scope_for(people[who]).can_see_results
