"""Query filters of the surveys' list endpoints. References to units and employees accept only what the
caller may see; anything else is a 400 with the field named."""

import django_filters
from django.db.models import Q, QuerySet, Subquery
from django.db.models.expressions import OuterRef
from django.utils import timezone

from cxprogram.api.inputs import date_in_range
from cxprogram.api.permissions import api_scope
from cxprogram.models import Channel, Employee, Unit
from surveys.models import Answer, FollowUp, Invitation, Question, Response, Sentiment
from surveys.scoring import HAPPY, NEUTRAL, UNHAPPY, band_q
from surveys.selectors.metrics import start_of
from surveys.selectors.themes import with_theme

QT = Question.Type
BANDS_NAMES = (HAPPY, NEUTRAL, UNHAPPY)
BANDS = [(name, name) for name in BANDS_NAMES]
# The bands of surveys.scoring, on the response's first NPS, CSAT or CES answer, in SQL.
BAND_FILTERS = {name: band_q(name, number="first_score", question_type="first_type") for name in BANDS_NAMES}


def visible_units(request) -> QuerySet:
    return api_scope(request).units() if request else Unit.objects.none()


def visible_employees(request) -> QuerySet:
    return api_scope(request).employees() if request else Employee.objects.none()


class ResponseFilter(django_filters.FilterSet):
    survey = django_filters.CharFilter(field_name="survey__public_id", help_text="The survey's public id.")
    submitted_from = django_filters.DateFilter(
        method="filter_from", validators=[date_in_range], help_text="Submitted on or after this day."
    )
    submitted_to = django_filters.DateFilter(
        method="filter_to", validators=[date_in_range], help_text="Submitted on or before this day."
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=visible_units, to_field_name="code", method="filter_unit", help_text="Unit code, with its subtree."
    )
    employee = django_filters.ModelChoiceFilter(queryset=visible_employees, help_text="Id of the employee who served.")
    segment = django_filters.CharFilter(field_name="customer__segment__code", help_text="The customer's segment code.")
    touchpoint = django_filters.CharFilter()
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    source = django_filters.ChoiceFilter(choices=Response.Source.choices)
    band = django_filters.ChoiceFilter(
        choices=BANDS, method="filter_band", help_text="By the first NPS, CSAT or CES answer."
    )
    theme = django_filters.CharFilter(method="filter_theme", help_text="A theme code: comments mentioning it or below.")
    sentiment = django_filters.ChoiceFilter(
        choices=Sentiment.choices,
        method="filter_theme",
        help_text="With `theme`: mentions of it with this sentiment; alone: comments with this sentiment.",
    )

    class Meta:
        model = Response
        fields = ["survey", "submitted_from", "submitted_to", "unit", "employee", "segment", "touchpoint", "channel"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(submitted_at__gte=start_of(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(submitted_at__lt=start_of(value, next_day=True))

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__in=Unit.objects.subtree_of(value))

    def filter_theme(self, queryset, name, value):
        data = self.form.cleaned_data
        if name == "sentiment" and data.get("theme"):
            return queryset  # the theme's filter applies both
        return with_theme(queryset, theme=data.get("theme") or "", sentiment=data.get("sentiment") or "")

    def filter_band(self, queryset, name, value):
        scores = Answer.objects.filter(response=OuterRef("pk"), question_type__in=[QT.NPS, QT.CSAT, QT.CES]).order_by(
            "question__page", "question__order", "question_id"
        )
        return queryset.annotate(
            first_score=Subquery(scores.values("number")[:1]), first_type=Subquery(scores.values("question_type")[:1])
        ).filter(BAND_FILTERS[value])


class InvitationFilter(django_filters.FilterSet):
    survey = django_filters.CharFilter(field_name="survey__public_id", help_text="The survey's public id.")
    customer = django_filters.CharFilter(field_name="customer__external_id", help_text="The customer's external id.")
    transaction_ref = django_filters.CharFilter()
    delivery = django_filters.ChoiceFilter(choices=Invitation.Delivery.choices[1:])

    class Meta:
        model = Invitation
        fields = ["survey", "customer", "transaction_ref", "delivery"]


class FollowUpFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FollowUp.Status.choices)
    open = django_filters.BooleanFilter(method="filter_open", help_text="true: new or contacted cases.")
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="true: new cases past their deadline.")
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="true: cases the caller owns.")
    survey = django_filters.CharFilter(field_name="response__survey__public_id", help_text="The survey's public id.")
    unit = django_filters.CharFilter(field_name="unit__code", help_text="The case's unit code.")
    theme = django_filters.CharFilter(method="filter_theme", help_text="A theme code its comments mention.")
    sentiment = django_filters.ChoiceFilter(
        choices=Sentiment.choices, method="filter_theme", help_text="Of the theme's mentions, or of the comments."
    )

    class Meta:
        model = FollowUp
        fields = ["status", "open", "overdue", "mine", "survey", "unit"]

    def filter_theme(self, queryset, name, value):
        data = self.form.cleaned_data
        if name == "sentiment" and data.get("theme"):
            return queryset  # the theme's filter applies both
        return with_theme(
            queryset, theme=data.get("theme") or "", sentiment=data.get("sentiment") or "", response_field="response_id"
        )

    def filter_open(self, queryset, name, value):
        return queryset.filter(status__in=FollowUp.OPEN) if value else queryset.exclude(status__in=FollowUp.OPEN)

    def filter_overdue(self, queryset, name, value):
        late = Q(status=FollowUp.Status.NEW, due_at__lt=timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_mine(self, queryset, name, value):
        employee = api_scope(self.request).employee
        mine = Q(owner=employee) if employee else Q(pk__in=[])
        return queryset.filter(mine) if value else queryset.exclude(mine)
