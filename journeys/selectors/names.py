"""Touchpoint names for pages of lower apps, which know touchpoints only by the code responses carry."""

from journeys.models import Touchpoint


def touchpoint_names() -> dict[str, str]:
    """{code: name} of every touchpoint, for filters that offer touchpoints by name."""
    return dict(Touchpoint.objects.order_by("name").values_list("code", "name"))
