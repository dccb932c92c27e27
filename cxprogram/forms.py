"""Forms of the organisation pages: sign-in with brute-force protection, customer CSV rows."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import ratelimit
from .models import Customer, Segment, Unit


class ThrottledAuthenticationForm(AuthenticationForm):
    """Sign-in that refuses further attempts for a while after repeated failures for a username or address."""

    locked_out = False

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip().lower()
        if not username or not self.cleaned_data.get("password"):
            return super().clean()  # the field errors say what is missing; no password was checked
        keys = self._failure_keys(username)
        limits = [settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS]
        # The attempt is counted (atomically) before the password is checked: counting failures afterwards let
        # concurrent guesses all pass the check against the old count, so more passwords were tried than allowed.
        counts = [ratelimit.hit(key, settings.LOGIN_LOCKOUT_SECONDS) for key in keys]
        if any(n > limit for n, limit in zip(counts, limits, strict=True)):
            self.locked_out = True
            minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
            raise ValidationError(
                ngettext(
                    "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
                    "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked_out",
            )
        cleaned = super().clean()
        # Signed in: the username starts afresh, and the address gets its attempt back (an office behind one
        # address signs in all day).
        ratelimit.reset(keys[0])
        ratelimit.release(keys[1])
        return cleaned

    def _failure_keys(self, username: str) -> list[str]:
        address = ratelimit.client_address(self.request) if self.request else ""
        return [ratelimit.login_key(username), f"login:addr:{address}"]


class CustomerImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, comma or semicolon separated, first line with column names. Columns: external_id (required), "
            "name, email, phone, language (en/ru), segment (code or name), value_tier (high/medium/low), "
            "consent (yes/no), home_unit (unit code)."
        ),
    )

    MAX_BYTES = 20 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("The file is larger than 20 MB; split it into smaller files."))
        return upload


YES_WORDS = {"1", "yes", "y", "true", "да", "д"}
NO_WORDS = {"0", "no", "n", "false", "нет", "н"}


class CustomerRowForm(forms.Form):
    """One line of a customer CSV file; blank optional cells keep their defaults."""

    external_id = forms.CharField(max_length=100)
    name = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(
        max_length=32,
        required=False,
        validators=[
            RegexValidator(r"^\+?[0-9 ()\-]{5,31}$", _("Enter a phone number of digits, spaces, ( ) - and +."))
        ],
    )
    language = forms.CharField(required=False)
    segment = forms.CharField(required=False)
    value_tier = forms.CharField(required=False)
    consent = forms.CharField(required=False)
    home_unit = forms.CharField(required=False)

    def __init__(self, *args, segments: dict[str, Segment], units: dict[str, Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.segments = segments
        self.units = units

    def check(self, data: dict) -> bool:
        """Validate another row with this form: copying a form's fields for each of 200,000 lines took most of an
        import's time."""
        self.data, self.is_bound, self._errors = data, True, None
        return self.is_valid()

    def clean_language(self):
        value = self.cleaned_data["language"].strip().lower()
        codes = [code for code, _name in settings.LANGUAGES]
        if value and value not in codes:
            raise ValidationError(
                _("Unknown language “%(value)s”; use one of: %(codes)s."),
                params={"value": value, "codes": ", ".join(codes)},
            )
        return value or None

    def clean_segment(self):
        value = self.cleaned_data["segment"].strip()
        if not value:
            return None
        segment = self.segments.get(value.lower())
        if segment is None:
            raise ValidationError(
                _("Unknown segment “%(value)s”; create it in the admin first."), params={"value": value}
            )
        return segment

    def clean_value_tier(self):
        value = self.cleaned_data["value_tier"].strip().lower()
        if value and value not in Customer.ValueTier.values:
            raise ValidationError(
                _("Unknown value tier “%(value)s”; use high, medium or low."), params={"value": value}
            )
        return value or None

    def clean_consent(self):
        value = self.cleaned_data["consent"].strip().lower()
        if not value:
            return None
        if value in YES_WORDS:
            return True
        if value in NO_WORDS:
            return False
        raise ValidationError(_("Consent must be yes or no, not “%(value)s”."), params={"value": value})

    def clean_home_unit(self):
        value = self.cleaned_data["home_unit"].strip()
        if not value:
            return None
        unit = self.units.get(value.lower())
        if unit is None:
            raise ValidationError(_("Unknown unit code “%(value)s”."), params={"value": value})
        return unit
