"""Follow-up cases (looked up here, worked on the case page) and the reply templates per root cause."""

from django.contrib import admin

from surveys.models import (
    Complaint,
    FollowUp,
    FollowUpEvent,
    ReplyTemplate,
)


class FollowUpEventInline(admin.TabularInline):
    model = FollowUpEvent
    extra = 0
    fields = ["at", "kind", "actor", "display_text"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    """Cases are worked on the case page (/followups/); the admin is for looking things up."""

    list_display = ["__str__", "status", "unit", "owner", "priority", "due_at", "first_contact_at", "root_cause"]
    list_filter = ["status", "root_cause", "unit"]
    search_fields = ["response__customer__name__unicontains", "response__customer__external_id"]
    list_select_related = ["unit", "owner__user"]
    readonly_fields = [*(f.name for f in FollowUp._meta.fields if f.name != "reason_codes"), "reasons"]
    inlines = [FollowUpEventInline]

    def has_add_permission(self, request):
        return False


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "root_cause", "language", "subject"]
    list_filter = ["language", "root_cause"]
    search_fields = ["name__unicontains", "subject__unicontains", "body__unicontains"]


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Complaints from outside as they arrived; the case they opened is worked in the case desk."""

    list_display = ["received_at", "channel", "author_handle", "unit", "followup", "public_reply_at"]
    list_filter = ["channel", "received_at"]
    search_fields = ["message_id", "author_handle", "text__unicontains"]
    list_select_related = ["unit", "followup"]
    readonly_fields = [f.name for f in Complaint._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
