"""Showing customers' comments: personal data masked for everyone but CX leads, sentiment and themes beside."""

from django import template
from django.utils.translation import get_language

from cxprogram.selectors import request_scope
from surveys.text.pii import mask

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_text(context, text: str) -> str:
    """The comment as this viewer may read it: phones, e-mails and card numbers masked unless a CX lead.
    The result is plain text and is escaped by the template like any other value."""
    request = context.get("request")
    if request is not None and request_scope(request).is_lead:
        return text
    return mask(text)


@register.filter
def theme_name(theme) -> str:
    """A theme's name in the page's language."""
    return theme.localized("name", (get_language() or "ru")[:2])


@register.filter
def themes_of(top_themes: dict, key) -> list:
    """The top themes a view computed for one touchpoint (or other key): `top_themes|themes_of:tp.pk`."""
    return top_themes.get(key, []) if top_themes else []
