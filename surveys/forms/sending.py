"""Forms of the sending page: a message's texts, the send-or-schedule confirmation, the repetition."""

from django import forms
from django.utils.translation import gettext_lazy as _


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Text"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("{name}: the customer's name · {store}: their store · {link}: the survey link. Leave both empty "
                    "for the standard text."),
    )  # fmt: skip


class SendForm(forms.Form):
    WHEN = [("now", _("Now")), ("later", _("At a time"))]
    when = forms.ChoiceField(label=_("When"), choices=WHEN, widget=forms.RadioSelect, initial="now")
    at = forms.DateTimeField(
        label=_("Send at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M"],
    )  # fmt: skip
    confirm = forms.BooleanField(label=_("I have checked the audience and the texts"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == "later" and not cleaned.get("at"):
            self.add_error("at", _("Choose when to send it."))
        return cleaned


class RepeatForm(forms.Form):
    CHOICES = [(0, _("Once")), (1, _("Every month")), (3, _("Every quarter")), (6, _("Every six months")),
               (12, _("Every year"))]  # fmt: skip
    every_months = forms.TypedChoiceField(label=_("Repeat"), choices=CHOICES, coerce=int, empty_value=0)
