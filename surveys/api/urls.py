"""/api/v1/ routes of the surveys app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import text, views
from .complaints import FeedbackView

router = SimpleRouter()
router.register("surveys", views.SurveyViewSet, basename="api-survey")
router.register("responses", views.ResponseViewSet, basename="api-response")
router.register("invitations", views.InvitationViewSet, basename="api-invitation")
router.register("followups", views.FollowUpViewSet, basename="api-followup")

urlpatterns = [
    path("metrics/", views.MetricsView.as_view(), name="api-metrics"),
    path("text/analyse/", text.TextAnalyseView.as_view(), name="api-text-analyse"),
    path("feedback/", FeedbackView.as_view(), name="api-feedback"),
    *router.urls,
]
