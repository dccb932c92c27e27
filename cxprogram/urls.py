from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

urlpatterns = [
    # The home pages (each role's numbers), /me/ and /employees/<pk>/ are pages of kpis.urls.
    path("", include("kpis.urls")),
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.password_change, name="password-change"),
    path("i18n/setlang/", views.set_language, name="set-language"),
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
    # The REST API: each app's api/urls.py under /api/v1/; the OpenAPI schema and its docs (assets served here).
    path("api/v1/", include("cxprogram.api.urls")),
    path("api/v1/", include("surveys.api.urls")),
    path("api/v1/", include("journeys.api.urls")),
    path("api/v1/", include("kpis.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # The admin signs in through the site's own, throttled page.
    path("admin/login/", views.LoginView.as_view(), name="admin-login"),
    path("admin/surveys/", include("surveys.admin_urls")),  # the survey builder, before the admin's catch-all
    path("admin/", admin.site.urls),
    path("", include("surveys.urls")),
    path("", include("journeys.urls")),
]

handler400 = "cxprogram.views.bad_request"
handler403 = "cxprogram.views.permission_denied"
handler404 = "cxprogram.views.page_not_found"
handler500 = "cxprogram.views.server_error"
