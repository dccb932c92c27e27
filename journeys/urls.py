from django.urls import path

from . import views

urlpatterns = [
    path("journeys/", views.journey_list, name="journey-list"),
    path("journeys/<int:pk>/", views.journey_detail, name="journey-detail"),
    path("journeys/<int:pk>/touchpoints/<int:touchpoint_pk>/", views.touchpoint_detail, name="touchpoint-detail"),
    path("journeys/<int:pk>/priorities/", views.journey_priorities, name="journey-priorities"),
    path("customers/", views.customer_search, name="customer-search"),
    path("customers/<int:pk>/", views.customer_detail, name="customer-timeline"),
]
