from django.urls import path

from kpis.views import home, kpi, recognition

urlpatterns: list = [
    path("", home.home, name="home"),
    path("me/", kpi.me, name="me"),
    path("employees/<int:pk>/", kpi.employee_page, name="employee-detail"),
    path("team/", kpi.team, name="team"),
    path("team/<int:pk>/", kpi.team, name="team-unit"),
    path("kpis/outcomes/", kpi.outcomes, name="kpi-outcomes"),
    path("kpis/values/", kpi.manual_values, name="kpi-manual-values"),
    path("wall/", recognition.wall, name="recognition-wall"),
    path("recognise/", recognition.recognise, name="recognise"),
    path("recognise/praise/<int:answer_id>/", recognition.suggestion_send, name="recognise-suggestion"),
]
