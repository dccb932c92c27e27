"""Website feedback: the origins a survey's embedded widget may run on, and the page each widget answer was given on."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["WebsitePage", "WidgetOrigin", "origin_of"]


def origin_of(url: str) -> str:
    """The origin (`scheme://host[:port]`, lower case, default port dropped) of an http(s) address; "" otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def validate_origin(value: str) -> None:
    """An origin only: http(s), a host, maybe a port; no path, query, fragment or user name."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        parts = None
    if (
        not origin_of(value)
        or parts is None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or (parts.username is not None)
    ):
        raise ValidationError(
            _("Enter an origin like https://help.example.com (scheme, host and port if not the default; no path)."),
            code="origin",
        )


class WidgetOrigin(models.Model):
    """A site (origin) where the CX lead allows the survey's website widget; requests from any other are refused."""

    survey = models.ForeignKey(
        "surveys.Survey", verbose_name=_("survey"), on_delete=models.CASCADE, related_name="widget_origins"
    )
    origin = models.CharField(
        _("allowed site"),
        max_length=200,
        validators=[validate_origin],
        help_text=_(
            "The site's address without a path: scheme, host, and the port if it is not the default. "
            "The widget answers only on pages of these sites."
        ),
    )

    class Meta:
        verbose_name = _("website widget site")
        verbose_name_plural = _("website widget sites")
        constraints = [models.UniqueConstraint(fields=["survey", "origin"], name="widget_origin_unique_per_survey")]

    def __str__(self) -> str:
        return self.origin


class WebsitePage(models.Model):
    """The page a website widget answer was given on: its address without query string or fragment (they can
    carry personal data) and its section of the site."""

    response = models.OneToOneField(
        "surveys.Response",
        verbose_name=_("response"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="website_page",
    )
    url = models.CharField(_("page address"), max_length=500, db_index=True)
    section = models.CharField(_("site section"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("website page of a response")
        verbose_name_plural = _("website pages of responses")

    def __str__(self) -> str:
        return self.url
