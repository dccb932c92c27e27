"""The case desk's filter form: which cases the queue shows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Employee, Unit
from surveys.forms.results import SENTIMENT_CHOICES
from surveys.models import Survey
from surveys.selectors.themes import theme_choices

STATUS_CHOICES = [
    ("open", _("Open")),
    ("new", _("New, not contacted")),
    ("contacted", _("Contacted")),
    ("done", _("Finished")),
    ("all", _("All")),
]
PRIORITY_CHOICES = [("", _("Any")), ("high", _("High (60+)")), ("medium", _("Medium (30–59)")), ("low", _("Low"))]
DUE_CHOICES = [("", _("Any time")), ("overdue", _("Overdue")), ("today", _("Due today"))]
NOBODY = "none"


class SurveyChoiceField(forms.ModelChoiceField):
    """Surveys by the title the reader reads, not their internal name."""

    def label_from_instance(self, survey: Survey) -> str:
        return survey.title


class QueueFilterForm(forms.Form):
    """Filters of the queue; every choice is limited to what the person may see."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    due = forms.ChoiceField(label=_("Deadline"), choices=DUE_CHOICES, required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=PRIORITY_CHOICES, required=False)
    unit = forms.ModelChoiceField(Unit.objects.none(), label=_("Unit"), required=False, empty_label=_("Any"))
    survey = SurveyChoiceField(
        Survey.objects.none(), label=_("Survey"), required=False, to_field_name="public_id", empty_label=_("Any")
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    mine = forms.BooleanField(label=_("Only my cases"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), choices=[], required=False)
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=SENTIMENT_CHOICES, required=False)
    overdue = forms.BooleanField(required=False, widget=forms.HiddenInput)  # older links: ?overdue=1
    state = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)  # older links: ?state=done

    def __init__(self, *args, units, employees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.order_by("name")
        self.fields["theme"].choices = theme_choices()
        self.fields["survey"].queryset = Survey.objects.exclude(status=Survey.Status.DRAFT).order_by("name")
        people = employees.exclude(role=Employee.Role.FRONTLINE).select_related("user").order_by("user__last_name")
        self.fields["owner"].choices = [("", _("Anyone")), (NOBODY, _("CX leads' queue"))] + [
            (str(person.pk), str(person)) for person in people
        ]

    def clean_q(self) -> str:
        return self.cleaned_data["q"].replace("\x00", "").strip()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("overdue") and not cleaned.get("due"):
            cleaned["due"] = "overdue"
        if cleaned.get("state") == "done" and not cleaned.get("status"):
            cleaned["status"] = "done"
        return cleaned

    def owner_choice(self) -> tuple[bool, int | None]:
        """(filter by owner?, the owner's id or None for the CX leads' queue)."""
        value = self.cleaned_data.get("owner") or ""
        if not value:
            return False, None
        return True, None if value == NOBODY else int(value)
