"""Response headers the whole site carries, and a clean answer when the database cannot be reached."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control

logger = logging.getLogger(__name__)

DATABASE_RETRY_AFTER_SECONDS = 15
# Pages whose form is re-sent as it was from the 503 page (a survey's answers); other forms are not echoed back,
# so that nothing like a password ends up in a page.
RESEND_URL_NAMES = {"survey-public", "survey-invitation"}


class ContentSecurityPolicyMiddleware:
    """Send CONTENT_SECURITY_POLICY with every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


# Pages open without a login that still show one customer's data (their invitation, unsubscribe and "is it solved?"
# links): never kept by a browser or a proxy either.
PERSONAL_URL_NAMES = {"survey-invitation", "unsubscribe", "followup-recovery"}


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on everything that needs a login or carries personal data: pages seen
    signed in, every API answer, CSV exports, and the customer's own links. Neither a shared proxy nor the
    browser's disk (a shared computer, Back after signing out) keeps such a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.is_private(request, response):
            patch_cache_control(response, private=True, no_store=True)
            # patch_cache_control keeps what a view set; a "public" or "max-age" it set cannot stand beside these.
            response.headers["Cache-Control"] = ", ".join(
                part
                for part in (p.strip() for p in response.headers["Cache-Control"].split(","))
                if part and part.split("=")[0] not in ("public", "max-age", "s-maxage")
            )
        return response

    @staticmethod
    def is_private(request: HttpRequest, response: HttpResponse) -> bool:
        if request.path.startswith("/api/") or "HTTP_AUTHORIZATION" in request.META:
            return True
        if "attachment" in response.headers.get("Content-Disposition", ""):
            return True
        match = request.resolver_match
        if match is not None and match.url_name in PERSONAL_URL_NAMES:
            return True
        # Only a request that came with a session cookie can be signed in; others skip the session lookup.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            try:
                user = getattr(request, "user", None)
                return bool(user is not None and user.is_authenticated)
            except (OperationalError, InterfaceError):  # the database is away (a 503 page): keep it private
                return True
        return False


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After and a page in the visitor's language, never a 500, when the database cannot be
    reached (restarting, failing over, refusing connections) or drops the connection in the middle of a request.

    Writes happen in transactions, so the failed request saved nothing and trying again is safe; Django drops the
    broken connection at the end of the request (CONN_HEALTH_CHECKS), so the next one reconnects by itself.
    An error while the connection still answers is this request's own (a missing table on SQLite, a deadlock) and
    stays a 500; so does everything with DEBUG on, where the traceback is more useful."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG or not isinstance(exception, OperationalError | InterfaceError) or connection.is_usable():
            return None
        logger.warning("Database unavailable, answered 503 to %s %s: %s", request.method, request.path, exception)
        fields = []
        match = request.resolver_match
        if request.method == "POST" and match is not None and match.url_name in RESEND_URL_NAMES:
            fields = [(name, value) for name, values in request.POST.lists() for value in values]
        language = request.GET.get("lang") or (request.POST.get("lang") if request.method == "POST" else "")
        if language not in dict(settings.LANGUAGES):
            language = translation.get_language()
        with translation.override(language):
            # Rendered without the request: context processors may query the database, which is down.
            page = render_to_string(
                "503.html",
                {
                    "language": language,
                    "method": request.method,
                    "action": request.get_full_path(),
                    "fields": fields,
                    "retry_after": DATABASE_RETRY_AFTER_SECONDS,
                },
            )
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
