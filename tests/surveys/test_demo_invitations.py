"""The demo's distribution: invitations about each customer's store, so the Тверская manager owns their cases."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from cxprogram.models import Employee
from surveys.demo_invitations import DEMO_DISTRIBUTION
from surveys.models import Distribution, FollowUp, Invitation, Response

pytestmark = pytest.mark.django_db


def test_the_demo_distribution_reaches_the_tverskaya_manager(client):
    call_command("seed_demo", password="pw-demo-h", customers=400, responses=1500)
    counts = (Invitation.objects.count(), Response.objects.count(), FollowUp.objects.count())
    call_command("seed_demo", password="pw-demo-h", customers=400, responses=1500)
    assert (Invitation.objects.count(), Response.objects.count(), FollowUp.objects.count()) == counts

    distribution = Distribution.objects.get(name=DEMO_DISTRIBUTION)
    invitations = distribution.invitations.all()
    assert set(invitations.values_list("unit__code", flat=True)) == {"msk-tverskaya"}
    assert not invitations.exclude(unit=F("customer__home_unit")).exists()
    since = distribution.launched_at
    assert since < timezone.now() - timedelta(days=29)
    answered_since = Response.objects.filter(
        survey=distribution.survey, customer__home_unit__code="msk-tverskaya", submitted_at__gte=since
    ).exclude(customer__email="")
    linked = Response.objects.filter(invitation__distribution=distribution)
    assert linked.count() == answered_since.values("customer").distinct().count() > 0
    assert set(linked.values_list("unit__code", flat=True)) == {"msk-tverskaya"}

    cases = FollowUp.objects.filter(response__invitation__distribution=distribution)
    manager = Employee.objects.get(user__username="manager")
    assert cases.count() > 0
    assert set(cases.values_list("owner", flat=True)) == {manager.pk}
    client.force_login(manager.user)
    case = cases.order_by("pk").first()
    assert client.get(f"/followups/{case.pk}/").status_code == 200
    timeline = client.get(f"/customers/{case.response.customer_id}/").content.decode()
    assert f"/followups/{case.pk}/" in timeline
