"""Template filters of the celebration wall: company values in the page's language, and who sees points."""

from django import template
from django.utils.translation import get_language

from cxprogram.selectors import Scope

from ..models import CompanyValue, Recognition
from ..selectors.recognition import points_shown_to, value_label

register = template.Library()


@register.filter
def value_name(value: CompanyValue | None) -> str:
    """The company value's name in the page's language (falling back to the other one)."""
    return value_label(value, (get_language() or "en")[:2])


@register.filter
def points_visible_to(recognition: Recognition, scope: Scope | None) -> bool:
    return scope is not None and points_shown_to(scope, recognition)
