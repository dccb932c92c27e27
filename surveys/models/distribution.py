"""Distributions of a survey by e-mail, the invitations they send, and addresses that asked for no more."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Unit
from surveys.models.context import InteractionContext
from surveys.models.surveys import Survey


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Distribution(models.Model):
    """Sending a survey by e-mail to customers chosen by segment, value tier, unit or a list, with reminders."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="distributions")
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    segments = models.ManyToManyField("cxprogram.Segment", verbose_name=_("segments"), blank=True)
    value_tiers = models.CharField(
        _("value tiers"), max_length=30, blank=True, help_text=_("Comma-separated: high, medium, low. Empty: all.")
    )
    units = models.ManyToManyField(
        Unit, verbose_name=_("units"), blank=True, help_text=_("Customers whose home unit is one of these or below.")
    )
    external_ids = models.TextField(
        _("uploaded list"), blank=True, help_text=_("Customer external ids, one per line or comma-separated.")
    )
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True, help_text=_("Empty: as soon as launched."))
    reminder_after_days = models.PositiveSmallIntegerField(_("remind after (days)"), default=3)
    max_reminders = models.PositiveSmallIntegerField(_("reminders at most"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    launched_at = models.DateTimeField(_("launched"), null=True, blank=True)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class UnsubscribedAddress(models.Model):
    """An e-mail address that asked never to be surveyed again."""

    email = models.EmailField(_("e-mail"), unique=True)
    created_at = models.DateTimeField(_("unsubscribed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unsubscribed address")
        verbose_name_plural = _("unsubscribed addresses")

    def __str__(self) -> str:
        return self.email


class Invitation(InteractionContext):
    """A personal link to a survey, carrying the context of the interaction it asks about."""

    class Delivery(models.TextChoices):
        NONE = "", _("Not e-mailed")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="invitations")
    distribution = models.ForeignKey(
        Distribution,
        verbose_name=_("distribution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
    )
    delivery = models.CharField(_("delivery"), max_length=8, choices=Delivery.choices, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivery_error = models.CharField(_("delivery error"), max_length=300, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_invitation_token, editable=False)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "created_at"], name="invitation_customer_time")]

    def __str__(self) -> str:
        return f"{self.survey} → {self.customer or _('anonymous')}"

    def get_absolute_url(self) -> str:
        return reverse("survey-invitation", args=[self.token])
