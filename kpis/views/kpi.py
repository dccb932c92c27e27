"""KPI pages: my KPIs (/me/ and an employee's page), the team scorecard, the outcome analysis and hand-entered
values. Thin: scope checks, then selectors and services."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxprogram.api.inputs import date_in_range
from cxprogram.models import Employee, Unit
from cxprogram.replica import reads_from_replica
from cxprogram.selectors import Scope, request_scope, unit_ancestors
from kpis.models import Kpi, KpiManualValue
from kpis.selectors.kpi import (
    child_unit_grid,
    customer_comments,
    employee_kpi_cards,
    open_cases,
    team_employee_grid,
    unit_kpi_cards,
)
from kpis.selectors.outcomes import outcome_effects
from kpis.selectors.recognition import recognition_suggestions, recognition_summary, unit_enps
from kpis.services.measurements import manual_value_record


@login_required
@reads_from_replica
def me(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not scope.has_own_page:
        return render(request, "cxprogram/not_linked.html", status=403)
    return employee_page(request, scope.employee.pk)


@login_required
@reads_from_replica
def employee_page(request: HttpRequest, pk: int) -> HttpResponse:
    """An employee's KPIs, their customers' words, recognitions and open cases: their own page, or a manager's
    or CX lead's view of someone in scope (anyone else gets a 404)."""
    scope = request_scope(request)
    employee = get_object_or_404(scope.employees().select_related("user", "unit"), pk=pk)
    cards = employee_kpi_cards(employee)
    context = {
        "employee": employee,
        "is_me": employee == scope.employee,
        "cards": cards,
        "unmeasured": [card for card in cards if card.current is None and card.running is None],
        "unit_cards": unit_kpi_cards(employee.unit, influence_only=True),
        "comments": customer_comments(employee),
        "cases": open_cases(employee, scope),
        "summary": recognition_summary(employee),
    }
    return render(request, "kpis/me.html", context)


def _manager_or_lead(scope: Scope) -> None:
    if not scope.can_see_results:
        raise Http404


@login_required
@reads_from_replica
def team(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A unit's scorecard, each of its people's KPIs with sample sizes, the units below, and recognition."""
    scope = request_scope(request)
    _manager_or_lead(scope)
    if pk is None:
        home = scope.employee.unit_id if scope.employee else Unit.objects.filter(parent__isnull=True).first()
        home = getattr(home, "pk", home)
        if home is None:
            raise Http404
        return redirect("team-unit", pk=home)
    unit = get_object_or_404(scope.units().select_related("parent"), pk=pk)
    visible = set(scope.units().values_list("pk", flat=True))
    context = {
        "unit": unit,
        "ancestors": [(a, a.pk in visible) for a in unit_ancestors(unit)],
        "cards": unit_kpi_cards(unit, influence_only=False),
        "people": team_employee_grid(unit, scope),
        "children": child_unit_grid(unit, scope),
        "suggestions": recognition_suggestions(unit),
        "enps": unit_enps(unit),
    }
    return render(request, "kpis/team.html", context)


@login_required
@reads_from_replica
def outcomes(request: HttpRequest) -> HttpResponse:
    """For CX leads: which measured behaviours go with better customer outcomes."""
    if not request_scope(request).can_see_outcomes:
        raise Http404
    return render(request, "kpis/outcomes.html", {"effects": outcome_effects()})


class ManualValueForm(forms.Form):
    kpi = forms.ModelChoiceField(label=gettext_lazy("KPI"), queryset=Kpi.objects.none())
    day = forms.DateField(
        label=gettext_lazy("Any day of the period"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_in_range],  # a period at the ends of the calendar has no last day to compute
    )
    employee = forms.ModelChoiceField(
        label=gettext_lazy("Employee (employee KPIs)"), queryset=Employee.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit (unit and company KPIs)"), queryset=Unit.objects.none(), required=False
    )
    value = forms.FloatField(label=gettext_lazy("Value"))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        kpis = Kpi.objects.active().filter(metric=Kpi.Metric.MANUAL).order_by("name")
        if not scope.can_author:  # company KPIs' values are the CX leads' to enter
            kpis = kpis.exclude(level=Kpi.Level.COMPANY)
        self.fields["kpi"].queryset = kpis
        self.fields["employee"].queryset = scope.employees().select_related("user").order_by("user__last_name")
        self.fields["unit"].queryset = scope.units().order_by("name")

    def clean(self):
        data = super().clean()
        kpi, employee, unit = data.get("kpi"), data.get("employee"), data.get("unit")
        if kpi is None:
            return data
        if kpi.level == Kpi.Level.EMPLOYEE:
            if employee is None or unit is not None:
                raise forms.ValidationError(_("“%(kpi)s” is measured per employee: choose an employee.") % {"kpi": kpi})
        elif employee is not None or unit is None:
            raise forms.ValidationError(_("“%(kpi)s” is measured per unit: choose a unit.") % {"kpi": kpi})
        elif kpi.level == Kpi.Level.COMPANY and unit.parent_id is not None:
            raise forms.ValidationError(_("A company KPI takes the company itself as the unit."))
        return data


@login_required
def manual_values(request: HttpRequest) -> HttpResponse:
    """Managers enter values of “entered by hand” KPIs for people and units in their scope; CX leads for all."""
    scope = request_scope(request)
    _manager_or_lead(scope)
    status = 200
    if request.method == "POST":
        form = ManualValueForm(request.POST, scope=scope)
        if form.is_valid():
            data = form.cleaned_data
            manual_value_record(
                kpi=data["kpi"],
                day=data["day"],
                value=data["value"],
                note=data["note"],
                employee=data["employee"],
                unit=data["unit"],
                entered_by=scope.employee,
            )
            messages.success(request, _("Saved, and the KPI is recomputed for that period."))
            return redirect("kpi-manual-values")
        status = 400
    else:
        form = ManualValueForm(scope=scope, initial={"day": timezone.localdate()})
    recent = (
        KpiManualValue.objects.filter(kpi__in=form.fields["kpi"].queryset)
        .filter(Q(employee__in=scope.employees()) | Q(unit__in=scope.units()))
        .select_related("kpi", "unit", "employee__user", "entered_by__user")
        .order_by("-period_start", "-entered_at")[:50]
    )
    return render(request, "kpis/manual_values.html", {"form": form, "recent": recent}, status=status)
