"""KPI definitions and their computed measurements per subject and period."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Channel, Employee, Unit
from journeys.models import Touchpoint
from surveys.models import Localized, Question

__all__ = ["Kpi", "KpiManualValue", "KpiMeasurement"]


class KpiQuerySet(models.QuerySet):
    def active(self) -> "KpiQuerySet":
        return self.filter(active=True)

    def own_for_employees(self) -> "KpiQuerySet":
        """KPIs an employee can influence: the only ones shown as an employee's own."""
        return self.active().filter(employee_influence=True)


class Kpi(Localized, models.Model):
    """A measured behaviour or outcome: where its value comes from, for whom, how often, and the target."""

    class Metric(models.TextChoices):
        NPS = "nps", _("Survey: NPS")
        # xgettext:no-python-format
        CSAT = "csat", _("Survey: CSAT, % satisfied (4–5)")
        CES = "ces", _("Survey: CES, mean effort (1–7)")
        MEAN = "mean", _("Survey: average score")
        # xgettext:no-python-format
        YES_SHARE = "yes_share", _("Survey: % answering yes")
        # xgettext:no-python-format
        CONTACTED_IN_TIME = "contacted_in_time", _("Closed loop: % contacted within the deadline")
        # xgettext:no-python-format
        RECOVERED = "recovered", _("Closed loop: % of asked customers who say it is solved")
        RESPONSE_COUNT = "response_count", _("Number of responses")
        # xgettext:no-python-format
        THEME_NEGATIVE = "theme_negative", _("Comments: % of a theme's mentions that are negative")
        # xgettext:no-python-format
        LOOP_SAME_DAY = "loop_same_day", _("Closed loop by channel: % answered the same day")
        LOOP_MEDIAN_HOURS = "loop_median_hours", _("Closed loop by channel: median hours to the first answer")
        # xgettext:no-python-format
        LOOP_NEVER = "loop_never", _("Closed loop by channel: % never answered")
        MANUAL = "manual", _("Entered by hand by managers")

    SURVEY_METRICS = {Metric.NPS, Metric.CSAT, Metric.CES, Metric.MEAN, Metric.YES_SHARE}
    # The seeds' measures of service on complaints (surveys.selectors.channels), by the day the customer spoke.
    CHANNEL_LOOP_METRICS = {Metric.LOOP_SAME_DAY, Metric.LOOP_MEDIAN_HOURS, Metric.LOOP_NEVER}
    LOOP_METRICS = {Metric.CONTACTED_IN_TIME, Metric.RECOVERED, *CHANNEL_LOOP_METRICS}
    # Counts and hand-entered values are not estimates from a sample: no minimum sample, no interval.
    UNGATED_METRICS = {Metric.RESPONSE_COUNT, Metric.MANUAL}

    class Level(models.TextChoices):
        COMPANY = "company", _("Company")
        UNIT = "unit", _("Unit (with the units below it)")
        EMPLOYEE = "employee", _("Employee")

    class Period(models.TextChoices):
        WEEK = "week", _("Week")
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    name = models.CharField(_("name"), max_length=150)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    description_en = models.TextField(
        _("behaviour it stands for (English)"),
        blank=True,
        help_text=_("What people do differently when this KPI goes well."),
    )
    description_ru = models.TextField(_("behaviour it stands for (Russian)"), blank=True)
    metric = models.CharField(_("metric source"), max_length=20, choices=Metric.choices)
    questions = models.ManyToManyField(
        Question,
        verbose_name=_("questions"),
        blank=True,
        related_name="kpis",
        help_text=_("Survey metrics: the questions whose answers count. Response count: their surveys."),
    )
    theme = models.ForeignKey(
        "surveys.Theme",
        verbose_name=_("theme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kpis",
        help_text=_("Comment metrics: the theme (with the themes below it) whose mentions count."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=Channel.choices,
        blank=True,
        help_text=_("Closed loop by channel: only the cases of answers and complaints from this channel; empty: all."),
    )
    touchpoints = models.ManyToManyField(
        Touchpoint,
        verbose_name=_("touchpoints"),
        blank=True,
        related_name="kpis",
        help_text=_("Survey metrics: the answers of the questions that measure these touchpoints count too."),
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.EMPLOYEE)
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.MONTH)
    target = models.FloatField(_("target"))
    warning = models.FloatField(
        _("warning threshold"),
        null=True,
        blank=True,
        help_text=_("Between this and the target the KPI is “near”; beyond it, “missed”. Empty: no near band."),
    )
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    min_sample = models.PositiveIntegerField(
        _("minimum sample"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("Fewer answers or cases than this: “not enough data”, never a number."),
    )
    employee_influence = models.BooleanField(
        _("employees can influence it"),
        default=False,
        help_text=_("Only such KPIs appear as an employee's own, on their page."),
    )
    points = models.PositiveIntegerField(_("points when met"), default=0)
    outcome = models.ForeignKey(
        "self",
        verbose_name=_("CX outcome it should move"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="behaviours",
        help_text=_("The outcome analysis compares this KPI's value where the behaviour is met and where not."),
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Inactive KPIs are no longer computed."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = KpiQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["level", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(warning__isnull=True)
                | Q(direction="higher", warning__lte=models.F("target"))
                | Q(direction="lower", warning__gte=models.F("target")),
                name="kpi_warning_before_target",
                violation_error_message=_("The warning threshold must lie on the worse side of the target."),
            ),
            models.CheckConstraint(condition=~Q(outcome=models.F("id")), name="kpi_not_own_outcome"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def description(self) -> str:
        """The behaviour in the reader's language (the other language when it has none)."""
        return self.localized("description", translation.get_language() or "en")

    def clean(self) -> None:
        errors = {}
        if self.warning is not None and self.target is not None:
            worse = (
                self.warning > self.target if self.direction == self.Direction.HIGHER else self.warning < self.target
            )
            if worse:
                errors["warning"] = _(
                    "With “higher is better” the warning threshold is at most the target; "
                    "with “lower is better”, at least the target."
                )
        if self.outcome_id and self.outcome_id == self.pk:
            errors["outcome"] = _("A KPI cannot be its own outcome.")
        if self.metric == self.Metric.THEME_NEGATIVE and not self.theme_id:
            errors["theme"] = _("Choose the theme whose mentions count.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_share(self) -> bool:
        return self.metric in (
            self.Metric.CSAT,
            self.Metric.YES_SHARE,
            self.Metric.CONTACTED_IN_TIME,
            self.Metric.RECOVERED,
            self.Metric.THEME_NEGATIVE,
            self.Metric.LOOP_SAME_DAY,
            self.Metric.LOOP_NEVER,
        )

    @property
    def gated(self) -> bool:
        return self.metric not in self.UNGATED_METRICS

    def status_of(self, value: float | None) -> str:
        """met, near, missed or no_data for a value against this KPI's target, warning and direction."""
        status = KpiMeasurement.Status
        if value is None:
            return status.NO_DATA
        higher = self.direction == self.Direction.HIGHER
        if (value >= self.target) if higher else (value <= self.target):
            return status.MET
        if self.warning is not None and ((value >= self.warning) if higher else (value <= self.warning)):
            return status.NEAR
        return status.MISSED


class KpiMeasurement(models.Model):
    """A KPI's value for one subject (the company, a unit or an employee) in one period.

    Company and unit measurements carry the unit (the company is the root unit); employee measurements the
    employee. Recomputing updates the same row."""

    class Status(models.TextChoices):
        MET = "met", _("Met")
        NEAR = "near", _("Near")
        MISSED = "missed", _("Missed")
        NO_DATA = "no_data", _("Not enough data")

    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="measurements")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"), help_text=_("The last day of the period."))
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="kpi_measurements"
    )
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="kpi_measurements",
    )
    value = models.FloatField(_("value"), null=True, blank=True)
    n = models.PositiveIntegerField(_("sample size"), default=0)
    # xgettext:no-python-format
    low = models.FloatField(_("95% interval from"), null=True, blank=True)
    # xgettext:no-python-format
    high = models.FloatField(_("95% interval to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, db_index=True)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("KPI measurement")
        verbose_name_plural = _("KPI measurements")
        ordering = ["kpi", "-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=True, employee__isnull=False) | Q(unit__isnull=False, employee__isnull=True),
                name="kpi_measurement_one_subject",
            ),
            models.UniqueConstraint(
                fields=["kpi", "period_start", "employee"],
                condition=Q(employee__isnull=False),
                name="kpi_measurement_once_per_employee",
            ),
            models.UniqueConstraint(
                fields=["kpi", "period_start", "unit"],
                condition=Q(unit__isnull=False),
                name="kpi_measurement_once_per_unit",
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "kpi", "period_start"], name="kpi_measurement_employee"),
            models.Index(fields=["unit", "kpi", "period_start"], name="kpi_measurement_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} · {self.subject} · {self.period_start:%Y-%m-%d}"

    @property
    def subject(self):
        return self.employee if self.employee_id else self.unit

    @property
    def enough(self) -> bool:
        return self.value is not None

    @property
    def in_progress(self) -> bool:
        """The period is still running: its status says whether it is on track, not whether it was met."""
        return self.period_end >= timezone.localdate()


class KpiManualValue(models.Model):
    """A value a manager entered by hand for a KPI whose source is “entered by hand”."""

    kpi = models.ForeignKey(
        Kpi,
        verbose_name=_("KPI"),
        on_delete=models.CASCADE,
        related_name="manual_values",
        limit_choices_to={"metric": Kpi.Metric.MANUAL},
    )
    period_start = models.DateField(_("period from"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="kpi_manual_values"
    )
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="kpi_manual_values",
    )
    value = models.FloatField(_("value"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        Employee, verbose_name=_("entered by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    class Meta:
        verbose_name = _("value entered by hand")
        verbose_name_plural = _("values entered by hand")
        ordering = ["kpi", "-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=True, employee__isnull=False) | Q(unit__isnull=False, employee__isnull=True),
                name="kpi_manual_value_one_subject",
            ),
            models.UniqueConstraint(
                fields=["kpi", "period_start", "employee"],
                condition=Q(employee__isnull=False),
                name="kpi_manual_value_once_per_employee",
                violation_error_message=_("There is a value for this KPI, period and subject already: change that."),
            ),
            models.UniqueConstraint(
                fields=["kpi", "period_start", "unit"],
                condition=Q(unit__isnull=False),
                name="kpi_manual_value_once_per_unit",
                violation_error_message=_("There is a value for this KPI, period and subject already: change that."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} · {self.employee or self.unit} · {self.period_start:%Y-%m-%d}: {self.value:g}"

    @property
    def subject(self):
        return self.employee if self.employee_id else self.unit


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """The first and last day of the week (Monday first), month or quarter that contains `day`."""
    if period == Kpi.Period.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == Kpi.Period.QUARTER:
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        months = 3
    else:
        start = date(day.year, day.month, 1)
        months = 1
    month = start.month + months
    following = date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return start, following - timedelta(days=1)
