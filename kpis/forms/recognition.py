"""The recognition form: whom to thank, for which company value, in what words, for whose eyes."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Employee
from kpis.models import CompanyValue, Recognition
from kpis.services.recognition import MESSAGE_LIMIT


class ColleagueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, employee: Employee) -> str:
        return f"{employee} — {employee.unit.name}"


class CompanyValueChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, language: str, **kwargs):
        self.language = language
        super().__init__(*args, **kwargs)

    def label_from_instance(self, value: CompanyValue) -> str:
        return value.localized("name", self.language)


def colleagues_of(giver: Employee):
    """Everyone in the company the giver may thank: active employees other than the giver."""
    return (
        Employee.objects.filter(user__is_active=True)
        .exclude(pk=giver.pk)
        .select_related("user", "unit")
        .order_by("unit__name", "user__last_name", "user__first_name", "pk")
    )


class RecognitionForm(forms.Form):
    receiver = ColleagueChoiceField(label=_("Colleague"), queryset=Employee.objects.none(), empty_label="—")
    value = CompanyValueChoiceField(
        label=_("Company value they lived"),
        queryset=CompanyValue.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        language="en",
    )
    message = forms.CharField(
        label=_("What did they do?"),
        max_length=MESSAGE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Be specific: what happened and why it mattered."),
    )
    visibility = forms.ChoiceField(
        label=_("Who sees it"),
        choices=Recognition.Visibility.choices,
        initial=Recognition.Visibility.COMPANY,
        widget=forms.RadioSelect,
    )
    points = forms.IntegerField(label=_("Points"), min_value=0, initial=10)

    def __init__(self, *args, giver: Employee, language: str, allowance_left: int, **kwargs):
        """The allowance itself is enforced by the service, under a lock; here it only guides the input."""
        super().__init__(*args, **kwargs)
        self.fields["receiver"].queryset = colleagues_of(giver)
        values = self.fields["value"]
        values.queryset = CompanyValue.objects.filter(active=True)
        values.language = language
        points = self.fields["points"]
        points.initial = min(10, allowance_left)
        points.widget.attrs.update({"min": 0, "max": allowance_left})
        points.help_text = _("From your allowance of %(total)d points a month; 0 is fine for a simple thank-you.") % {
            "total": settings.RECOGNITION_MONTHLY_ALLOWANCE
        }
        # Django ties each field to its help text and errors (aria-describedby "<id>_helptext <id>_error"), which the
        # template renders under those ids, so both are read out with the field.
