from django.urls import path

from journeys.views import journeys, timeline

urlpatterns = [
    path("journeys/", journeys.journey_list, name="journey-list"),
    path("journeys/<int:pk>/", journeys.journey_detail, name="journey-detail"),
    path("journeys/<int:pk>/touchpoints/<int:touchpoint_pk>/", journeys.touchpoint_detail, name="touchpoint-detail"),
    path("journeys/<int:pk>/priorities/", journeys.journey_priorities, name="journey-priorities"),
    path("customers/", timeline.customer_search, name="customer-search"),
    path("customers/<int:pk>/", timeline.customer_detail, name="customer-timeline"),
]
