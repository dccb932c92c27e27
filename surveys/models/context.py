"""Where an interaction happened and with whom, shared by invitations and responses."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Channel, Customer, Employee, Unit


class InteractionContext(models.Model):
    """Where an interaction happened and with whom: shared by invitations and the responses they lead to."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="%(class)ss",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="%(class)ss"
    )
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee who served"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="%(class)ss",
    )
    touchpoint = models.CharField(_("touchpoint code"), max_length=50, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    transaction_ref = models.CharField(_("transaction reference"), max_length=100, blank=True)

    class Meta:
        abstract = True
