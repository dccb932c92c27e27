"""Personas, journeys, their ordered stages and the touchpoints where customers meet the company."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Channel, Segment, Unit
from surveys.models import Question


class Persona(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    segments = models.ManyToManyField(Segment, verbose_name=_("segments"), blank=True, related_name="personas")
    goals = models.TextField(_("goals"), blank=True)
    needs = models.TextField(_("needs"), blank=True)
    pains = models.TextField(_("pains"), blank=True)

    class Meta:
        verbose_name = _("persona")
        verbose_name_plural = _("personas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Journey(models.Model):
    """A customer's job, e.g. "Get my order delivered", mapped stage by stage."""

    class State(models.TextChoices):
        CURRENT = "current", _("Current state")
        FUTURE = "future", _("Future state")

    name = models.CharField(_("customer's job"), max_length=200)
    persona = models.ForeignKey(Persona, verbose_name=_("persona"), null=True, blank=True, on_delete=models.SET_NULL)
    owner = models.ForeignKey(
        "cxprogram.Employee",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.CURRENT)
    outcome_question = models.ForeignKey(
        Question,
        verbose_name=_("outcome question"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"type": Question.Type.NPS},
        help_text=_(
            "The overall NPS question that touchpoint importance is measured against "
            "(usually the relationship survey's)."
        ),
    )

    class Meta:
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    journey = models.ForeignKey(Journey, verbose_name=_("journey"), on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["journey", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.journey}: {self.name}"


class Touchpoint(models.Model):
    """Where the customer meets the company; responses carry its code."""

    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="touchpoints")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(
        _("code"), max_length=50, unique=True, help_text=_("The touchpoint code that responses carry.")
    )
    name = models.CharField(_("name"), max_length=150)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    owner_unit = models.ForeignKey(
        Unit, verbose_name=_("owner unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints"
    )
    moment_of_truth = models.BooleanField(_("moment of truth"), default=False)
    target = models.FloatField(_("target score"), null=True, blank=True)
    expected_emotion = models.SmallIntegerField(
        _("expected emotion"),
        default=0,
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
        help_text=_("−2 to +2."),
    )
    description = models.TextField(_("description"), blank=True)
    backstage = models.TextField(_("backstage notes"), blank=True)

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        ordering = ["stage", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expected_emotion__gte=-2, expected_emotion__lte=2), name="touchpoint_emotion_range"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TouchpointMeasure(models.Model):
    """A survey question whose answers give a touchpoint its live score."""

    touchpoint = models.ForeignKey(
        Touchpoint, verbose_name=_("touchpoint"), on_delete=models.CASCADE, related_name="measures"
    )
    question = models.ForeignKey(
        Question,
        verbose_name=_("question"),
        on_delete=models.CASCADE,
        related_name="touchpoint_measures",
        limit_choices_to={"type__in": [Question.Type.NPS, Question.Type.CSAT, Question.Type.CES, Question.Type.RATING]},
    )
    tagged_only = models.BooleanField(
        _("only responses tagged with this touchpoint"),
        default=False,
        help_text=_(
            "For a survey shared by several touchpoints: count only responses that carry this touchpoint's code."
        ),
    )

    class Meta:
        verbose_name = _("measuring question")
        verbose_name_plural = _("measuring questions")
        ordering = ["touchpoint", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "question"], name="touchpoint_measure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint}: {self.question}"


class Improvement(models.Model):
    """A pain point customers feel at a touchpoint, or an opportunity to do better there."""

    class Kind(models.TextChoices):
        PAIN_POINT = "pain_point", _("Pain point")
        OPPORTUNITY = "opportunity", _("Opportunity")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    OPEN = (Status.OPEN, Status.PLANNED, Status.IN_PROGRESS)

    touchpoint = models.ForeignKey(
        Touchpoint, verbose_name=_("touchpoint"), on_delete=models.CASCADE, related_name="improvements"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PAIN_POINT)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        "cxprogram.Employee",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    customer_value = models.PositiveSmallIntegerField(
        _("value to customers"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (little) to 5 (a lot)."),
    )
    effort = models.PositiveSmallIntegerField(
        _("effort"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (little) to 5 (a lot)."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("pain point or opportunity")
        verbose_name_plural = _("pain points and opportunities")
        ordering = ["-customer_value", "effort", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer_value__gte=1, customer_value__lte=5), name="improvement_value_range"
            ),
            models.CheckConstraint(condition=models.Q(effort__gte=1, effort__lte=5), name="improvement_effort_range"),
        ]

    def __str__(self) -> str:
        return self.description[:80]
