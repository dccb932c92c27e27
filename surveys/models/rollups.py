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

__all__ = [
    "ALL_UNITS",
    "ROLLUP_TYPES",
    "CaseCount",
    "CaseDuration",
    "CaseMinutes",
    "ChoiceCount",
    "KpiScoreCount",
    "ResponseCount",
    "ScoreCount",
]

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
            # A few units' rows of some questions over some days (a manager's pages): the key's order would read
            # every unit's rows of those days.
            models.Index(fields=["question", "unit_id", "monthly", "day"], name="score_count_unit_span"),
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


class CaseCount(RollupKey):
    """Follow-up cases of the responses of one local day (or month), survey, unit, channel and touchpoint, by root
    cause: what the closed loop's figures add up that does not depend on the moment they are read. `unit_id`
    ALL_UNITS (-1) rows count every unit. Kept by PostgreSQL triggers on the cases and responses
    (services.case_rollups), so every write (a service, a cascade, a move) counts exactly once."""

    root_cause = models.CharField(_("root cause"), max_length=16, blank=True)
    cases = models.IntegerField(_("cases"))
    open = models.IntegerField(_("open"))  # new or contacted
    new = models.IntegerField(_("new"))
    contacted = models.IntegerField(_("contacted"))  # a first contact recorded
    in_time = models.IntegerField(_("contacted in time"))
    same_day = models.IntegerField(_("answered the same day"))  # first contact on the local day the customer spoke
    answered = models.IntegerField(_("recovery answered"))
    solved = models.IntegerField(_("solved"))

    class Meta:
        verbose_name = _("case count")
        verbose_name_plural = _("case counts")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "unit_id", "monthly", "day", "channel", "touchpoint", "root_cause"],
                name="case_count_key",
            )
        ]

    def __str__(self):
        return f"{self.day} · {self.survey_id}: {self.cases}"


class CaseMinutes(RollupKey):
    """How long cases took, per whole minute: to the first contact and to resolution (from the case's opening) and
    to the first answer (from the customer's message). With the sum and the sum of squares of the exact durations
    (microseconds), a minute whose durations are all equal gives its exact value without reading a case."""

    class Kind(models.TextChoices):
        CONTACT = "contact", _("To first contact")
        RESOLVE = "resolve", _("To resolution")
        ANSWER = "answer", _("To first answer")

    kind = models.CharField(_("duration"), max_length=8, choices=Kind.choices)
    minute = models.BigIntegerField(_("whole minute"))
    n = models.IntegerField(_("cases"))
    total = models.BigIntegerField(_("sum (microseconds)"))
    squares = models.DecimalField(_("sum of squares"), max_digits=40, decimal_places=0)

    class Meta:
        verbose_name = _("case duration count")
        verbose_name_plural = _("case duration counts")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "unit_id", "monthly", "day", "channel", "touchpoint", "kind", "minute"],
                name="case_minutes_key",
            )
        ]

    def __str__(self):
        return f"{self.day} · {self.survey_id} · {self.kind} {self.minute}: {self.n}"


class CaseDuration(models.Model):
    """One duration of one case (a CaseMinutes kind) in microseconds, with its response's survey, local day, unit,
    channel and touchpoint: a minute's exact durations read by index, without the cases or their responses. Kept
    by the same triggers as the counts."""

    followup_id = models.IntegerField(_("case"))
    kind = models.CharField(_("duration"), max_length=8, choices=CaseMinutes.Kind.choices)
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    unit_id = models.IntegerField(_("unit"), default=0)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    touchpoint = models.CharField(_("touchpoint"), max_length=50, blank=True)
    microseconds = models.BigIntegerField(_("microseconds"))

    class Meta:
        verbose_name = _("case duration")
        verbose_name_plural = _("case durations")
        constraints = [models.UniqueConstraint(fields=["followup_id", "kind"], name="case_duration_key")]
        indexes = [models.Index(fields=["survey", "kind", "microseconds"], name="case_duration_value")]

    def __str__(self):
        return f"#{self.followup_id} {self.kind}: {self.microseconds}"


class KpiScoreCount(models.Model):
    """Answers of one score to one question in one local month, by the response's unit and the employee who
    served (plain numbers, 0 = none), counting only the answers that count toward KPIs: none entered by staff
    (source "staff"), none of an anonymous response.

    KPIs are figures per employee (or unit) and month; this grain answers them without reading the answers.
    Ids of deleted units or employees stay on their rows, as on ScoreCount: readers match them against the
    units and employees that still exist, as the raw answers (whose response then names nobody) do."""

    month = models.DateField(_("month"))  # the local month's first day
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="+")
    unit_id = models.IntegerField(_("unit"), default=0)
    employee_id = models.IntegerField(_("employee"), default=0)
    question = models.ForeignKey("surveys.Question", on_delete=models.CASCADE, related_name="+")
    number = models.SmallIntegerField(_("score"))
    n = models.IntegerField(_("answers"))

    class Meta:
        verbose_name = _("KPI score count")
        verbose_name_plural = _("KPI score counts")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "month", "employee_id", "unit_id", "number"], name="kpi_score_count_key"
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.question_id} · {self.employee_id} · {self.number}: {self.n}"
