"""/api/v1/ routes of the kpis app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("kpis", views.KpiViewSet, basename="api-kpi")
router.register("kpi-measurements", views.KpiMeasurementViewSet, basename="api-kpi-measurement")
router.register("company-values", views.CompanyValueViewSet, basename="api-company-value")
router.register("recognitions", views.RecognitionViewSet, basename="api-recognition")

urlpatterns = [
    path("points/", views.PointsView.as_view(), name="api-points"),
    *router.urls,
]
