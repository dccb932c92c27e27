"""Pages a customer meets around a survey: the polite notices for every way a link can fail, and unsubscribing."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt

from surveys.models import Survey
from surveys.selectors.distribution import unsubscribe_customer
from surveys.services.distribution import customer_unsubscribe

DEFAULT_SURVEY_LANGUAGE = Survey._meta.get_field("default_language").default
LANGUAGES = dict(settings.LANGUAGES)


def customer_language(request: HttpRequest, default: str, fallback: str = "") -> str:
    """?lang= first, then the invitation's or customer's language, then the browser's, then the survey's."""
    explicit = request.POST.get("lang") or request.GET.get("lang")
    if explicit in LANGUAGES:
        return explicit
    if fallback in LANGUAGES:
        return fallback
    if request.headers.get("accept-language"):
        return translation.get_language_from_request(request)
    return default


NOTICES = {
    "unavailable": (
        gettext_noop("This link is not available"),
        gettext_noop("This survey link has already been used or is not valid. Thank you for your time."),
    ),
    "draft": (gettext_noop("This survey has not started yet"), gettext_noop("Please come back later.")),
    "closed": (
        gettext_noop("This survey has ended"),
        gettext_noop("Thank you for your interest; we are no longer collecting answers."),
    ),
    "flood": (
        gettext_noop("Too many answers"),
        gettext_noop("We received many answers from your network just now. Please try again later."),
    ),
    "expired": (
        gettext_noop("This page has expired"),
        gettext_noop("Nothing from it was saved. Please start the survey again."),
    ),
    "received": (
        gettext_noop("Your answers were already received"),
        gettext_noop("Thank you! We have your answers to this survey, so there is nothing more to do."),
    ),
    # The same page for a used and for an unknown invitation link, so a link says nothing about its customer.
    "link_used": (
        gettext_noop("Thank you for your time"),
        gettext_noop(
            "This survey link has already been used or is not valid. If you have sent your answers, we have them "
            "and there is nothing more to do."
        ),
    ),
}


def notice(
    request: HttpRequest, kind: str, *, survey: Survey | None = None, status: int, restart: str = ""
) -> HttpResponse:
    """A polite page in the customer's language for every way a survey link can fail."""
    language = customer_language(request, survey.default_language if survey else DEFAULT_SURVEY_LANGUAGE)
    with translation.override(language):
        title, text = NOTICES[kind]
        return render(
            request,
            "surveys/notice.html",
            {"heading": _(title), "text": _(text), "language": language, "restart": restart},
            status=status,
        )


@csrf_exempt  # the signed token is the credential; mail clients send one-click POSTs (RFC 8058) without cookies
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for one click; POST opts the customer out of every survey and blocks the address. Both steps speak
    the same language: ?lang= (kept in the form), else the customer's, else the browser's."""
    customer = unsubscribe_customer(token=token)
    if customer is None:
        return notice(request, "unavailable", status=404)
    language = customer_language(request, customer.language or DEFAULT_SURVEY_LANGUAGE, fallback=customer.language)
    if request.method == "POST":
        customer_unsubscribe(token=token)
        with translation.override(language):
            return render(request, "surveys/unsubscribed.html", {"language": language})
    with translation.override(language):
        return render(request, "surveys/unsubscribe.html", {"language": language, "token": token})
