"""Endpoints of the organisation: units, employees and segments to read; customers and employees to upsert."""

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cxprogram.models import Customer, Segment
from cxprogram.services import customer_upsert_many, employee_upsert

from .filters import CustomerFilter, EmployeeFilter, UnitFilter
from .inputs import TextLookupMixin
from .permissions import IsEmployee, ReadOrLeadWrites, api_scope
from .serializers import (
    CustomerBulkResultSerializer,
    CustomerBulkSerializer,
    CustomerSerializer,
    CustomerWriteSerializer,
    EmployeeSerializer,
    EmployeeUpsertSerializer,
    SegmentSerializer,
    UnitSerializer,
    customer_lookups,
)


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units the caller may see: CX leads all, managers their subtree, frontline employees their own unit."""

    serializer_class = UnitSerializer
    permission_classes = [IsEmployee]
    filterset_class = UnitFilter

    def get_queryset(self):
        return api_scope(self.request).units().select_related("parent").order_by("name", "id")


class SegmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Customer segments, the same for every employee."""

    serializer_class = SegmentSerializer
    permission_classes = [IsEmployee]

    def get_queryset(self):
        return Segment.objects.order_by("name", "id")


class EmployeeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Employees the caller may see; CX leads create or update them by username."""

    permission_classes = [ReadOrLeadWrites]
    filterset_class = EmployeeFilter

    def get_queryset(self):
        return api_scope(self.request).employees().select_related("user", "unit").order_by("user__username", "id")

    def get_serializer_class(self):
        return EmployeeUpsertSerializer if self.action == "create" else EmployeeSerializer

    @extend_schema(
        request=EmployeeUpsertSerializer,
        responses={200: EmployeeSerializer, 201: EmployeeSerializer},
        summary="Create or update an employee by username (CX leads)",
    )
    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        existed = self.get_queryset().filter(user__username=data.validated_data["username"]).exists()
        employee = employee_upsert(**data.validated_data, changed_by=request.user)
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(EmployeeSerializer(employee).data, status=code)


class CustomerViewSet(TextLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Customers by external id. Managers see those whose home unit is in their subtree; CX leads see all
    and insert or update them (one, or up to 1000 at once)."""

    permission_classes = [ReadOrLeadWrites]
    filterset_class = CustomerFilter
    lookup_field = "external_id"
    lookup_value_regex = "[^/]+"
    serializer_class = CustomerSerializer

    def get_queryset(self):
        return api_scope(self.request).customers().select_related("segment", "home_unit").order_by("external_id")

    @extend_schema(
        request=CustomerWriteSerializer,
        responses={200: CustomerSerializer, 201: CustomerSerializer},
        summary="Insert or update a customer by external id (idempotent)",
    )
    def create(self, request, *args, **kwargs):
        return self._upsert(request, request.data)

    @extend_schema(
        request=CustomerWriteSerializer,
        responses={200: CustomerSerializer, 201: CustomerSerializer},
        summary="Insert or update the customer with this external id (idempotent)",
    )
    def update(self, request, external_id: str, *args, **kwargs):
        data = request.data
        return self._upsert(request, {**data, "external_id": external_id} if isinstance(data, dict) else data)

    @extend_schema(
        request=CustomerBulkSerializer,
        responses={200: CustomerBulkResultSerializer},
        summary="Insert or update up to 1000 customers; nothing is saved if any row is invalid",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        payload = CustomerBulkSerializer(data=request.data, context={"lookups": customer_lookups()})
        payload.is_valid(raise_exception=True)
        created = updated = 0
        with transaction.atomic():
            for fields, rows in _by_fields_sent(payload.validated_data["customers"]).items():
                c, u = customer_upsert_many(rows=rows, fields=fields)
                created, updated = created + c, updated + u
        return Response({"created": created, "updated": updated})

    @extend_schema(
        request=None,
        responses={200: CustomerSerializer},
        summary="Erase this customer's personal data (on their request); the figures stay as they were",
        description="Contact details and external id, free-text answers, transaction references, case notes and "
        "stored webhook payloads go; the scores stay on a record that keeps only segment, value tier, home unit "
        "and language, under a new id such as `erased-3f9c…` (the answer). CX leads only; the audit trail records "
        "who erased, without the data.",
    )
    @action(detail=True, methods=["post"])
    def erase(self, request, external_id: str):
        if request.data:  # reading the body runs the parser's guards (size, depth, NUL) before anything is erased
            raise ValidationError({"non_field_errors": [_("Send no body: the customer is named in the address.")]})
        customer = self.get_object()
        erased = import_string(settings.CUSTOMER_ERASER)(customer=customer, actor=request.user)
        return Response(CustomerSerializer(erased).data)

    def _upsert(self, request, data):
        row = CustomerWriteSerializer(data=data, context={"lookups": customer_lookups()})
        row.is_valid(raise_exception=True)
        values = row.validated_data
        created, _updated = customer_upsert_many(rows=[values], fields=list(values))
        customer = Customer.objects.select_related("segment", "home_unit").get(external_id=values["external_id"])
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(CustomerSerializer(customer).data, status=code)


def _by_fields_sent(rows: list[dict]) -> dict[tuple[str, ...], list[dict]]:
    """Rows grouped by the fields they carry, so each group is upserted writing exactly those fields."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups
