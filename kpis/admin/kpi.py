"""Authoring of KPIs for CX leads: definitions, “Compute now”, the computed measurements and hand-entered values."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kpis.models import Kpi, KpiManualValue, KpiMeasurement
from kpis.models.kpi import period_bounds
from kpis.selectors.kpi import TREND_PERIODS
from kpis.services.measurements import kpi_compute, periods_back
from surveys.models import Question

QT = Question.Type
# The question types each survey metric reads (other types of a chosen touchpoint's questions are skipped).
METRIC_TYPES = {
    Kpi.Metric.NPS: {QT.NPS},
    Kpi.Metric.CSAT: {QT.CSAT},
    Kpi.Metric.CES: {QT.CES},
    Kpi.Metric.MEAN: {QT.NPS, QT.CSAT, QT.CES, QT.RATING},
    Kpi.Metric.YES_SHARE: {QT.YES_NO},
}


class KpiForm(forms.ModelForm):
    class Meta:
        model = Kpi
        fields = [
            "name", "code", "description_en", "description_ru", "active", "metric", "theme", "questions", "touchpoints",
            "level", "period", "channel",
            "employee_influence", "target", "warning", "direction", "min_sample", "points", "outcome",
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        metric = data.get("metric")
        questions = list(data.get("questions") or [])
        touchpoints = list(data.get("touchpoints") or [])
        if metric in METRIC_TYPES:
            if not questions and not touchpoints:
                self.add_error("questions", _("A survey metric needs at least one question or touchpoint."))
            wrong = [q for q in questions if q.type not in METRIC_TYPES[metric]]
            if wrong:
                self.add_error(
                    "questions",
                    _("These questions do not give this metric: %(codes)s.")
                    % {"codes": ", ".join(f"{q.survey} / {q.code}" for q in wrong)},
                )
        elif metric in (Kpi.Metric.MANUAL, *Kpi.LOOP_METRICS) and (questions or touchpoints):
            self.add_error("questions", _("This metric source does not read survey questions or touchpoints."))
        if metric == Kpi.Metric.THEME_NEGATIVE and data.get("theme") is None:
            self.add_error("theme", _("Choose the theme whose mentions count."))
        outcome = data.get("outcome")
        if outcome is not None and self.instance.pk and outcome.pk == self.instance.pk:
            self.add_error("outcome", _("A KPI cannot be its own outcome."))
        return data


@admin.register(Kpi)
class KpiAdmin(admin.ModelAdmin):
    form = KpiForm
    list_display = ["name", "metric", "level", "period", "target", "direction", "min_sample", "employee_influence",
                    "points", "outcome", "active"]  # fmt: skip
    list_filter = ["active", "level", "period", "metric", "employee_influence"]
    search_fields = ["name__unicontains", "code", "description_en__unicontains", "description_ru__unicontains"]
    prepopulated_fields = {"code": ["name"]}
    filter_horizontal = ["questions", "touchpoints"]
    autocomplete_fields = ["outcome"]
    actions = ["compute_now"]
    fieldsets = [
        (None, {"fields": ["name", "code", ("description_en", "description_ru"), "active"]}),
        (
            gettext_lazy("Where the value comes from"),
            {
                "fields": ["metric", "channel", "theme", "questions", "touchpoints"],
                "description": gettext_lazy(
                    "Survey metrics read the chosen questions' answers and those of the questions that measure the "
                    "chosen touchpoints. Closed-loop metrics read follow-up cases: the case owner for employees, "
                    "the unit that served for units. The comment metric reads the theme's mentions (in the chosen "
                    "questions' surveys, if any)."
                ),
            },
        ),
        (gettext_lazy("Whom and how often"), {"fields": [("level", "period"), "employee_influence"]}),
        (
            gettext_lazy("Target"),
            {"fields": [("target", "warning", "direction"), "min_sample", "points"]},
        ),
        (gettext_lazy("Outcome analysis"), {"fields": ["outcome"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("outcome")

    @admin.action(description=gettext_lazy("Compute now (the periods shown on the pages)"))
    def compute_now(self, request, queryset):
        today = timezone.localdate()
        total = 0
        for kpi in queryset.prefetch_related("questions", "touchpoints"):
            start = periods_back(kpi.period, today, TREND_PERIODS[kpi.period])
            total += kpi_compute(kpi=kpi, date_from=start, date_to=today).total
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(kpis)d KPI computed: %(n)d measurements.", "%(kpis)d KPIs computed: %(n)d measurements.", count)
            % {"kpis": count, "n": total},
            messages.SUCCESS,
        )


@admin.register(KpiMeasurement)
class KpiMeasurementAdmin(admin.ModelAdmin):
    list_display = ["kpi", "period_start", "unit", "employee", "value", "n", "low", "high", "status", "computed_at"]
    list_filter = ["status", "kpi__level", "kpi__period", "kpi"]
    date_hierarchy = "period_start"
    search_fields = [
        "kpi__name__unicontains",
        "unit__name__unicontains",
        "employee__user__username",
        "employee__user__last_name__unicontains",
    ]
    list_select_related = ["kpi", "unit", "employee__user"]
    readonly_fields = [f.name for f in KpiMeasurement._meta.fields]

    def has_add_permission(self, request):
        return False  # computed, never typed

    def has_change_permission(self, request, obj=None):
        return False


class KpiManualValueForm(forms.ModelForm):
    class Meta:
        model = KpiManualValue
        fields = ["kpi", "period_start", "unit", "employee", "value", "note"]
        help_texts = {"period_start": gettext_lazy("Any day of the period: it is stored as the period's first day.")}

    def clean(self):
        data = super().clean()
        kpi, day = data.get("kpi"), data.get("period_start")
        if kpi is None:
            return data
        if day is not None:
            data["period_start"] = period_bounds(kpi.period, day)[0]
        employee, unit = data.get("employee"), data.get("unit")
        if kpi.level == Kpi.Level.EMPLOYEE and (employee is None or unit is not None):
            raise forms.ValidationError(_("This KPI is measured per employee: choose an employee and no unit."))
        if kpi.level != Kpi.Level.EMPLOYEE and (unit is None or employee is not None):
            raise forms.ValidationError(_("This KPI is measured per unit: choose a unit and no employee."))
        return data


@admin.register(KpiManualValue)
class KpiManualValueAdmin(admin.ModelAdmin):
    form = KpiManualValueForm
    list_display = ["kpi", "period_start", "unit", "employee", "value", "entered_by", "entered_at"]
    list_filter = ["kpi"]
    date_hierarchy = "period_start"
    list_select_related = ["kpi", "unit", "employee__user", "entered_by__user"]
    autocomplete_fields = ["employee", "unit"]

    def save_model(self, request, obj, form, change):
        obj.entered_by = getattr(request.user, "employee", None)
        super().save_model(request, obj, form, change)
        kpi_compute(kpi=obj.kpi, date_from=obj.period_start, date_to=obj.period_start)
