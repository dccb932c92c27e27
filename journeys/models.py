"""Personas, journeys, their ordered stages and the touchpoints where customers meet the company."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Channel, Segment, Unit


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
