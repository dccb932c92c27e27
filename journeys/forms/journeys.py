"""The journey map's filters and the admin's JSON import form."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxprogram.api.inputs import date_in_range
from cxprogram.json_input import json_parse
from cxprogram.models import Segment, Unit
from journeys.selectors.scores import previous_period
from surveys.forms.results import SENTIMENT_CHOICES
from surveys.selectors.metrics import Slice
from surveys.selectors.themes import theme_choices

DEFAULT_DAYS = 90


class MapFilterForm(forms.Form):
    # date_in_range: the previous period and the year of trend reach back from these; they stay inside the calendar.
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[date_in_range]
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[date_in_range]
    )
    segment = forms.ModelChoiceField(Segment.objects.all(), label=_("Segment"), required=False)
    unit = forms.ModelChoiceField(Unit.objects.none(), label=_("Unit"), required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.order_by("name")

    def clean(self):
        cleaned = super().clean()
        end = cleaned.get("date_to") or timezone.localdate()
        start = cleaned.get("date_from") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        cleaned["date_from"], cleaned["date_to"] = start, end
        return cleaned

    def slices(self, units_in_scope) -> tuple[Slice, Slice]:
        """The chosen period and the period of the same length just before it."""
        data = self.cleaned_data
        current = Slice(
            date_from=data["date_from"],
            date_to=data["date_to"],
            segment=data.get("segment"),
            unit=data.get("unit"),
            units_in_scope=units_in_scope,
        )
        return current, previous_period(current)


JOURNEY_MAX_DEPTH = 10  # journey → stages → stage → touchpoints → touchpoint → measures → measure: 7 levels


class JourneyImportForm(forms.Form):
    document = forms.FileField(
        label=_("Journey file (JSON)"), help_text=_("A file made by “Export as JSON” in the journey list.")
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        try:
            return json_parse(upload.read().decode("utf-8"), max_depth=JOURNEY_MAX_DEPTH)
        except (UnicodeDecodeError, ValueError) as error:
            raise forms.ValidationError(_("This is not a JSON file: %(error)s") % {"error": error}) from error


class TimelineFilterForm(forms.Form):
    """A customer's timeline narrowed to the responses whose comments mention a theme or carry a sentiment."""

    theme = forms.ChoiceField(label=_("Theme"), choices=[], required=False)
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=SENTIMENT_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = theme_choices()
