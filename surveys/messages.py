"""A distribution's own e-mail texts, rendered: {name}, {store} and {link} filled in, every value escaped in the
HTML, and the one-click unsubscribe line always added. Pure: no database, no sending."""

from dataclasses import dataclass

from django.utils import translation
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from surveys.models import DistributionMessage


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def message_render(
    *, message: DistributionMessage, name: str, store: str, link: str, unsubscribe: str
) -> RenderedMessage:
    """The message with {name}, {store} and {link} filled in: plain text, and HTML in which every value is escaped
    and the link is a link; the one-click unsubscribe line is always added."""
    with translation.override(message.language):
        footer = _("Don't want these e-mails? Unsubscribe in one click:")
        name = name or _("customer")
    values = {"{name}": name, "{store}": store}
    subject, text = message.subject, message.body
    for key, value in values.items():
        subject, text = subject.replace(key, value), text.replace(key, value)
    subject = " ".join(subject.replace("{link}", "").split())  # a header is one line
    html = linebreaks(escape(text)).replace(escape("{link}"), f'<a href="{escape(link)}">{escape(link)}</a>')
    if "{link}" not in message.body:
        html += f'<p><a href="{escape(link)}">{escape(link)}</a></p>'
        text += f"\n\n{link}"
    text = text.replace("{link}", link)
    text += f"\n\n{footer} {unsubscribe}\n"
    html += f'<p><small>{escape(footer)} <a href="{escape(unsubscribe)}">{escape(unsubscribe)}</a></small></p>'
    return RenderedMessage(subject=subject, text=text, html=f"<!doctype html><html><body>{html}</body></html>")
