"""Authoring of personas and journeys: stages inline, touchpoints per stage."""

from django.contrib import admin

from .models import Journey, Persona, Stage, Touchpoint


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name", "goals", "needs", "pains"]
    filter_horizontal = ["segments"]


class StageInline(admin.TabularInline):
    model = Stage
    extra = 1
    show_change_link = True


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = ["name", "persona", "state", "owner"]
    list_filter = ["state", "persona"]
    search_fields = ["name"]
    inlines = [StageInline]


class TouchpointInline(admin.StackedInline):
    model = Touchpoint
    extra = 1
    autocomplete_fields = ["owner_unit"]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "order"]
    list_filter = ["journey"]
    inlines = [TouchpointInline]


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "stage", "channel", "owner_unit", "moment_of_truth", "target"]
    list_filter = ["channel", "moment_of_truth", "stage__journey"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["owner_unit"]
