"""A CX lead (or whoever took over one) points a webhook at an internal system through an address that Python 3.11's
`is_global` still calls global; each is refused on save, by the admin, and again at send time."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cxprogram.models import Webhook
from cxprogram.webhook_addresses import address_allowed

SNEAKY = [
    "2002:7f00:1::1",  # 6to4: 127.0.0.1 behind a 6to4 relay
    "2002:a00:1::1",  # 6to4 wrapping 10.0.0.1
    "fec0::1",  # deprecated site-local
    "192.0.0.8",  # IETF protocol assignments
    "192.88.99.1",  # 6to4 relay anycast
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b:1::1",  # local-use NAT64
    "3fff::1",  # documentation
    "::ffff:192.88.99.2",  # IPv4-mapped relay anycast
]


@pytest.mark.parametrize("address", SNEAKY)
def test_addresses_that_are_not_globally_routable_are_refused(address):
    assert address_allowed(address) is False
    url = f"http://[{address}]/hook" if ":" in address else f"http://{address}/hook"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        Webhook(name="Sneaky", url=url, events=["case.opened"]).full_clean()
    assert "webhooks only go to public addresses" in refused.value.message_dict["url"][0]


@pytest.mark.parametrize("address", ["93.184.215.14", "192.0.0.9", "2606:4700::1111", "64:ff9b::5db8:d70e"])
def test_globally_routable_addresses_still_pass(address):
    assert address_allowed(address) is True


def test_the_admin_refuses_a_6to4_loopback_webhook(admin_client):
    added = admin_client.post(
        "/admin/cxprogram/webhook/add/",
        {"name": "Relay", "url": "http://[2002:7f00:1::1]:6379/", "events": ["case.opened"], "secret": "x"},
    )
    assert added.status_code == 200
    assert "points to 2002:7f00:1::1" in added.content.decode()
    assert not Webhook.objects.exists()
