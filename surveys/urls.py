from django.urls import path

from . import views

urlpatterns = [
    path("s/i/<str:token>/", views.survey_invitation, name="survey-invitation"),
    path("s/<str:public_id>/", views.survey_public, name="survey-public"),
    path("s/<str:public_id>/thanks/<str:band>/", views.survey_thanks, name="survey-thanks"),
]
