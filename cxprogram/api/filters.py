"""Query filters of the organisation's list endpoints."""

import django_filters

from cxprogram.models import Customer, Employee, Unit

from .inputs import date_in_range


class UnitFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Unit.Kind.choices)
    parent = django_filters.CharFilter(field_name="parent__code", help_text="The parent unit's code.")

    class Meta:
        model = Unit
        fields = ["kind", "parent"]


class EmployeeFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Employee.Role.choices)
    unit = django_filters.CharFilter(field_name="unit__code", help_text="The unit's code.")

    class Meta:
        model = Employee
        fields = ["role", "unit"]


class CustomerFilter(django_filters.FilterSet):
    segment = django_filters.CharFilter(field_name="segment__code", help_text="The segment's code.")
    home_unit = django_filters.CharFilter(field_name="home_unit__code", help_text="The home unit's code.")
    value_tier = django_filters.ChoiceFilter(choices=Customer.ValueTier.choices)
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        validators=[date_in_range],
        help_text="Changed at or after this moment (ISO 8601).",
    )

    class Meta:
        model = Customer
        fields = ["segment", "home_unit", "value_tier", "updated_since"]
