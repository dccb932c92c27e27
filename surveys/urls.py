from django.urls import path

from . import views

urlpatterns = [
    path("s/i/<str:token>/", views.survey_invitation, name="survey-invitation"),
    path("s/<str:public_id>/", views.survey_public, name="survey-public"),
    path("s/<str:public_id>/thanks/<str:band>/", views.survey_thanks, name="survey-thanks"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]

from . import results_views  # noqa: E402

urlpatterns += [
    path("results/", results_views.results_index, name="results-index"),
    path("results/<str:public_id>/", results_views.results_detail, name="results-detail"),
    path("results/<str:public_id>/export.csv", results_views.results_export, name="results-export"),
    path("results/<str:public_id>/allies/", results_views.results_allies, name="results-allies"),
]

from . import followup_views  # noqa: E402

urlpatterns += [
    path("followups/", followup_views.followup_list, name="followup-list"),
    path("followups/<int:pk>/", followup_views.followup_detail, name="followup-detail"),
    path("followups/<int:pk>/<str:action>/", followup_views.followup_act, name="followup-act"),
    path("f/<str:token>/", followup_views.followup_recovery, name="followup-recovery"),
]
