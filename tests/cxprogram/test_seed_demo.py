"""The demo program: realistic, the four demo users can sign in, and seeding twice changes nothing."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cxprogram.models import Customer, Employee, Segment, Unit

pytestmark = pytest.mark.django_db


def counts():
    return (
        Unit.objects.count(),
        Segment.objects.count(),
        Employee.objects.count(),
        Customer.objects.count(),
        Customer.objects.filter(value_tier="high").count(),
    )


def test_seed_is_idempotent_and_realistic(client):
    call_command("seed_demo", password="pw-demo-1")
    first = counts()
    snapshot = list(Customer.objects.order_by("external_id").values_list("external_id", "name", "segment__code"))
    call_command("seed_demo", password="pw-demo-1")
    assert counts() == first
    assert (
        list(Customer.objects.order_by("external_id").values_list("external_id", "name", "segment__code")) == snapshot
    )

    units, segments, employees, customers, high_value = first
    assert (units, segments, employees, customers) == (15, 5, 32, 2400)
    assert Unit.objects.filter(kind="region").count() == 3
    assert Unit.objects.filter(kind="store").count() == 8
    assert 250 < high_value < 480  # about 15% of customers are high value
    assert Customer.objects.filter(segment__isnull=True).count() > 0


@pytest.mark.parametrize(
    ("username", "role", "unit_code"),
    [
        ("lead", "cx_lead", "cosy-home"),
        ("manager", "manager", "msk-tverskaya"),
        ("alice", "frontline", "msk-tverskaya"),
        ("bob", "frontline", "msk-tverskaya"),
    ],
)
def test_demo_users_sign_in_with_the_given_password(client, username, role, unit_code):
    call_command("seed_demo", password="pw-demo-2", customers=10)
    employee = Employee.objects.select_related("unit").get(user__username=username)
    assert (employee.role, employee.unit.code) == (role, unit_code)
    response = client.post("/accounts/login/", {"username": username, "password": "pw-demo-2"})
    assert response.status_code == 302


def test_lead_reaches_the_admin_and_frontline_does_not(client):
    call_command("seed_demo", customers=10)
    client.login(username="lead", password="demo")
    assert client.get("/admin/cxprogram/customer/").status_code == 200
    client.login(username="alice", password="demo")
    refused = client.get("/admin/cxprogram/customer/")
    assert refused.status_code == 403
    assert "The admin is for CX leads. You are signed in as alice" in refused.content.decode()


def test_once_leaves_an_existing_demo_alone(capsys):
    call_command("seed_demo", customers=10)
    call_command("seed_demo", once=True, password="other", customers=10)
    assert "already seeded" in capsys.readouterr().out


def test_empty_password_is_refused():
    with pytest.raises(CommandError, match="--password cannot be empty"):
        call_command("seed_demo", password="")


def test_responses_are_generated_once_and_hang_together():
    from surveys.models import Answer, Response, Survey

    call_command("seed_demo", customers=50, responses=300)
    call_command("seed_demo", customers=50, responses=300)
    assert Response.objects.exclude(survey__public_id__in=["pulse", "help-centre"]).count() == 300
    # The help centre's website widget: its answers once, each filed under a help page.
    website = Response.objects.filter(survey__public_id="help-centre")
    assert (website.count(), website.filter(website_page__isnull=False, channel="web").count()) == (216, 216)
    # Employees answer the anonymous pulse once a month for three months: no customer or employee on it.
    pulse = Response.objects.filter(survey__public_id="pulse")
    assert pulse.count() == 3 * Employee.objects.exclude(role="cx_lead").count()
    assert not pulse.filter(customer__isnull=False).exists() and not pulse.filter(employee__isnull=False).exists()
    assert Survey.objects.filter(status="live").count() == 5
    # Every NPS answer is 0–10, every response has its required scores, and detractors name what to improve.
    nps = Answer.objects.filter(question__code="nps", response__survey__public_id="store-visit")
    assert nps.count() == Response.objects.filter(survey__public_id="store-visit").count()
    assert not nps.filter(number__gt=10).exists()
    improve = Answer.objects.filter(question__code="improve").values_list("response_id", flat=True)
    assert not nps.filter(response_id__in=improve, number__gt=6).exists()
