"""Reads of the journeys app that other apps reach through settings, never by importing this app."""

from cxprogram.models import Unit

from .models import Touchpoint


def touchpoint_owner_unit(touchpoint_code: str) -> Unit | None:
    """The unit that owns the touchpoint with this code (the closed loop's second choice of case owner)."""
    if not touchpoint_code:
        return None
    touchpoint = Touchpoint.objects.select_related("owner_unit").filter(code=touchpoint_code).first()
    return touchpoint.owner_unit if touchpoint else None
