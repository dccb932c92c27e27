"""Whom a distribution reaches: the customers its filters match, and why each one left out is left out."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Customer, Unit
from surveys.models import Distribution, Invitation, UnsubscribedAddress

REASONS = [  # in the order they are checked: a customer counts under the first that applies
    ("not_contactable", _("No consent or opted out")),
    ("no_email", _("No e-mail address")),
    ("unsubscribed", _("Unsubscribed")),
    ("throttled_survey", _("Asked this survey within its contact period")),
    ("throttled_program", _("Asked another survey within the program's contact period")),
]


def distribution_matches(*, distribution: Distribution) -> QuerySet[Customer]:
    """Every customer the distribution's filters (segments, value tiers, units with their subtrees, the uploaded
    list) select, before consent, addresses and throttling."""
    customers = Customer.objects.all()
    segments = list(distribution.segments.all())
    if segments:
        customers = customers.filter(segment__in=segments)
    tiers = [t.strip() for t in distribution.value_tiers.split(",") if t.strip()]
    if tiers:
        customers = customers.filter(value_tier__in=tiers)
    units = list(distribution.units.all())
    if units:
        within = Q()
        for unit in units:
            within |= Q(home_unit__in=Unit.objects.subtree_of(unit))
        customers = customers.filter(within)
    listed = [i.strip() for i in distribution.external_ids.replace(",", "\n").splitlines() if i.strip()]
    if listed:
        customers = customers.filter(external_id__in=listed)
    return customers


@dataclass(frozen=True)
class Audience:
    matched: int
    reached: int
    left_out: list[tuple[str, str, int]]  # code, label, count — every reason, zero included


def audience_breakdown(*, distribution: Distribution, now: datetime) -> Audience:
    """How many customers the filters match, how many an invitation would reach now, and how many are left out for
    each reason (each customer counted once, under the first reason) — one grouped query."""
    survey = distribution.survey
    same_survey = Invitation.objects.filter(
        customer=OuterRef("pk"), survey=survey, created_at__gte=now - timedelta(days=survey.contact_throttle_days)
    )
    any_survey = Invitation.objects.filter(
        customer=OuterRef("pk"), created_at__gte=now - timedelta(days=settings.PROGRAM_CONTACT_DAYS)
    )
    reason = Case(
        When(Q(consent=False) | Q(opted_out_at__isnull=False), then=Value("not_contactable")),
        When(email="", then=Value("no_email")),
        When(Exists(UnsubscribedAddress.objects.filter(email=OuterRef("email"))), then=Value("unsubscribed")),
        When(Exists(same_survey), then=Value("throttled_survey")),
        When(Exists(any_survey), then=Value("throttled_program")),
        default=Value("reached"),
        output_field=CharField(),
    )
    counts = dict(
        distribution_matches(distribution=distribution)
        .annotate(reason=reason)
        .values("reason")
        .order_by("reason")
        .annotate(n=Count("pk"))
        .values_list("reason", "n")
    )
    return Audience(
        matched=sum(counts.values()),
        reached=counts.get("reached", 0),
        left_out=[(code, label, counts.get(code, 0)) for code, label in REASONS],
    )
