"""Query filters of the kpis' list endpoints. Units and employees named in a filter must be the caller's to see;
anything else is a 400 with the field named."""

import django_filters
from django.db.models import Q

from cxprogram.api.inputs import date_in_range
from cxprogram.api.permissions import api_scope
from surveys.api.filters import visible_employees, visible_units

from ..models import Kpi, KpiMeasurement, Recognition


class KpiFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Kpi.Level.choices)
    metric = django_filters.ChoiceFilter(choices=Kpi.Metric.choices)
    period = django_filters.ChoiceFilter(choices=Kpi.Period.choices)

    class Meta:
        model = Kpi
        fields = ["level", "metric", "period"]


class KpiMeasurementFilter(django_filters.FilterSet):
    kpi = django_filters.CharFilter(field_name="kpi__code", help_text="The KPI's code.")
    level = django_filters.ChoiceFilter(field_name="kpi__level", choices=Kpi.Level.choices)
    period_start_after = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="gte",
        validators=[date_in_range],
        help_text="Periods starting on or after this day.",
    )
    period_start_before = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="lte",
        validators=[date_in_range],
        help_text="Periods starting on or before this day.",
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=visible_units, to_field_name="code", help_text="Code of the measured unit (unit and company KPIs)."
    )
    employee = django_filters.ModelChoiceFilter(
        queryset=visible_employees, help_text="Id of the measured employee (employee KPIs)."
    )
    status = django_filters.ChoiceFilter(choices=KpiMeasurement.Status.choices)

    class Meta:
        model = KpiMeasurement
        fields = ["kpi", "level", "period_start_after", "period_start_before", "unit", "employee", "status"]


class RecognitionFilter(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(choices=Recognition.Source.choices)
    visibility = django_filters.ChoiceFilter(choices=Recognition.Visibility.choices)
    mine = django_filters.BooleanFilter(
        method="filter_mine", help_text="true: recognitions the caller gave or received (as the wall's “mine”)."
    )

    class Meta:
        model = Recognition
        fields = ["source", "visibility", "mine"]

    def filter_mine(self, queryset, name, value):
        employee = api_scope(self.request).employee
        mine = Q(giver=employee) | Q(receiver=employee) if employee else Q(pk__in=[])
        return queryset.filter(mine) if value else queryset.exclude(mine)
