"""Company values, recognitions, the points ledger and the celebration wall."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Employee, Unit
from surveys.models import Answer, Localized

__all__ = ["CompanyValue", "PointEntry", "Recognition"]


class CompanyValue(Localized, models.Model):
    """A value the company lives by (e.g. “Customer care”); every peer recognition names one."""

    code = models.SlugField(_("code"), max_length=50, unique=True, help_text=_("Short stable name, e.g. care."))
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=100, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    description_ru = models.CharField(_("description (Russian)"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True, help_text=_("Inactive values cannot be chosen any more."))

    class Meta:
        verbose_name = _("company value")
        verbose_name_plural = _("company values")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name_en="") | ~Q(name_ru=""), name="company_value_has_a_name"),
        ]

    def __str__(self) -> str:
        return self.name_en or self.name_ru


class RecognitionQuerySet(models.QuerySet):
    def for_wall(self) -> "RecognitionQuerySet":
        """Newest first, with what a wall entry shows joined in."""
        return self.select_related("giver__user", "receiver__user", "value", "unit", "measurement__kpi").order_by(
            "-created_at", "-pk"
        )


class Recognition(models.Model):
    """A thank-you on the celebration wall: from a colleague, from a customer's words, or for meeting a KPI target."""

    class Visibility(models.TextChoices):
        COMPANY = "company", _("Everyone in the company")
        UNIT = "unit", _("The receiver's unit and its managers")
        PRIVATE = "private", _("Only the giver, the receiver and the receiver's managers")

    class Source(models.TextChoices):
        PEER = "peer", _("Colleague")
        CUSTOMER_PRAISE = "customer", _("Customer praise")
        ACHIEVEMENT = "achievement", _("KPI target met")

    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.PEER)
    giver = models.ForeignKey(
        Employee,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognitions_given",
        help_text=_("Empty: the program itself (an achievement)."),
    )
    receiver = models.ForeignKey(
        Employee,
        verbose_name=_("to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognitions_received",
        help_text=_("Empty: the whole unit (a team achievement)."),
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="recognitions",
        help_text=_("The receiver's unit when it was given; decides who sees unit-only and private recognitions."),
    )
    value = models.ForeignKey(
        CompanyValue,
        verbose_name=_("company value"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognitions",
    )
    message = models.TextField(_("message"), max_length=1000)
    visibility = models.CharField(
        _("who sees it"), max_length=8, choices=Visibility.choices, default=Visibility.COMPANY, db_index=True
    )
    points = models.PositiveIntegerField(_("points"), default=0)
    answer = models.ForeignKey(
        Answer,
        verbose_name=_("customer comment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The customer's comment this recognition passes on."),
    )
    measurement = models.ForeignKey(
        "kpis.KpiMeasurement",
        verbose_name=_("KPI measurement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The met KPI target this achievement celebrates."),
    )
    created_at = models.DateTimeField(_("given"), default=timezone.now, db_index=True)

    objects = RecognitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(giver__isnull=True) | Q(receiver__isnull=True) | ~Q(giver=F("receiver")),
                name="recognition_not_self",
                violation_error_message=_("Nobody can recognise themselves."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(source="peer", giver__isnull=False, receiver__isnull=False, value__isnull=False)
                    & Q(answer__isnull=True, measurement__isnull=True)
                )
                | Q(source="customer", giver__isnull=False, receiver__isnull=False, measurement__isnull=True)
                | Q(source="achievement", giver__isnull=True, answer__isnull=True),
                name="recognition_fits_source",
            ),
            # One recognition per customer comment and per met measurement: a second click or a
            # recomputation finds the first one instead of adding another.
            models.UniqueConstraint(
                fields=["answer"], condition=Q(answer__isnull=False), name="recognition_answer_once"
            ),
            models.UniqueConstraint(
                fields=["measurement"], condition=Q(measurement__isnull=False), name="recognition_measurement_once"
            ),
        ]
        indexes = [
            models.Index(fields=["receiver", "created_at"], name="recognition_receiver_time"),
            models.Index(fields=["giver", "created_at"], name="recognition_giver_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} → {self.receiver or self.unit}"

    @property
    def display_message(self) -> str:
        """What the wall shows, in the reader's language: a celebration is worded from its measurement now (the
        stored message is the staff-language copy); people's and customers' words stay as written."""
        if self.source != self.Source.ACHIEVEMENT or self.measurement_id is None:
            return self.message
        return achievement_text(self.measurement)


class PointEntry(models.Model):
    """One line of the points ledger: points in (a recognition, a met KPI) or out (a correction).
    A balance is the SUM of an employee's lines."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="point_entries"
    )
    amount = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=200)
    recognition = models.ForeignKey(
        Recognition,
        verbose_name=_("recognition"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="point_entries",
    )
    measurement = models.ForeignKey(
        "kpis.KpiMeasurement",
        verbose_name=_("KPI measurement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="point_entry_not_zero"),
            models.CheckConstraint(
                condition=Q(recognition__isnull=True) | Q(measurement__isnull=True), name="point_entry_one_source"
            ),
            # Each source credits each person once: recomputing a met KPI or re-sending cannot pay twice.
            models.UniqueConstraint(
                fields=["recognition", "employee"],
                condition=Q(recognition__isnull=False),
                name="point_entry_recognition_once",
            ),
            models.UniqueConstraint(
                fields=["measurement", "employee"],
                condition=Q(measurement__isnull=False),
                name="point_entry_measurement_once",
            ),
        ]
        indexes = [models.Index(fields=["employee", "created_at"], name="point_entry_employee_time")]

    def __str__(self) -> str:
        return f"{self.employee}: {self.amount:+d} ({self.reason})"

    @property
    def display_reason(self) -> str:
        """Why the points were given, in the reader's language (the stored reason is the staff-language copy)."""
        if self.measurement_id is not None:
            return achievement_text(self.measurement)
        if self.recognition_id is not None and self.recognition.giver_id is not None:
            giver = self.recognition.giver
            if self.recognition.source == Recognition.Source.CUSTOMER_PRAISE:
                return gettext("A customer's praise, passed on by %(giver)s") % {"giver": giver}
            return gettext("Recognised by %(giver)s") % {"giver": giver}
        return self.reason


def achievement_text(measurement) -> str:
    """ "Store NPS: target met for 1 Nov 2026 – 30 Nov 2026" in the active language."""
    start, end = (date_format(day, "SHORT_DATE_FORMAT") for day in (measurement.period_start, measurement.period_end))
    period = f"{start} – {end}"
    return gettext("%(kpi)s: target met for %(period)s") % {"kpi": measurement.kpi.name, "period": period}
