"""System checks `manage.py check --deploy` runs on top of Django's own."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs) -> list[Error]:
    """SITE_URL is the address in every e-mailed link (invitations, unsubscribe, "is it solved?") and in API
    answers: it must be the public https:// address, or customers get links to nowhere or over plain HTTP."""
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme != "https" or not parts.hostname or _local(parts.hostname):
        return [
            Error(
                f"SITE_URL={settings.SITE_URL!r} is not the site's public https:// address.",
                hint="Set SITE_URL=https://cx.example.com (the address customers open links at).",
                id="cxprogram.E001",
            )
        ]
    return []


def _local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified or address.is_private
