"""Endpoints of the kpis app: KPI definitions and measurements (what the KPI pages show the caller), company
values, the celebration wall with giving a recognition, and the caller's points. Each reads through the caller's
scope, as the pages do, and writes through the recognition service."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from cxprogram.api.inputs import TextLookupMixin
from cxprogram.api.pagination import CreatedCursorPagination
from cxprogram.api.permissions import IsEmployee, api_scope

from ..models import CompanyValue, Recognition
from ..selectors.kpi import kpis_visible, measurements_visible
from ..selectors.recognition import allowance_left, points_balance, recognitions_visible
from ..services.recognition import recognition_give
from .filters import KpiFilter, KpiMeasurementFilter, RecognitionFilter
from .serializers import (
    CompanyValueSerializer,
    KpiMeasurementSerializer,
    KpiSerializer,
    PointsSerializer,
    RecognitionCreateSerializer,
    RecognitionSerializer,
)


class HasEmployeeRecord(IsEmployee):
    """Giving recognitions and holding points needs an employee record (a superuser without one has neither)."""

    message = _("Your user is not linked to an employee record, so it has no recognitions or points of its own.")

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and api_scope(request).employee is not None


class KpiViewSet(TextLookupMixin, viewsets.ReadOnlyModelViewSet):
    """KPI definitions with target, direction and minimum sample, by code: those the caller's KPI pages show."""

    serializer_class = KpiSerializer
    permission_classes = [IsEmployee]
    filterset_class = KpiFilter
    lookup_field = "code"

    def get_queryset(self):
        return kpis_visible(api_scope(self.request)).order_by("level", "name", "id")


class KpiMeasurementViewSet(viewsets.ReadOnlyModelViewSet):
    """Computed KPI values per subject and period, newest period first, with n, the 95% interval and status
    against target; within the caller's scope, as on the KPI pages."""

    serializer_class = KpiMeasurementSerializer
    permission_classes = [IsEmployee]
    filterset_class = KpiMeasurementFilter

    def get_queryset(self):
        return (
            measurements_visible(api_scope(self.request))
            .select_related("kpi", "unit", "employee__user")
            .order_by("-period_start", "kpi__code", "unit__code", "employee_id", "id")
        )


class CompanyValueViewSet(viewsets.ReadOnlyModelViewSet):
    """The company values a recognition can name (the current ones; CX leads also see retired ones)."""

    serializer_class = CompanyValueSerializer
    permission_classes = [IsEmployee]

    def get_queryset(self):
        values = CompanyValue.objects.order_by("order", "id")
        return values if api_scope(self.request).can_author else values.filter(active=True)


class RecognitionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The celebration wall as the caller sees it, newest first (cursor pages); points only where they are the
    caller's to see. Give a recognition as the token's employee."""

    permission_classes = [IsEmployee]
    pagination_class = CreatedCursorPagination
    filterset_class = RecognitionFilter

    def get_permissions(self):
        return [HasEmployeeRecord()] if self.action == "create" else super().get_permissions()

    def get_queryset(self):
        return recognitions_visible(api_scope(self.request)).for_wall().order_by("-created_at", "-id")

    def get_serializer_class(self):
        return RecognitionCreateSerializer if self.action == "create" else RecognitionSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scope": api_scope(self.request)}

    @extend_schema(
        request=RecognitionCreateSerializer,
        responses={201: RecognitionSerializer},
        summary="Recognise a colleague (the giver is the token's employee)",
        description="400 with the reason per field: oneself, a colleague who has left, a retired company value, "
        "an empty message, or more points than the giver has left this month.",
    )
    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        recognition = recognition_give(giver=api_scope(request).employee, **payload.validated_data)
        created = Recognition.objects.for_wall().get(pk=recognition.pk)
        return Response(
            RecognitionSerializer(created, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


class PointsView(APIView):
    """The caller's own points: the balance, the monthly allowance to give and what is left of it."""

    permission_classes = [HasEmployeeRecord]

    @extend_schema(responses={200: PointsSerializer})
    def get(self, request):
        me = api_scope(request).employee
        data = {
            "employee": me.pk,
            "balance": points_balance(me),
            "allowance": settings.RECOGNITION_MONTHLY_ALLOWANCE,
            "allowance_left": allowance_left(me),
        }
        return Response(PointsSerializer(data).data)
