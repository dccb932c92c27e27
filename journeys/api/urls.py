"""/api/v1/ routes of the journeys app."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("journeys", views.JourneyViewSet, basename="api-journey")

urlpatterns = router.urls
