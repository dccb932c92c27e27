"""Text analytics in the admin: the theme taxonomy CX leads edit, the sentiment models with their measured
accuracy, and the background passes (backfill, re-tag, training) with their progress."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.models import SentimentClassifier, TextJob, Theme
from surveys.services.text import taxonomy_changed, text_job_start
from surveys.text.lemmas import tokens
from surveys.text.match import split_markers


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["code", "parent", "name_ru", "name_en", "markers", "root_cause", "active"]

    def clean_parent(self):
        parent = self.cleaned_data["parent"]
        current = parent
        while current is not None:
            if self.instance.pk and current.pk == self.instance.pk:
                raise forms.ValidationError(_("A theme cannot sit below itself."))
            current = current.parent
        return parent

    def clean_markers(self):
        markers = self.cleaned_data["markers"]
        empty = [m for m in split_markers(markers) if not tokens(m.rstrip("*"))]
        if empty:
            raise forms.ValidationError(_("These markers have no words: %(markers)s") % {"markers": ", ".join(empty)})
        return markers


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    form = ThemeForm
    list_display = ["code", "name_ru", "name_en", "parent", "root_cause", "active", "mention_count"]
    list_filter = ["active", "parent", "root_cause"]
    search_fields = ["code", "name_ru", "name_en", "markers"]
    list_select_related = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_mentions=Count("mentions"))

    @admin.display(description=gettext_lazy("mentions"), ordering="n_mentions")
    def mention_count(self, obj):
        return obj.n_mentions

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        taxonomy_changed()
        messages.info(request, _("Every comment is being re-tagged in the background."))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        taxonomy_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        taxonomy_changed()


@admin.register(SentimentClassifier)
class SentimentClassifierAdmin(admin.ModelAdmin):
    list_display = ["created_at", "active", "accuracy_shown", "lexicon_accuracy_shown", "n_train", "n_test",
                    "label_counts"]  # fmt: skip
    exclude = ["data"]
    readonly_fields = ["created_at", "n_train", "n_test", "accuracy", "lexicon_accuracy", "label_counts", "active"]

    @admin.display(description=gettext_lazy("accuracy on held-out comments"), ordering="accuracy")
    def accuracy_shown(self, obj):
        return f"{obj.accuracy:.1%}"

    @admin.display(description=gettext_lazy("built-in lexicon's accuracy"), ordering="lexicon_accuracy")
    def lexicon_accuracy_shown(self, obj):
        return f"{obj.lexicon_accuracy:.1%}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TextJob)
class TextJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "status", "progress_bar", "done", "total", "started_at", "progress_at",
                    "finished_at", "resumed", "message"]  # fmt: skip
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in TextJob._meta.fields]

    @admin.display(description=gettext_lazy("progress"))
    def progress_bar(self, obj):
        return format_html('<progress max="100" value="{}">{}%</progress> {}%', obj.progress, obj.progress,
                           obj.progress)  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("start/<str:kind>/", self.admin_site.admin_view(self.start_view), name="surveys_textjob_start"),
            *super().get_urls(),
        ]

    def start_view(self, request, kind):
        """POST: queue a backfill, a re-tag or a training run."""
        if request.method != "POST" or kind not in TextJob.Kind.values:
            return redirect("admin:surveys_textjob_changelist")
        if not request.user.has_perm("surveys.add_theme"):
            raise PermissionDenied
        job = text_job_start(kind=kind)
        messages.success(request, _("Queued: %(job)s.") % {"job": job.get_kind_display()})
        return redirect("admin:surveys_textjob_changelist")

    def changelist_view(self, request, extra_context=None):
        extra = {"job_kinds": TextJob.Kind.choices, **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)
