"""The "write to us" form of the hosted pages: the message, how to answer it, and (without a signed unit) which
store it is about. Validated in the customer's language."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from cxprogram.models import Unit
from surveys.forms.responses import PHONE

TEXT_MAX = 5000


class WriteForm(forms.Form):
    """A complaint or a question from a customer; a phone number or an e-mail address is asked only for the way
    they chose to hear back."""

    CONTACT_CHOICES = [
        ("phone", _("By phone")),
        ("email", _("By e-mail")),
        ("none", _("No need to contact me")),
    ]

    text = forms.CharField(max_length=TEXT_MAX, strip=True)
    contact_by = forms.ChoiceField(choices=CONTACT_CHOICES)
    phone = forms.CharField(max_length=40, required=False, strip=True)
    email = forms.CharField(max_length=254, required=False, strip=True)
    name = forms.CharField(max_length=100, required=False, strip=True)
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)
    website = forms.CharField(required=False)  # honeypot: hidden from people, filled by bots

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["text"].error_messages = {
            "required": _("Write what happened, in a few words or more."),
            "max_length": _("Please keep it under %(limit_value)d characters.") % {"limit_value": TEXT_MAX},
        }
        self.fields["contact_by"].error_messages = {
            "required": _("Choose how we should contact you."),
            "invalid_choice": _("Choose how we should contact you."),
        }
        self.fields["unit"].error_messages = {"invalid_choice": _("Choose a store from the list.")}

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("contact_by")
        phone, email = cleaned.get("phone", ""), cleaned.get("email", "")
        if phone and (not PHONE.fullmatch(phone) or not 6 <= sum(c.isdigit() for c in phone) <= 15):
            self.add_error("phone", _("Enter a phone number of 6 to 15 digits, e.g. +7 912 345-67-89."))
        elif chosen == "phone" and not phone:
            self.add_error("phone", _("Enter the phone number we should call."))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.add_error("email", _("Enter a valid e-mail address, e.g. name@example.com."))
        elif chosen == "email":
            self.add_error("email", _("Enter the e-mail address we should write to."))
        return cleaned

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def contact_details(self) -> str:
        """The way the customer chose first, then the other one they gave ("" when they want no contact)."""
        data = self.cleaned_data
        if data["contact_by"] == "none":
            return ""
        first, other = ("phone", "email") if data["contact_by"] == "phone" else ("email", "phone")
        return " · ".join(value for value in (data[first], data[other]) if value)[:200]
