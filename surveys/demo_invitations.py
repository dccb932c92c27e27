"""The demo's distribution: personal invitations a CX lead sent, each about the customer's own store."""

from datetime import timedelta

from django.utils import timezone

from cxprogram.models import Channel, Customer, Unit

from .models import Distribution, Invitation, Response, Survey

DEMO_DISTRIBUTION = "Визит в магазин — Тверская, за месяц"
DEMO_STORE = "msk-tverskaya"


def demo_distribution(survey: Survey, days: int = 30) -> int:
    """Once: a distribution the CX lead sent `days` ago to the Тверская store's customers, its invitations about each
    customer's home unit, and their answers since then linked to them (no new responses), so the store's manager
    owns the cases it opens. Returns the number of invitations made."""
    store = Unit.objects.filter(code=DEMO_STORE).first()
    if store is None or Distribution.objects.filter(name=DEMO_DISTRIBUTION).exists():
        return 0
    launched = timezone.now() - timedelta(days=days)
    distribution = Distribution.objects.create(
        survey=survey, name=DEMO_DISTRIBUTION, status=Distribution.Status.SENT, launched_at=launched
    )
    distribution.units.set([store])
    customers = list(Customer.objects.filter(home_unit=store).exclude(email="").order_by("pk"))
    answered = {}
    for response in Response.objects.filter(
        survey=survey, customer__in=customers, invitation__isnull=True, submitted_at__gte=launched
    ).order_by("submitted_at"):
        answered.setdefault(response.customer_id, response)
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                survey=survey, distribution=distribution, customer=customer, unit_id=customer.home_unit_id,
                channel=Channel.EMAIL, language=customer.language, delivery=Invitation.Delivery.SENT, sent_at=launched,
                opened_at=answered[customer.pk].submitted_at if customer.pk in answered else None,
                responded_at=answered[customer.pk].submitted_at if customer.pk in answered else None,
            )
            for customer in customers
        ]
    )  # fmt: skip
    linked = []
    for invitation in invitations:
        invitation.created_at = launched  # auto_now_add; the demo backdates it to the launch
        if response := answered.get(invitation.customer_id):
            response.invitation, response.unit_id = invitation, invitation.unit_id
            linked.append(response)
    Invitation.objects.bulk_update(invitations, ["created_at"], batch_size=1000)
    Response.objects.bulk_update(linked, ["invitation", "unit"], batch_size=1000)
    return len(invitations)
