"""Pages of the surveys app that live inside the admin (staff sign-in, admin look): the survey builder."""

from django.contrib import admin
from django.urls import path

from surveys.views import builder

urlpatterns = [
    path("build/", admin.site.admin_view(builder.survey_builder), name="survey-builder"),
    path("build/<int:pk>/", admin.site.admin_view(builder.survey_builder), name="survey-builder-edit"),
]
