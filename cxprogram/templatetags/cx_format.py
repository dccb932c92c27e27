"""Template filters that present figures the way people read them."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration_minutes(minutes: float | None) -> str:
    """A span of minutes in minutes, hours or days ("45 min", "3 h 20 min", "2 d 4 h"), never "1367 min"."""
    if minutes is None:
        return "—"
    total = round(abs(minutes))  # a span: "overdue by" or "due in" is said by the template
    if total < 60:
        return _("%(m)d min") % {"m": total}
    hours, mins = divmod(total, 60)
    if hours < 24:
        return (_("%(h)d h %(m)d min") % {"h": hours, "m": mins}) if mins else _("%(h)d h") % {"h": hours}
    days, hours = divmod(hours, 24)
    return (_("%(d)d d %(h)d h") % {"d": days, "h": hours}) if hours else _("%(d)d d") % {"d": days}


@register.filter
def minutes_until(moment: datetime | None) -> float | None:
    """Minutes from now until `moment` (negative once it has passed)."""
    if moment is None:
        return None
    return (moment - timezone.now()).total_seconds() / 60
