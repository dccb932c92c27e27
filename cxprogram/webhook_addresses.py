"""Where webhooks may connect: only http(s) URLs whose host resolves to public addresses (never private, loopback,
link-local, reserved, multicast or unspecified ones), checked when a webhook is saved and again at each send;
and connections pinned to the address that was checked, so a DNS answer that changes in between cannot
redirect a delivery."""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


def resolve(host: str, port: int | None) -> list[str]:
    """Every address the host name resolves to (IPv4 and IPv6), in the resolver's order."""
    if not host:
        raise ValueError(_("no host name"))
    infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def url_refusal(url: str, *, addresses: list[str] | None = None) -> str:
    """Why a webhook may not use this URL, or "" when it may: only http(s), no credentials in it, and every
    address the host resolves to must be public (WEBHOOK_ALLOW_LOOPBACK lets tests reach this machine)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return _("Use an http:// or https:// address.")
    if not parts.hostname:
        return _("The address has no host name.")
    if parts.username or parts.password:
        return _("Leave the user name and password out of the address; the signature shows the request is ours.")
    try:
        port = parts.port
    except ValueError:
        return _("The port in the address is not a number.")
    if addresses is None:
        try:
            addresses = resolve(parts.hostname, port)
        except (OSError, UnicodeError, ValueError):
            return _("The host name “%(host)s” could not be resolved.") % {"host": parts.hostname}
    if not addresses:
        return _("The host name “%(host)s” could not be resolved.") % {"host": parts.hostname}
    for address in addresses:
        if not address_allowed(address):
            return _(
                "“%(host)s” points to %(address)s, a private, loopback, link-local or reserved address; "
                "webhooks only go to public addresses."
            ) % {"host": parts.hostname, "address": address}
    return ""


# Special-purpose ranges that Python 3.11's `is_global` still calls global (IANA's registries, as later Pythons
# read them): 6to4 and its relay anycast (a 2002:7f00:1:: address reaches 127.0.0.1 through a 6to4 router),
# deprecated site-local IPv6, IETF protocol assignments, documentation and segment-routing ranges.
NOT_GLOBAL = [
    ipaddress.ip_network(n)
    for n in (
        "192.0.0.0/24", "192.88.99.0/24", "2002::/16", "fec0::/10", "3fff::/20", "5f00::/16", "64:ff9b:1::/48",
    )
]  # fmt: skip
# …except these two, which IANA lists as globally reachable.
GLOBAL_EXCEPTIONS = [ipaddress.ip_network("192.0.0.9/32"), ipaddress.ip_network("192.0.0.10/32")]
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def address_allowed(address: str) -> bool:
    """Whether a webhook may connect to this IP address: globally routable unicast only."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback and settings.WEBHOOK_ALLOW_LOOPBACK:
        return True
    if ip in NAT64:  # the well-known NAT64 prefix carries an IPv4 address, which must be global itself
        return address_allowed(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    if any(ip in network for network in GLOBAL_EXCEPTIONS):
        return True
    return ip.is_global and not ip.is_multicast and not any(ip in network for network in NOT_GLOBAL)


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, while the Host header keeps the URL's host name."""

    def __init__(self, host, port=None, *, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, with the certificate verified for the URL's host name."""

    def __init__(self, host, port=None, *, address: str, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
