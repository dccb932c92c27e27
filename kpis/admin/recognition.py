"""Admin of recognition for CX leads: the company values, recognitions (read-mostly) and the points ledger
(read-only, with each person's balance)."""

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kpis.models import CompanyValue, PointEntry, Recognition


@admin.register(CompanyValue)
class CompanyValueAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_ru", "code", "order", "active", "recognitions_count"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["name_en__unicontains", "name_ru__unicontains", "code"]
    prepopulated_fields = {"code": ["name_en"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(recognitions_total=Count("recognitions"))

    @admin.display(description=_("recognitions"), ordering="recognitions_total")
    def recognitions_count(self, value: CompanyValue) -> int:
        return value.recognitions_total

    def has_delete_permission(self, request: HttpRequest, obj: CompanyValue | None = None) -> bool:
        # A value that recognitions name stays (PROTECT); switch it off with “active” instead.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.recognitions.exists())


@admin.register(Recognition)
class RecognitionAdmin(admin.ModelAdmin):
    """Read-mostly: a CX lead may change who sees a recognition (e.g. make an unsuitable one private) or delete
    one without points; the people, words and points stay as given, through the services."""

    list_display = ["created_at", "source", "giver", "receiver", "unit", "value", "visibility", "points"]
    list_filter = ["source", "visibility", "value", "created_at"]
    list_select_related = ["giver__user", "receiver__user", "unit", "value"]
    search_fields = [
        "message__unicontains",
        "giver__user__username",
        "receiver__user__username",
        "receiver__user__last_name__unicontains",
    ]
    date_hierarchy = "created_at"
    readonly_fields = [
        "source", "giver", "receiver", "unit", "value", "message", "points", "answer", "measurement", "created_at",
    ]  # fmt: skip
    fields = [*readonly_fields, "visibility"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recognitions are given on the site, where the allowance and the rules apply

    def has_delete_permission(self, request: HttpRequest, obj: Recognition | None = None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or not obj.point_entries.exists())


@admin.register(PointEntry)
class PointEntryAdmin(admin.ModelAdmin):
    """The ledger, read-only: every line with the employee's balance (the SUM of their lines)."""

    list_display = ["created_at", "employee", "amount", "reason_shown", "balance"]
    list_filter = ["created_at", "employee__unit"]
    list_select_related = ["employee__user", "measurement__kpi", "recognition__giver__user"]
    search_fields = ["employee__user__username", "employee__user__last_name__unicontains", "reason__unicontains"]
    date_hierarchy = "created_at"

    @admin.display(description=_("reason"))
    def reason_shown(self, entry: PointEntry) -> str:
        return entry.display_reason

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        balance = (
            PointEntry.objects.filter(employee=OuterRef("employee"))
            .order_by()
            .values("employee")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return super().get_queryset(request).annotate(employee_balance=Subquery(balance, output_field=IntegerField()))

    @admin.display(description=_("balance"), ordering="employee_balance")
    def balance(self, entry: PointEntry) -> int:
        return entry.employee_balance

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PointEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PointEntry | None = None) -> bool:
        return False
