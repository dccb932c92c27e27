"""Follow-up cases (looked up here, worked on the case page) and the reply templates per root cause."""

from django.contrib import admin

from cxprogram.selectors import request_scope
from surveys.models import (
    Complaint,
    FollowUp,
    FollowUpEvent,
    ReplyTemplate,
)
from surveys.selectors.complaints import routable_units
from surveys.services.complaints import complaint_route


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
    """Complaints from outside as they arrived; the case they opened is worked in the case desk. The one thing
    changed here is the unit a complaint is about (a CX lead picks it for one that named none), which moves its
    case to that unit's manager."""

    list_display = ["received_at", "channel", "author_handle", "subject", "unit", "followup", "public_reply_at"]
    list_filter = ["channel", "received_at", ("unit", admin.EmptyFieldListFilter)]
    search_fields = ["message_id", "author_handle", "author_email", "subject__unicontains", "text__unicontains"]
    list_select_related = ["unit", "followup"]
    fields = ["unit", *(f.name for f in Complaint._meta.fields if f.name not in ("id", "unit"))]
    readonly_fields = [name for name in fields if name != "unit"]

    def has_add_permission(self, request):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = routable_units()
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.followup.is_open:
            return [*self.readonly_fields, "unit"]  # a finished case keeps the unit it was worked in
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if "unit" in form.changed_data:
            complaint_route(complaint=obj, unit=obj.unit, actor=request_scope(request).employee)
