"""Admin for the organisation: units, segments, employees (also inline on users) and customers with CSV import."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import CustomerImportForm
from .models import Customer, Employee, Segment, Unit
from .services import customer_import_csv


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "code", "employee_count"]
    list_filter = ["kind", "parent"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"code": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").annotate(employee_count=Count("employees"))

    @admin.display(description=gettext_lazy("employees"), ordering="employee_count")
    def employee_count(self, unit):
        return unit.employee_count


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "customer_count"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(customer_count=Count("customers"))

    @admin.display(description=gettext_lazy("customers"), ordering="customer_count")
    def customer_count(self, segment):
        return segment.customer_count


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role", "unit", "title"]
    list_filter = ["role", "unit__kind", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "title"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


class EmployeeInline(admin.StackedInline):
    model = Employee
    can_delete = False
    autocomplete_fields = ["unit"]
    verbose_name_plural = gettext_lazy("employee record")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserWithEmployeeAdmin(UserAdmin):
    inlines = [EmployeeInline]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "external_id",
        "name",
        "email",
        "segment",
        "value_tier",
        "language",
        "home_unit",
        "consent",
        "opted_out_at",
    ]
    list_filter = [
        "value_tier",
        "segment",
        "language",
        "consent",
        ("opted_out_at", admin.EmptyFieldListFilter),
        "home_unit",
    ]
    search_fields = ["external_id", "name", "email", "phone"]
    list_select_related = ["segment", "home_unit"]
    autocomplete_fields = ["segment", "home_unit"]
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False
    change_list_template = "admin/cxprogram/customer/change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_csv_view), name="cxprogram_customer_import"),
            *super().get_urls(),
        ]

    def import_csv_view(self, request):
        """Upload a CSV file; good rows are saved, bad rows listed by line number."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        report = None
        form = CustomerImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            report = customer_import_csv(data=form.cleaned_data["file"].read())
            if report.file_error:
                form.add_error("file", report.file_error)
                report = None
            elif not report.errors:
                self.message_user(
                    request,
                    _("Imported %(created)d new and %(updated)d updated customers.")
                    % {"created": report.created, "updated": report.updated},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:cxprogram_customer_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import customers from CSV"),
            "form": form,
            "report": report,
        }
        status = 400 if request.method == "POST" and (form.errors or report) else 200
        return TemplateResponse(request, "admin/cxprogram/customer/import.html", context, status=status)
