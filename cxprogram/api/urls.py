"""/api/v1/ routes of the organisation."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("units", views.UnitViewSet, basename="api-unit")
router.register("employees", views.EmployeeViewSet, basename="api-employee")
router.register("customers", views.CustomerViewSet, basename="api-customer")
router.register("segments", views.SegmentViewSet, basename="api-segment")

urlpatterns = router.urls
