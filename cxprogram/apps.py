from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CxProgramConfig(AppConfig):
    name = "cxprogram"
    default = True
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from . import checks, search  # noqa: F401  # checks: registers the deploy checks

        search.install()


class CxAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the site that checks the role at each request (in INSTALLED_APPS instead of
    "django.contrib.admin")."""

    default = False
    default_site = "cxprogram.admin_site.CxAdminSite"
