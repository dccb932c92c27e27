"""Responses and their typed answers; the database refuses out-of-range scores."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models.context import InteractionContext
from surveys.models.distribution import Invitation
from surveys.models.surveys import Choice, Question, Survey


class Response(InteractionContext):
    """One customer's completed answers to a survey, with where the interaction happened."""

    class Source(models.TextChoices):
        """How the answers arrived: from the respondent's own device (a link), or entered by someone else."""

        PUBLIC_LINK = "public_link", _("Public link")
        INVITATION = "invitation", _("Invitation")
        API = "api", _("Integration (kiosk, call centre)")
        STAFF = "staff", _("Entered by staff")
        COMPLAINT = "complaint", _("Complaint from outside")
        WIDGET = "widget", _("Website widget")

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
        indexes = [
            models.Index(fields=["survey", "submitted_at"], name="response_survey_time"),
            # A manager's newest comments: their units' responses walked newest first (0.5 s → 0.01 s at 10 M).
            models.Index(fields=["unit", "submitted_at"], name="response_unit_time"),
            # Whether a survey holds anonymous responses at all, in one probe (the rollups cannot tell them apart).
            models.Index(fields=["survey"], condition=Q(anonymous=True), name="response_anonymous_survey"),
        ]
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
        indexes = [
            models.Index(fields=["question", "number"], name="answer_question_number"),
            # The comments alone, by id: the text analysis finds new ones and cuts a backfill into id ranges.
            models.Index(
                fields=["id"], condition=Q(question_type__in=[QT.SHORT_TEXT, QT.LONG_TEXT]), name="answer_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}: {self.value}"

    @property
    def value(self):
        if self.number is not None:
            return self.number
        return self.choice if self.choice_id else self.text
