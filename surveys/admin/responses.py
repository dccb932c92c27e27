"""Responses in the admin: looked up with their answers, never edited (a customer's answer is saved once)."""

from django.contrib import admin

from surveys.models import (
    Answer,
    Response,
)
from surveys.services.rollups import responses_delete


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = ["question", "number", "choice", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question", "choice")


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Responses one by one, with who entered them; anonymous surveys' answers are not here for anybody, CX leads
    and superusers included: their results page shows them as figures of large enough groups."""

    list_display = [
        "submitted_at", "survey", "customer", "unit", "employee", "channel", "language", "source", "entered_by",
    ]  # fmt: skip
    list_filter = [("survey", admin.RelatedOnlyFieldListFilter), "source", "channel", "language", "submitted_at"]
    search_fields = [
        "transaction_ref",
        "customer__external_id",
        "customer__name__unicontains",
        "answers__text__unicontains",
    ]
    list_select_related = ["survey", "customer", "unit", "employee__user", "entered_by"]
    date_hierarchy = "submitted_at"
    inlines = [AnswerInline]
    show_full_result_count = False
    readonly_fields = [f.name for f in Response._meta.fields]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(anonymous=False)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        responses_delete(responses=Response.objects.filter(pk=obj.pk))  # the score rollups follow

    def delete_queryset(self, request, queryset):
        responses_delete(responses=queryset)
