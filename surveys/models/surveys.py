"""Surveys, their questions and choices, and the texts a customer sees in both languages."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from surveys import scoring

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def new_public_id() -> str:
    return secrets.token_urlsafe(9)


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
        help_text=_("Shown instead when the first score question is in the happy band (NPS 9–10, CSAT 4–5, CES 1–3)."),
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

    @property
    def title(self) -> str:
        """What staff pages call the survey: its title in the reader's (active) language, else the internal name."""
        return getattr(self, f"title_{(get_language() or settings.LANGUAGE_CODE)[:2]}", "") or self.name


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

    FIXED_SCALES = scoring.FIXED_SCALES
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
        return f"{self.code}: {self.text}"  # in the reader's language: the admin's question lists read in it

    @property
    def text(self) -> str:
        """The question as the reader (active language) reads it, else in the other language."""
        return self.localized("text", (get_language() or settings.LANGUAGE_CODE)[:2])

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
