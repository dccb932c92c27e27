from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CxProgramConfig(AppConfig):
    name = "cxprogram"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from . import search

        search.install()
