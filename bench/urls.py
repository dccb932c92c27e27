"""The project's URLs plus the baseline pair of views the benchmark compares the real survey with."""

from django.urls import include, path

from cxprogram.urls import handler400, handler403, handler404, handler500  # noqa: F401

from . import baseline

urlpatterns = [
    path("bench/baseline/<str:public_id>/", baseline.baseline_page, name="bench-baseline"),
    path("bench/baseline/<str:public_id>/done/", baseline.baseline_done, name="bench-baseline-done"),
    path("", include("cxprogram.urls")),
]
