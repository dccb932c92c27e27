"""Follow-up cases of the closed loop, their history and the reply templates."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Employee, Unit
from surveys.models.followup_texts import event_text, reasons_text
from surveys.models.responses import Response


class FollowUp(models.Model):
    """A case opened for an unhappy answer: someone contacts the customer, finds the cause and acts on it."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed without contact")

    class RootCause(models.TextChoices):
        AVAILABILITY = "availability", _("Product not in stock")
        QUEUES = "queues", _("Queues and waiting")
        STAFF = "staff", _("Staff attitude")
        ADVICE = "advice", _("Advice and knowledge")
        PRICE = "price", _("Price and billing")
        DELIVERY = "delivery", _("Delivery and assembly")
        QUALITY = "quality", _("Product quality")
        STORE = "store", _("Store and cleanliness")
        OTHER = "other", _("Other")

    OPEN = (Status.NEW, Status.CONTACTED)

    response = models.OneToOneField(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="followup"
    )
    owner = models.ForeignKey(
        Employee,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
        help_text=_("Empty: the CX leads' queue."),
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="followups"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=0, help_text=_("Higher comes first."))
    reason_codes = models.JSONField(
        _("why it was opened"), default=list, blank=True, help_text=_("Codes and parameters, worded when shown.")
    )
    due_at = models.DateTimeField(_("first contact due"))
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    warned_at = models.DateTimeField(_("due-soon warning sent"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        Employee, verbose_name=_("escalated to"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    root_cause = models.CharField(_("root cause"), max_length=16, choices=RootCause.choices, blank=True)
    action_taken = models.TextField(_("action taken"), blank=True)
    resurvey_sent_at = models.DateTimeField(_("asked whether solved"), null=True, blank=True)
    recovered = models.BooleanField(_("customer says solved"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up case")
        verbose_name_plural = _("follow-up cases")
        ordering = ["-priority", "due_at"]
        # The loop's figures read the cases whose deadline is still ahead (selectors.case_rollups).
        indexes = [models.Index(fields=["due_at"], name="followup_due")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | (~Q(root_cause="") & ~Q(action_taken="")),
                name="followup_resolved_has_cause_and_action",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.reasons}"

    def get_absolute_url(self) -> str:
        return reverse("followup-detail", args=[self.pk])

    @property
    def reasons(self) -> str:
        """Why the case was opened, in the reader's language: "NPS 3; asked to be contacted"."""
        return reasons_text(self.reason_codes)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class FollowUpEvent(models.Model):
    """The history of a case: who did what when."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        ASSIGNED = "assigned", _("Assigned")
        CONTACTED = "contacted", _("Customer contacted")
        NOTE = "note", _("Note")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed without contact")
        REPLIED = "replied", _("E-mail sent to the customer")
        RESURVEY = "resurvey", _("Customer asked whether solved")
        ANSWERED = "answered", _("Customer answered the follow-up question")
        WROTE = "wrote", _("Customer wrote back by e-mail")
        WARNED = "warned", _("Due soon: owner warned")
        ESCALATED = "escalated", _("Overdue: escalated")

    followup = models.ForeignKey(FollowUp, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        Employee, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("text"), blank=True, help_text=_("What a person typed (a note, a reply, an action)."))
    params = models.JSONField(_("parameters"), default=dict, blank=True, help_text=_("Worded when shown."))

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def display_text(self) -> str:
        """The event's line in the reader's language (system events are worded now, typed text stays)."""
        labels = dict(FollowUp.RootCause.choices)
        return event_text(self.kind, self.params, self.text, lambda code: str(labels.get(code, code)))


class ReplyTemplate(models.Model):
    """A ready reply for everyday cases, per root cause and language; editable before sending."""

    name = models.CharField(_("name"), max_length=100)
    root_cause = models.CharField(
        _("root cause"), max_length=16, choices=FollowUp.RootCause.choices, blank=True, help_text=_("Empty: any case.")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), help_text=_("{name} is replaced by the customer's name."))

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["language", "root_cause", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
