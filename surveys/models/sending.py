"""What a distribution says and how often it repeats: invitation and reminder texts per language, recurrence."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models.distribution import Distribution

PLACEHOLDERS = ("{name}", "{store}", "{link}")


class DistributionMessage(models.Model):
    """The subject and text of a distribution's invitation or reminder in one language; {name}, {store} and {link}
    are replaced for each customer. Without one, the standard text is sent."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")

    distribution = models.ForeignKey(
        Distribution, verbose_name=_("distribution"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(
        _("text"), help_text=_("{name}: the customer's name; {store}: their store; {link}: the survey link.")
    )

    class Meta:
        verbose_name = _("distribution message")
        verbose_name_plural = _("distribution messages")
        constraints = [
            models.UniqueConstraint(fields=["distribution", "kind", "language"], name="distribution_message_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class DistributionRepeat(models.Model):
    """A distribution sent again every N months (a relationship survey, a quarterly pulse): each run is a copy of
    it, launched by beat when due, and contact throttling still applies to every customer."""

    distribution = models.OneToOneField(
        Distribution, verbose_name=_("distribution"), on_delete=models.CASCADE, related_name="repeat"
    )
    every_months = models.PositiveSmallIntegerField(_("every (months)"))
    next_run_at = models.DateTimeField(_("next run"))
    runs = models.PositiveIntegerField(_("runs so far"), default=0)

    class Meta:
        verbose_name = _("repetition")
        verbose_name_plural = _("repetitions")
        constraints = [
            models.CheckConstraint(condition=models.Q(every_months__gte=1), name="repeat_every_month_or_more")
        ]

    def __str__(self) -> str:
        return f"{self.distribution} / {self.every_months}"
