"""Journeys in the API for CX leads and managers (managers' scores cover their unit subtree)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cxprogram.api.permissions import IsLeadOrManager, api_scope
from cxprogram.models import Segment
from journeys.models import Journey
from journeys.selectors.maps import journey_map
from journeys.selectors.scores import previous_period
from journeys.services.importance import importance_request
from surveys.api.serializers.responses import in_scope
from surveys.selectors.metrics import Slice

from .serializers import JourneyMapSerializer, JourneySerializer, MapQuerySerializer


class JourneyViewSet(viewsets.ReadOnlyModelViewSet):
    """Journeys; one journey is its live map: stages, touchpoints with score, n and interval, the previous
    period, status against target and importance to overall NPS."""

    permission_classes = [IsLeadOrManager]
    serializer_class = JourneySerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Journey.objects.select_related("persona", "owner__user").order_by("name", "id")

    @extend_schema(parameters=[MapQuerySerializer], responses={200: JourneyMapSerializer})
    def retrieve(self, request, pk=None):
        journey = get_object_or_404(self.get_queryset().select_related("outcome_question"), pk=pk)
        scope = api_scope(request)
        query = MapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params, errors = query.validated_data, {}
        unit = in_scope(scope.units(), "code", params.get("unit"), "unit", errors)
        segment = in_scope(Segment.objects.all(), "code", params.get("segment"), "segment", errors)
        if errors:
            raise ValidationError(errors)
        current = Slice(
            date_from=params["date_from"],
            date_to=params["date_to"],
            unit=unit,
            segment=segment,
            units_in_scope=scope.results_units(),
        )
        previous = previous_period(current)
        scope_unit_id = None if scope.is_lead or scope.employee is None else scope.employee.unit_id
        result = journey_map(journey=journey, slice_=current, previous=previous, scope_unit_id=scope_unit_id)
        if result.importance.wanted:
            importance_request(key=result.importance.key)
        document = {
            "journey": journey,
            "period": current,
            "previous_period": previous,
            "importance_computed_at": result.importance.computed_at,
            "columns": result.columns,
        }
        return Response(JourneyMapSerializer(document).data)
