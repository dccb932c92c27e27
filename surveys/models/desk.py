"""The case desk's own records: the queue filters a person saves under a name."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Employee


class SavedQueueView(models.Model):
    """A named set of queue filters, kept for the person who saved it."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="saved_queue_views"
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=500, help_text=_("The queue's query string."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved queue view")
        verbose_name_plural = _("saved queue views")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["employee", "name"], name="saved_queue_view_unique_name")]

    def __str__(self) -> str:
        return self.name


class DigestSent(models.Model):
    """That a digest went to someone for a period: claimed before sending, so a beat that runs twice sends once."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("Daily digest")
        WEEKLY = "weekly", _("Weekly digest")

    employee = models.ForeignKey(Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    period_start = models.DateField(_("period start"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [
            models.UniqueConstraint(fields=["employee", "kind", "period_start"], name="digest_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_start}"
