"""Surveys, their questions and choices, invitations, and the responses with typed answers."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Channel, Customer, Employee, Unit
from surveys.models.followup_texts import event_text, reasons_text

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def new_public_id() -> str:
    return secrets.token_urlsafe(9)


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Localized:
    """Pick the customer's language version of a text field, falling back to the other language."""

    def localized(self, field: str, language: str) -> str:
        order = [language, *[code for code in LANGUAGE_CODES if code != language]]
        for code in order:
            value = getattr(self, f"{field}_{code}", "")
            if value:
                return value
        return ""


class Survey(Localized, models.Model):
    class Kind(models.TextChoices):
        RELATIONSHIP = "relationship", _("Relationship")
        TRANSACTIONAL = "transactional", _("Transactional")
        EMPLOYEE_PULSE = "employee_pulse", _("Employee pulse")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("internal name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TRANSACTIONAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    public_id = models.CharField(_("public id"), max_length=32, unique=True, default=new_public_id, editable=False)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=200, blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    intro_ru = models.TextField(_("introduction (Russian)"), blank=True)
    thank_you_en = models.TextField(_("thank-you text (English)"), blank=True)
    thank_you_ru = models.TextField(_("thank-you text (Russian)"), blank=True)
    thank_you_unhappy_en = models.TextField(
        _("thank-you text for unhappy answers (English)"),
        blank=True,
        help_text=_("Shown instead when the first score question is in the unhappy band (NPS 0–6, CSAT 1–2, CES 5–7)."),
    )
    thank_you_unhappy_ru = models.TextField(_("thank-you text for unhappy answers (Russian)"), blank=True)
    thank_you_happy_en = models.TextField(
        _("thank-you text for happy answers (English)"),
        blank=True,
        help_text=_("Shown instead when the first score question is in the happy band (NPS 9–10, CSAT 4–5, CES 1–2)."),
    )
    thank_you_happy_ru = models.TextField(_("thank-you text for happy answers (Russian)"), blank=True)
    default_language = models.CharField(_("default language"), max_length=8, choices=settings.LANGUAGES, default="ru")
    anonymous = models.BooleanField(
        _("anonymous"),
        default=False,
        help_text=_(
            "Answers keep no customer, employee, invitation, reference or exact time, and are shown only as "
            "figures of groups large enough. Employee pulses are always anonymous. Fixed once there are answers."
        ),
    )
    contact_throttle_days = models.PositiveSmallIntegerField(
        _("contact throttle (days)"), default=30, help_text=_("Nobody is invited to this survey more often than this.")
    )
    followup_enabled = models.BooleanField(_("open follow-up cases"), default=True)
    followup_nps_max = models.SmallIntegerField(_("follow up NPS at or below"), null=True, blank=True, default=6)
    followup_csat_max = models.SmallIntegerField(_("follow up CSAT at or below"), null=True, blank=True, default=2)
    followup_ces_min = models.SmallIntegerField(_("follow up CES at or above"), null=True, blank=True, default=5)
    followup_keywords = models.CharField(
        _("follow up comments with these words"), max_length=500, blank=True, help_text=_("Comma-separated.")
    )
    followup_sla_hours = models.PositiveSmallIntegerField(
        _("first contact within (business hours)"),
        null=True,
        blank=True,
        help_text=_("Empty: by the end of the same business day."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="employee_pulse") | Q(anonymous=True),
                name="survey_pulse_is_anonymous",
                violation_error_message=_("An employee pulse is always anonymous."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("survey-public", args=[self.public_id])


class Question(Localized, models.Model):
    class Type(models.TextChoices):
        NPS = "nps", _("NPS (0–10)")
        CSAT = "csat", _("CSAT (1–5)")
        CES = "ces", _("CES (1–7)")
        RATING = "rating", _("Rating scale")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        YES_NO = "yes_no", _("Yes / no")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")

    class Operator(models.TextChoices):
        LTE = "lte", _("is at most")
        GTE = "gte", _("is at least")
        EQ = "eq", _("equals")
        NE = "ne", _("is not")
        CHOSE = "chose", _("includes the choice")

    FIXED_SCALES = {Type.NPS: (0, 10), Type.CSAT: (1, 5), Type.CES: (1, 7), Type.YES_NO: (0, 1)}
    SCALE_TYPES = {Type.NPS, Type.CSAT, Type.CES, Type.RATING}
    CHOICE_TYPES = {Type.SINGLE, Type.MULTIPLE}
    TEXT_TYPES = {Type.SHORT_TEXT, Type.LONG_TEXT}

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions")
    page = models.PositiveSmallIntegerField(_("page"), default=1)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=50, help_text=_("Short stable name used in exports, e.g. nps."))
    type = models.CharField(_("type"), max_length=12, choices=Type.choices)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    text_ru = models.CharField(_("question (Russian)"), max_length=500, blank=True)
    help_en = models.CharField(_("help text (English)"), max_length=500, blank=True)
    help_ru = models.CharField(_("help text (Russian)"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=True)
    scale_min = models.SmallIntegerField(_("scale from"), null=True, blank=True)
    scale_max = models.SmallIntegerField(_("scale to"), null=True, blank=True)
    low_label_en = models.CharField(_("low end label (English)"), max_length=100, blank=True)
    low_label_ru = models.CharField(_("low end label (Russian)"), max_length=100, blank=True)
    high_label_en = models.CharField(_("high end label (English)"), max_length=100, blank=True)
    high_label_ru = models.CharField(_("high end label (Russian)"), max_length=100, blank=True)
    max_length = models.PositiveIntegerField(_("longest answer (characters)"), null=True, blank=True)
    show_if_question = models.ForeignKey(
        "self",
        verbose_name=_("show only if question"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependent_questions",
    )
    show_if_operator = models.CharField(_("condition"), max_length=8, choices=Operator.choices, blank=True)
    show_if_value = models.SmallIntegerField(_("value"), null=True, blank=True)
    show_if_choice = models.ForeignKey(
        "Choice", verbose_name=_("choice"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "page", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="question_code_unique_in_survey"),
            models.CheckConstraint(
                condition=Q(scale_min__isnull=True)
                | Q(scale_min__gte=0, scale_max__lte=10, scale_max__gt=models.F("scale_min")),
                name="question_scale_within_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text_en or self.text_ru}"

    @property
    def scale(self) -> tuple[int, int] | None:
        if self.type in self.FIXED_SCALES:
            return self.FIXED_SCALES[self.type]
        if self.type == self.Type.RATING:
            return (self.scale_min if self.scale_min is not None else 1, self.scale_max or 5)
        return None

    @property
    def text_limit(self) -> int:
        default = 200 if self.type == self.Type.SHORT_TEXT else 5000
        return min(self.max_length or default, default)

    def clean(self) -> None:
        errors = {}
        if self.type == self.Type.RATING:
            low, high = self.scale
            if not (0 <= low < high <= 10):
                errors["scale_max"] = _("A rating scale runs from 0 or more to at most 10, low end first.")
        if self.show_if_question_id:
            source = self.show_if_question
            if source.survey_id != self.survey_id or (source.page, source.order) >= (self.page, self.order):
                errors["show_if_question"] = _("The condition must use an earlier question of the same survey.")
            elif not self.show_if_operator:
                errors["show_if_operator"] = _("Choose how the earlier answer is compared.")
            elif self.show_if_operator == self.Operator.CHOSE:
                if source.type not in self.CHOICE_TYPES:
                    errors["show_if_operator"] = _("“includes the choice” works only with choice questions.")
                elif self.show_if_choice is None or self.show_if_choice.question_id != source.pk:
                    errors["show_if_choice"] = _("Choose one of that question's choices.")
            elif source.scale is None:
                errors["show_if_operator"] = _("Compare numbers only for scale and yes/no questions.")
            elif self.show_if_value is None:
                errors["show_if_value"] = _("Enter the number to compare with.")
        if errors:
            raise ValidationError(errors)


class Choice(Localized, models.Model):
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_en = models.CharField(_("choice (English)"), max_length=200, blank=True)
    text_ru = models.CharField(_("choice (Russian)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.text_en or self.text_ru


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


class Response(InteractionContext):
    """One customer's completed answers to a survey, with where the interaction happened."""

    class Source(models.TextChoices):
        """How the answers arrived: from the respondent's own device (a link), or entered by someone else."""

        PUBLIC_LINK = "public_link", _("Public link")
        INVITATION = "invitation", _("Invitation")
        API = "api", _("Integration (kiosk, call centre)")
        STAFF = "staff", _("Entered by staff")
        COMPLAINT = "complaint", _("Complaint from outside")

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses")
    invitation = models.OneToOneField(
        Invitation,
        verbose_name=_("invitation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="response",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    duration_seconds = models.PositiveIntegerField(_("time to answer (seconds)"), null=True, blank=True)
    # A random key per survey page view chain, carried in the signed page state: the unique index makes a replayed
    # or resent state (two tabs, Back after "Send", a script) a no-op, even when two copies arrive at once.
    submission_key = models.CharField(_("submission key"), max_length=24, null=True, blank=True, unique=True)
    contact_details = models.CharField(
        _("how to contact the customer"),
        max_length=200,
        blank=True,
        help_text=_("Given on a public link by a customer who asked to be contacted."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The user or integration token that entered the answers; empty: the respondent's own device."),
    )
    anonymous = models.BooleanField(
        _("anonymous"), default=False, editable=False, help_text=_("Copied from the survey when the answers arrive.")
    )

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["survey", "submitted_at"], name="response_survey_time")]
        constraints = [
            # The survey's anonymity is copied onto the row so that the database itself refuses to store
            # anything that could tie an anonymous answer to a person.
            models.CheckConstraint(
                condition=Q(anonymous=False)
                | Q(
                    customer__isnull=True,
                    employee__isnull=True,
                    invitation__isnull=True,
                    entered_by__isnull=True,
                    duration_seconds__isnull=True,
                    transaction_ref="",
                    contact_details="",
                ),
                name="response_anonymous_keeps_no_identity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} · {timezone.localtime(self.submitted_at):%Y-%m-%d %H:%M}"


QT = Question.Type


class Answer(models.Model):
    """One answer: a number for scales and yes/no, a choice row per chosen option, or text.

    The question's type is copied onto the row so that the database itself refuses out-of-range scores."""

    response = models.ForeignKey(Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers")
    question_type = models.CharField(_("question type"), max_length=12, choices=Question.Type.choices)
    number = models.SmallIntegerField(_("number"), null=True, blank=True)
    choice = models.ForeignKey(
        Choice, verbose_name=_("choice"), null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.CheckConstraint(
                name="answer_value_fits_type",
                condition=(
                    Q(question_type=QT.NPS, number__gte=0, number__lte=10)
                    | Q(question_type=QT.CSAT, number__gte=1, number__lte=5)
                    | Q(question_type=QT.CES, number__gte=1, number__lte=7)
                    | Q(question_type=QT.RATING, number__gte=0, number__lte=10)
                    | Q(question_type=QT.YES_NO, number__gte=0, number__lte=1)
                    | Q(question_type__in=[QT.SINGLE, QT.MULTIPLE], choice__isnull=False, number__isnull=True)
                    | (
                        Q(question_type__in=[QT.SHORT_TEXT, QT.LONG_TEXT], number__isnull=True, choice__isnull=True)
                        & ~Q(text="")
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["response", "question"], condition=~Q(question_type=QT.MULTIPLE), name="answer_one_per_question"
            ),
            models.UniqueConstraint(fields=["response", "question", "choice"], name="answer_choice_once"),
        ]
        indexes = [models.Index(fields=["question", "number"], name="answer_question_number")]

    def __str__(self) -> str:
        return f"{self.question.code}: {self.value}"

    @property
    def value(self):
        if self.number is not None:
            return self.number
        return self.choice if self.choice_id else self.text


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
