"""Rollups: how many answers of each score a question got per day, unit, channel and touchpoint.

Every count is kept twice: per local day, and per local month (`monthly`, `day` the month's first day), so a slice
over a year reads a month's rows for its whole months and day rows only for the days at its edges. And every count is
kept per unit and once more for all units together (`unit_id` = ALL_UNITS), so a slice that names no unit reads a
row per score and day instead of one per store.

Counts by score are enough for every figure the engine shows (NPS and its variance, shares with Wilson
intervals, means with their variance), so a slice at this grain reads a few rows per day instead of every
answer. Rows are kept in the response's own transaction (see services.rollups)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ALL_UNITS", "ROLLUP_TYPES", "ChoiceCount", "ResponseCount", "ScoreCount"]

# Questions whose answers are a number the engine summarizes (a yes/no is stored as 1 or 0).
ROLLUP_TYPES = ("nps", "csat", "ces", "rating", "yes_no")

# The `unit_id` of the rows that add up every unit's (and the unit-less) rows of the same place.
ALL_UNITS = -1

ALL = models.Q(unit_id=ALL_UNITS)


class RollupKey(models.Model):
    """What every rollup row is counted by: a local day (or a whole month), a survey, a unit (a plain number, 0 =
    none, ALL_UNITS = every unit together), a channel and a touchpoint."""

    day = models.DateField(_("day"))
    monthly = models.BooleanField(_("whole month"), default=False)  # then `day` is the month's first day
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="+")
    unit_id = models.IntegerField(_("unit"), default=0)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    touchpoint = models.CharField(_("touchpoint"), max_length=50, blank=True)

    class Meta:
        abstract = True


class ScoreCount(RollupKey):
    """Answers of one score to one question on one local day, unit, channel and touchpoint.

    `unit_id` is a plain number (0 = no unit), not a foreign key: a deleted unit leaves its responses
    without a unit, and neither a subtree nor a viewer's scope can name it any more, so old rows still match
    exactly the slices the raw answers match."""

    question = models.ForeignKey("surveys.Question", on_delete=models.CASCADE, related_name="+")
    number = models.SmallIntegerField(_("score"))
    n = models.IntegerField(_("answers"))

    class Meta:
        verbose_name = _("score count")
        verbose_name_plural = _("score counts")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "monthly", "day", "unit_id", "channel", "touchpoint", "number"],
                name="score_count_key",
            )
        ]
        indexes = [
            models.Index(fields=["survey", "monthly", "day"], name="score_count_survey_span"),
            models.Index(fields=["question", "monthly", "day"], condition=ALL, name="score_count_all_units"),
        ]

    def __str__(self):
        return f"{self.day} · {self.question_id} · {self.number}: {self.n}"


class ChoiceCount(RollupKey):
    """Answers naming one choice of a choice question on one local day, unit, channel and touchpoint; the row
    with `choice_id` 0 counts the responses that answered the question at all (its respondents), for text
    questions too."""

    RESPONDENTS = 0

    question = models.ForeignKey("surveys.Question", on_delete=models.CASCADE, related_name="+")
    choice_id = models.IntegerField(_("choice"))
    n = models.IntegerField(_("answers"))

    class Meta:
        verbose_name = _("choice count")
        verbose_name_plural = _("choice counts")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "monthly", "day", "unit_id", "channel", "touchpoint", "choice_id"],
                name="choice_count_key",
            )
        ]
        indexes = [
            models.Index(fields=["survey", "monthly", "day"], name="choice_count_survey_span"),
            models.Index(fields=["question", "monthly", "day"], condition=ALL, name="choice_count_all_units"),
        ]

    def __str__(self):
        return f"{self.day} · {self.question_id} · {self.choice_id}: {self.n}"


class ResponseCount(RollupKey):
    """Responses of one survey on one local day, unit, channel and touchpoint, and their comments (text answers
    of responses that are not anonymous: the ones the results page lists)."""

    responses = models.IntegerField(_("responses"))
    comments = models.IntegerField(_("comments"))

    class Meta:
        verbose_name = _("response count")
        verbose_name_plural = _("response counts")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "monthly", "day", "unit_id", "channel", "touchpoint"], name="response_count_key"
            )
        ]
        indexes = [models.Index(fields=["survey", "monthly", "day"], condition=ALL, name="response_count_all_units")]

    def __str__(self):
        return f"{self.day} · {self.survey_id}: {self.responses}"
