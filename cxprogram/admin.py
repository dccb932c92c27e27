"""Admin for the organisation: units, segments, employees (also inline on users) and customers with CSV import;
webhooks and their delivery log; the background processes' heartbeats."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .customer_import import CustomerFile, customer_import_start
from .forms import CustomerImportForm
from .models import Customer, CustomerImport, Employee, Heartbeat, Segment, Unit, Webhook, WebhookDelivery
from .selectors import account_editable_by
from .services import employee_set_role, user_password_set
from .webhooks import webhook_queue


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "code", "employee_count"]
    list_filter = ["kind", "parent"]
    search_fields = ["name__unicontains", "code"]
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
    search_fields = ["name__unicontains", "code"]
    prepopulated_fields = {"code": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(customer_count=Count("customers"))

    @admin.display(description=gettext_lazy("customers"), ordering="customer_count")
    def customer_count(self, segment):
        return segment.customer_count


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    """Roles change only through `employee_set_role`, so admin access follows them (and is taken away on delete)."""

    list_display = ["__str__", "role", "unit", "title"]
    list_filter = ["role", "unit__kind", "unit"]
    search_fields = [
        "user__username",
        "user__first_name__unicontains",
        "user__last_name__unicontains",
        "user__email",
        "title__unicontains",
    ]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a record to another user would leave the first one's access behind; delete and add instead.
        return ["user"] if obj is not None else []

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and account_editable_by(request.user, obj and obj.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and account_editable_by(request.user, obj and obj.user)

    def save_model(self, request, obj, form, change):
        saved = employee_set_role(user=obj.user, role=obj.role, unit=obj.unit, title=obj.title, changed_by=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        employee_set_role(user=obj.user, role=None, changed_by=request.user)

    def delete_queryset(self, request, queryset):
        for employee in queryset:
            employee_set_role(user=employee.user, role=None, changed_by=request.user)


class EmployeeInline(admin.StackedInline):
    model = Employee
    can_delete = False
    autocomplete_fields = ["unit"]
    verbose_name_plural = gettext_lazy("employee record")


User = get_user_model()
admin.site.unregister(User)


class PasswordSetForm(AdminPasswordChangeForm):
    """The admin's "change password" through `user_password_set`: the person's API token goes with the old password."""

    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        user_password_set(user=self.user, password=self.cleaned_data["password1"] if usable else None)
        return self.user


@admin.register(User)
class UserWithEmployeeAdmin(UserAdmin):
    """CX leads manage people here ("change user"). Only a superuser makes superusers or staff, grants groups or
    single permissions, or changes an account that can do more than the one changing it; roles (and with them
    admin access) change through `employee_set_role`."""

    inlines = [EmployeeInline]
    change_password_form = PasswordSetForm

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return fields
        return [*fields, "is_superuser", "is_staff", "groups", "user_permissions"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and account_editable_by(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and account_editable_by(request.user, obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Employee:
            return super().save_formset(request, form, formset, change)
        for employee in formset.save(commit=False):
            saved = employee_set_role(
                user=form.instance, role=employee.role, unit=employee.unit, title=employee.title,
                changed_by=request.user,
            )  # fmt: skip
            employee.pk = saved.pk
        if formset.deleted_objects:
            employee_set_role(user=form.instance, role=None, changed_by=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Whatever the form said about staff status, admin access follows the role (also with no employee record).
        user = form.instance
        employee = Employee.objects.filter(user=user).first()
        if employee is None:
            employee_set_role(user=user, role=None, changed_by=request.user)


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
    search_fields = ["external_id", "name__unicontains", "email", "phone"]
    list_select_related = ["segment", "home_unit"]
    autocomplete_fields = ["segment", "home_unit"]
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False
    change_list_template = "admin/cxprogram/customer/change_list.html"
    actions = ["erase"]

    @admin.action(description=gettext_lazy("Erase personal data (the customer asked; figures stay)"))
    def erase(self, request, queryset):
        if not self.has_change_permission(request):
            raise PermissionDenied
        erase = import_string(settings.CUSTOMER_ERASER)
        for customer in queryset:
            erase(customer=customer, actor=request.user)
        n = queryset.count()
        self.message_user(
            request,
            ngettext(
                "Erased the personal data of %(n)d customer; their scores remain without identity.",
                "Erased the personal data of %(n)d customers; their scores remain without identity.",
                n,
            )
            % {"n": n},
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_csv_view), name="cxprogram_customer_import"),
            path(
                "import/<int:pk>/",
                self.admin_site.admin_view(self.import_progress_view),
                name="cxprogram_customer_import_progress",
            ),
            *super().get_urls(),
        ]

    def import_csv_view(self, request):
        """Upload a CSV file: checked now (encoding, columns), imported by a worker; the progress page follows."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = CustomerImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            problem = CustomerFile(data).problem
            if problem:
                form.add_error("file", problem)
            else:
                job = customer_import_start(data=data, file_name=upload.name, started_by=request.user)
                return redirect(reverse("admin:cxprogram_customer_import_progress", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import customers from CSV"),
            "form": form,
            "recent": CustomerImport.objects.select_related("started_by")[:5],
        }
        status = 400 if form.errors else 200
        return TemplateResponse(request, "admin/cxprogram/customer/import.html", context, status=status)

    def import_progress_view(self, request, pk: int):
        """How far an import got; while it runs the page reloads itself every few seconds (no script needed)."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        job = get_object_or_404(CustomerImport.objects.defer("data"), pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Customer import: %(file)s") % {"file": job.file_name},
            "job": job,
            "more_errors": job.skipped - len(job.errors),
        }
        return TemplateResponse(request, "admin/cxprogram/customer/import_progress.html", context)


class WebhookForm(forms.ModelForm):
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=Webhook._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("events"), choices=Webhook.Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "secret", "active"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["name", "url", "active", "event_list", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]

    @admin.display(description=gettext_lazy("events"))
    def event_list(self, webhook):
        return ", ".join(webhook.events)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: what was sent where, how often it was tried and what the receiver answered."""

    list_display = ["created_at", "event", "webhook", "status", "attempts", "response_code", "error", "delivered_at"]
    list_filter = ["status", "event", "webhook"]
    list_select_related = ["webhook"]
    readonly_fields = [
        "webhook", "event", "payload", "status", "attempts", "response_code", "error",
        "created_at", "next_attempt_at", "last_attempt_at", "delivered_at",
    ]  # fmt: skip
    actions = ["retry_now"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("Send the chosen deliveries again now"))
    def retry_now(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        queryset.update(status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now())
        queued = webhook_queue(delivery_ids=ids)
        self.message_user(request, _("%(n)d deliveries queued.") % {"n": queued}, messages.SUCCESS)


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    """Each worker and beat process and when it was last heard from; written by the processes only."""

    list_display = ["role", "node", "started_at", "seen_at"]
    list_filter = ["role"]
    ordering = ["role", "-seen_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
