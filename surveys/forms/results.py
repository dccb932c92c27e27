"""The filter form of the results pages: which slice of responses to show."""

import re
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from cxprogram.api.inputs import date_in_range
from cxprogram.models import Channel, Customer, Segment, Unit
from surveys.anonymity import period_label, period_parse, period_start, periods_back
from surveys.models import Sentiment
from surveys.selectors.metrics import Slice
from surveys.selectors.themes import theme_choices

BREAKDOWN_CHOICES = [
    ("unit", _("Unit")),
    ("employee", _("Employee")),
    ("segment", _("Segment")),
    ("value_tier", _("Value tier")),
    ("channel", _("Channel")),
    ("touchpoint", _("Touchpoint")),
    ("month", _("Month")),
    ("week", _("Week")),
]
SORT_CHOICES = [
    ("label", _("Name")),
    ("-score", _("Best score first")),
    ("score", _("Worst score first")),
    ("-n", _("Most answers")),
]
BAND_CHOICES = [("", _("All")), ("unhappy", _("Unhappy")), ("happy", _("Happy"))]
SENTIMENT_CHOICES = [("", _("All")), *Sentiment.choices]


class ResultsFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[date_in_range]
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[date_in_range]
    )
    unit = forms.ModelChoiceField(Unit.objects.none(), label=_("Unit"), required=False)
    segment = forms.ModelChoiceField(Segment.objects.all(), label=_("Segment"), required=False)
    value_tier = forms.ChoiceField(
        label=_("Value tier"), choices=[("", "—"), *Customer.ValueTier.choices], required=False
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", "—"), *Channel.choices], required=False)
    touchpoint = forms.ChoiceField(label=_("Touchpoint"), required=False)
    by = forms.ChoiceField(label=_("Break down by"), choices=BREAKDOWN_CHOICES, required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORT_CHOICES, required=False)
    q = forms.CharField(label=_("Search comments"), required=False, max_length=100)
    band = forms.ChoiceField(label=_("Comments from"), choices=BAND_CHOICES, required=False)
    theme = forms.ChoiceField(label=_("Theme"), choices=[], required=False)
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=SENTIMENT_CHOICES, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.order_by("name")
        names: dict[str, str] = {}
        for path in settings.RESULTS_TOUCHPOINT_NAMES:
            names |= import_string(path)()
        # A code answers carry without a touchpoint defined for it (an older link) stays choosable, by its code.
        asked = str(self.data.get("touchpoint", ""))
        if asked and asked not in names and re.fullmatch(r"[-a-zA-Z0-9_]{1,50}", asked):
            names[asked] = asked
        self.fields["touchpoint"].choices = [("", "—"), *sorted(names.items(), key=lambda item: item[1].lower())]
        self.fields["theme"].choices = theme_choices()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def slice_for(self, survey, units_in_scope) -> Slice:
        data = self.cleaned_data
        return Slice(
            survey=survey,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            unit=data.get("unit"),
            segment=data.get("segment"),
            value_tier=data.get("value_tier") or "",
            channel=data.get("channel") or "",
            touchpoint=data.get("touchpoint") or "",
            units_in_scope=units_in_scope,
        )

    def slice_label(self) -> str:
        """The slice in words for file names: "2026-10-01–2026-12-31 Москва — Тверская VIP high"; "" for all."""
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        parts = [f"{start.isoformat() if start else ''}–{end.isoformat() if end else ''}"] if start or end else []
        parts += [str(data[name]) for name in ("unit", "segment") if data.get(name)]
        parts += [data[name] for name in ("value_tier", "channel", "touchpoint") if data.get(name)]
        return " ".join(parts)


ANONYMOUS_FILTERS = _(
    "This survey is anonymous: its results are shown per unit and per whole month or quarter only, so that no "
    "filter can single out a small group."
)
REFUSED_FOR_ANONYMOUS = (
    "date_from", "date_to", "segment", "value_tier", "channel", "touchpoint", "employee", "by", "band", "sort",
    "language", "list", "format",
)  # fmt: skip


class AnonymousResultsForm(forms.Form):
    """The only slices of an anonymous survey: a finished calendar period and a unit with its subtree."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    unit = forms.ModelChoiceField(Unit.objects.none(), label=_("Unit"), required=False)
    q = forms.CharField(label=_("Search comments"), required=False, max_length=100)

    def __init__(self, *args, units, today, **kwargs):
        super().__init__(*args, **kwargs)
        kind = settings.PULSE_PERIOD
        # Only finished periods: in the current one, every new answer would show as a change in the figures.
        self.periods = periods_back(kind, period_start(kind, today) - timedelta(days=1), 12)
        self.fields["period"].choices = [
            (period_label(kind, start), period_label(kind, start)) for start in self.periods
        ]
        self.fields["unit"].queryset = units.order_by("name")

    def clean(self):
        cleaned = super().clean()
        refused = [name for name in REFUSED_FOR_ANONYMOUS if self.data.get(name)]
        if refused:
            raise forms.ValidationError(ANONYMOUS_FILTERS, code="anonymous")
        return cleaned

    def chosen_period(self) -> date:
        chosen = self.cleaned_data.get("period")
        return period_parse(settings.PULSE_PERIOD, chosen) if chosen else self.periods[0]
