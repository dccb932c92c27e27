"""{% background_notice %}: CX leads are told, in words, when background work has stopped and what waits for it.
A tag because the admin index shows it too, and the admin's views are Django's own."""

from django import template
from django.conf import settings

from cxprogram.selectors import background_health, background_waiting_work, request_scope

register = template.Library()


@register.inclusion_tag("cxprogram/_background_notice.html", takes_context=True)
def background_notice(context, box_class: str = "error-summary") -> dict:
    """Nothing unless the reader is a CX lead and the worker or beat has not been heard from lately."""
    request = context.get("request")
    if settings.CELERY_TASK_ALWAYS_EAGER or request is None or not request_scope(request).is_lead:
        return {}
    health = background_health()
    if not health.stopped:
        return {}
    return {"health": health, "waiting": background_waiting_work(), "box_class": box_class}
