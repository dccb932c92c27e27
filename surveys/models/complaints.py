"""Complaints that reach the program from outside its survey pages (review sites, social networks, e-mail):
each is kept with where it was said and becomes a follow-up case in the same queue."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Channel, Employee, Unit

__all__ = ["Complaint"]


class Complaint(models.Model):
    """One message from outside; `message_id` (the source's own id) makes a replayed delivery a no-op."""

    message_id = models.CharField(_("message id"), max_length=255, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    author_handle = models.CharField(_("author"), max_length=200, blank=True)
    author_email = models.EmailField(
        _("reply address"), max_length=254, blank=True, help_text=_("Where an e-mail answer goes (e-mail only).")
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    public_url = models.URLField(_("public address"), max_length=500, blank=True)
    text = models.TextField(_("text"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    followup = models.OneToOneField(
        "surveys.FollowUp", verbose_name=_("case"), on_delete=models.CASCADE, related_name="complaint"
    )
    received_at = models.DateTimeField(_("received"))
    public_reply = models.TextField(_("public answer"), blank=True)
    public_reply_by = models.ForeignKey(
        Employee,
        verbose_name=_("answer written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    public_reply_reviewed_by = models.ForeignKey(
        Employee,
        verbose_name=_("answer reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    public_reply_at = models.DateTimeField(_("answered publicly"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint from outside")
        verbose_name_plural = _("complaints from outside")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(public_reply_at__isnull=False, public_reply=""),
                name="complaint_public_answer_has_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.message_id}"

    @property
    def is_public(self) -> bool:
        return bool(self.public_url)

    @property
    def is_email(self) -> bool:
        """An e-mail with an address to answer: the case page offers a reply in the customer's thread."""
        return self.channel == Channel.EMAIL and bool(self.author_email)
