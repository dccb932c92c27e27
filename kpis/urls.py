from django.urls import path

from . import views

urlpatterns: list = [
    path("me/", views.me, name="me"),
    path("employees/<int:pk>/", views.employee_page, name="employee-detail"),
    path("team/", views.team, name="team"),
    path("team/<int:pk>/", views.team, name="team-unit"),
    path("kpis/outcomes/", views.outcomes, name="kpi-outcomes"),
    path("kpis/values/", views.manual_values, name="kpi-manual-values"),
]

from . import recognition_views  # noqa: E402

urlpatterns += [
    path("wall/", recognition_views.wall, name="recognition-wall"),
    path("recognise/", recognition_views.recognise, name="recognise"),
    path("recognise/praise/<int:answer_id>/", recognition_views.suggestion_send, name="recognise-suggestion"),
]
