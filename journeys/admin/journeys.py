"""Authoring of personas and journeys: stages inline with their order, touchpoints per stage, the questions that
measure each touchpoint, pain points and opportunities; duplicate, export and import journeys as JSON."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from journeys.forms.journeys import JourneyImportForm
from journeys.models import Improvement, Journey, Persona, Stage, Touchpoint, TouchpointMeasure
from journeys.services.journeys import journey_duplicate, journey_export, journey_import


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name__unicontains", "goals__unicontains", "needs__unicontains", "pains__unicontains"]
    filter_horizontal = ["segments"]


class StageInline(admin.TabularInline):
    model = Stage
    extra = 1
    show_change_link = True
    fields = ["order", "name"]


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = ["name", "persona", "state", "owner", "map_link"]
    list_filter = ["state", "persona"]
    search_fields = ["name__unicontains"]
    autocomplete_fields = ["outcome_question"]
    inlines = [StageInline]
    actions = ["duplicate", "export_json"]

    @admin.display(description=gettext_lazy("map"))
    def map_link(self, journey):
        return format_html('<a href="{}">{}</a>', reverse("journey-detail", args=[journey.pk]), _("open the map"))

    @admin.action(description=gettext_lazy("Duplicate (e.g. to draft the future state)"))
    def duplicate(self, request, queryset):
        for journey in queryset:
            copy = journey_duplicate(journey=journey)
            self.message_user(request, _("Created “%(name)s”.") % {"name": copy.name}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Export as JSON"))
    def export_json(self, request, queryset):
        journeys = list(queryset.order_by("pk"))
        documents = [journey_export(journey) for journey in journeys]
        body = json.dumps(documents[0] if len(documents) == 1 else documents, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        name = slugify(journeys[0].name) or "journey" if len(journeys) == 1 else "journeys"
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="journeys_journey_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a journey exported as JSON; every problem is listed and nothing is saved unless all is well."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = JourneyImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            document = form.cleaned_data["document"]
            try:
                journey = journey_import(data=document)
            except ValidationError as invalid:
                problems = invalid.messages
            else:
                self.message_user(request, _("Imported “%(name)s”.") % {"name": journey.name}, messages.SUCCESS)
                return redirect("admin:journeys_journey_change", journey.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a journey"),
            "form": form,
            "problems": problems,
        }
        status = 400 if problems or form.errors else 200
        return TemplateResponse(request, "admin/journeys/journey/import.html", context, status=status)


class MeasureFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kinds = {
            form.cleaned_data["question"].type
            for form in self.forms
            if form.cleaned_data.get("question") and not form.cleaned_data.get("DELETE")
        }
        if len(kinds) > 1:
            raise ValidationError(
                _("A touchpoint's questions must be of one kind (all NPS, all CSAT…) to form one score.")
            )


class MeasureInline(admin.TabularInline):
    model = TouchpointMeasure
    formset = MeasureFormSet
    extra = 1
    autocomplete_fields = ["question"]


class ImprovementInline(admin.StackedInline):
    model = Improvement
    extra = 0
    autocomplete_fields = ["owner"]
    fields = [("kind", "status"), "description", ("customer_value", "effort"), "owner"]


class TouchpointInline(admin.StackedInline):
    model = Touchpoint
    extra = 1
    show_change_link = True
    autocomplete_fields = ["owner_unit"]
    fields = [
        ("order", "code", "name"),
        ("channel", "owner_unit"),
        ("moment_of_truth", "target", "expected_emotion"),
        "description",
        "backstage",
    ]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "order"]
    list_filter = ["journey"]
    inlines = [TouchpointInline]


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "stage", "channel", "owner_unit", "moment_of_truth", "target"]
    list_filter = ["channel", "moment_of_truth", "stage__journey"]
    search_fields = ["name__unicontains", "code"]
    autocomplete_fields = ["owner_unit"]
    inlines = [MeasureInline, ImprovementInline]
    fieldsets = [
        (None, {"fields": ["stage", ("order", "code", "name"), ("channel", "owner_unit")]}),
        (
            gettext_lazy("Score and emotion"),
            {
                "fields": [("moment_of_truth", "target", "expected_emotion")],
                "description": gettext_lazy(
                    # xgettext:no-python-format
                    "The target is in the measuring questions' units: NPS −100..100, CSAT % satisfied, "
                    "CES mean effort (lower is better), a rating's mean."
                ),
            },
        ),
        (None, {"fields": ["description", "backstage"]}),
    ]


@admin.register(Improvement)
class ImprovementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "touchpoint", "status", "customer_value", "effort", "owner"]
    list_filter = ["kind", "status", "touchpoint__stage__journey"]
    search_fields = ["description__unicontains", "touchpoint__name__unicontains"]
    autocomplete_fields = ["touchpoint", "owner"]
    actions = ["mark_done"]

    @admin.action(description=gettext_lazy("Mark as done"))
    def mark_done(self, request, queryset):
        n = queryset.update(status=Improvement.Status.DONE)
        self.message_user(request, ngettext("%(n)d item is done.", "%(n)d items are done.", n) % {"n": n})
