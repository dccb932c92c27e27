"""Turning a discovered phrase into a theme or a theme's marker."""

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import Theme


class DiscoveredThemeForm(forms.Form):
    phrase = forms.CharField(label=_("Phrase"), max_length=100)
    theme = forms.ModelChoiceField(
        Theme.objects.filter(active=True), label=_("Add to theme"), required=False, empty_label=_("— a new theme —")
    )
    code = forms.SlugField(label=_("New theme's code"), max_length=50, required=False)
    name = forms.CharField(label=_("New theme's name"), max_length=100, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("theme") is None and not self.errors:
            if not cleaned.get("code") or not cleaned.get("name"):
                raise forms.ValidationError(_("Choose a theme, or give the new theme a code and a name."))
            if Theme.objects.filter(code=cleaned["code"]).exists():
                self.add_error("code", _("A theme with this code exists already."))
        return cleaned
