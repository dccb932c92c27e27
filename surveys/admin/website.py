"""The sites where a survey's website widget may run, edited inline on the survey."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy

from surveys.models import WidgetOrigin, origin_of


class WidgetOriginForm(forms.ModelForm):
    class Meta:
        model = WidgetOrigin
        fields = ["origin"]

    def clean_origin(self) -> str:
        """Stored as the browser sends it in `Origin`: lower case, no trailing slash, no default port."""
        return origin_of(self.cleaned_data["origin"])


class WidgetOriginInline(admin.TabularInline):
    model = WidgetOrigin
    form = WidgetOriginForm
    extra = 0
    verbose_name = gettext_lazy("site allowed to show the website widget")
    verbose_name_plural = gettext_lazy("Website widget: sites allowed to show it")
