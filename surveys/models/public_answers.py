"""The public answer to a complaint said in public, while it is written and reviewed: a case worker drafts it, a
second person approves it (then it is recorded on the complaint as what was said publicly) or sends it back."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Employee

__all__ = ["PublicAnswer"]


class PublicAnswer(models.Model):
    """One complaint's public answer in review; `version` grows with every edit, so an approval names the text
    its reviewer read."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting review")
        RETURNED = "returned", _("Sent back")
        APPROVED = "approved", _("Approved")

    complaint = models.OneToOneField(
        "surveys.Complaint", verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="public_answer"
    )
    text = models.TextField(_("public answer"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.AWAITING)
    version = models.PositiveIntegerField(_("version"), default=1)
    written_by = models.ForeignKey(
        Employee, verbose_name=_("answer written by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(_("written"))
    reviewed_by = models.ForeignKey(
        Employee,
        verbose_name=_("answer reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("reviewer's note"), blank=True)

    class Meta:
        verbose_name = _("public answer in review")
        verbose_name_plural = _("public answers in review")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(reviewed_at__isnull=False),
                name="public_answer_approved_has_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} #{self.complaint_id}"
