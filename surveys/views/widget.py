"""The website widget's public side: the script (/w.js), the survey it shows (/w/<id>/) and the answers it sends
(/w/<id>/answers/), on the origins the CX lead allows for the survey.

Cross-origin and cookie-free: the script fetches with `credentials: "omit"` and these views set no cookie, so there
is no session to ride on and no CSRF token to check; the allow-list of origins stands in for it. A missing or
foreign Origin gets 403 and no CORS headers, so the browser hides even that answer from the page."""

import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cxprogram import ratelimit
from cxprogram.json_input import JsonRefused, json_parse
from surveys.models import Survey, origin_of
from surveys.selectors.website import WidgetSurvey, origin_allowed, page_address, page_section, widget_survey
from surveys.services.responses import AlreadyReceived
from surveys.services.website import website_answer_submit
from surveys.views.notices import LANGUAGES

SCRIPT = Path(__file__).resolve().parent.parent / "static" / "surveys" / "w.js"
BODY_MAX_BYTES = 16 * 1024
COMMENT_MAX = 2000  # when the survey's text question sets no longer limit
KEY = re.compile(r"[A-Za-z0-9_-]{16,24}")


@cache
def _script() -> bytes:
    return SCRIPT.read_bytes()


@require_http_methods(["GET", "HEAD"])
def widget_script(request: HttpRequest) -> HttpResponse:
    """The embeddable script, the same for every site; the survey and the origin are checked when it asks."""
    response = HttpResponse(_script(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _language(value: object, survey: Survey | None = None) -> str:
    if isinstance(value, str) and value[:2].lower() in LANGUAGES:
        return value[:2].lower()
    return survey.default_language if survey is not None else (translation.get_language() or "ru")[:2]


def _error(message: str, status: int, origin: str = "") -> JsonResponse:
    """A refusal the widget can read (CORS headers) only when the origin is allowed."""
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-store"
    return _cors(response, origin, methods="") if origin else response


def _cors(response: HttpResponse, origin: str, *, methods: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin  # never "*", never with credentials
    if methods:
        response["Access-Control-Allow-Methods"] = methods
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
    patch_vary_headers(response, ["Origin"])
    return response


def _admit(request: HttpRequest, public_id: str, methods: str) -> tuple[WidgetSurvey, str] | HttpResponse:
    """The widget's survey and the allowed origin asking for it, or the refusal to send (in the page's language,
    `?lang=`, else the survey's)."""
    origin = request.headers.get("Origin", "")
    widget = widget_survey(public_id=public_id)
    survey = widget.survey if widget is not None else None
    with translation.override(_language(request.GET.get("lang"), survey)):
        if widget is None or widget.survey.status == Survey.Status.DRAFT:
            return _error(_("There is no such survey for the website widget."), 404)
        if not origin_allowed(survey=widget.survey, origin=origin):
            return _error(_("This site is not allowed to show this survey."), 403)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Cache-Control"] = "no-store"
            return _cors(response, origin, methods=methods)
        if widget.survey.status == Survey.Status.CLOSED:
            return _error(_("This survey is closed and takes no more answers."), 410, origin)
    return widget, origin


@csrf_exempt  # cross-origin and cookie-free: the origin allow-list and the rate limit protect it (module doc)
@require_http_methods(["GET", "OPTIONS"])
def widget_config(request: HttpRequest, public_id: str) -> HttpResponse:
    """What the widget shows, in the page's language (`?lang=`): the question, the buttons, the "why" labels."""
    admitted = _admit(request, public_id, "GET, OPTIONS")
    if isinstance(admitted, HttpResponse):
        return admitted
    widget, origin = admitted
    language = _language(request.GET.get("lang"), widget.survey)
    with translation.override(language):
        data = {
            "lang": language,
            "question": widget.helped.localized("text", language) or _("Did this page help you?"),
            "yes": _("Yes"),
            "no": _("No"),
            "why_yes": _("What helped you? (optional)") if widget.comment_shown(True) else "",
            "why_no": _("What was missing or unclear? (optional)") if widget.comment_shown(False) else "",
            "hint": _("Please do not write personal data: we cannot answer here."),
            "send": pgettext("widget button", "Send"),
            "thanks": _("Thank you! Your answer helps us improve this page."),
            "failed": _("Your answer could not be sent. Please try again later."),
            "max_length": _comment_max(widget),
        }
    response = JsonResponse(data)
    response["Cache-Control"] = "public, max-age=300"
    return _cors(response, origin, methods="")


def _comment_max(widget: WidgetSurvey) -> int:
    limit = widget.comment.max_length if widget.comment is not None else None
    return min(limit or COMMENT_MAX, COMMENT_MAX)


@csrf_exempt  # cross-origin and cookie-free: the origin allow-list and the rate limit protect it (module doc)
@require_http_methods(["POST", "OPTIONS"])
def widget_answer(request: HttpRequest, public_id: str) -> HttpResponse:
    """Save one widget answer: `{"helped": true|false, "comment": "...", "page": location.href, "section": "...",
    "lang": "ru"|"en", "key": "<random, makes a resend harmless>"}`. 201 saved, 200 already saved, 4xx with
    `{"error": "..."}` in the page's language otherwise."""
    admitted = _admit(request, public_id, "POST, OPTIONS")
    if isinstance(admitted, HttpResponse):
        return admitted
    widget, origin = admitted
    key = f"widget-submit:{widget.survey.pk}:{ratelimit.client_address(request)}"
    with translation.override(_language(request.GET.get("lang"), widget.survey)):
        if ratelimit.hit(key, settings.SURVEY_SUBMIT_WINDOW_SECONDS) > settings.SURVEY_SUBMIT_LIMIT:
            return _error(_("Too many answers from your address. Please try again later."), 429, origin)
        data, status = _read(request)
        if isinstance(data, str):
            return _error(data, status, origin)
    language = _language(data.get("lang"), widget.survey)
    with translation.override(language):
        problem = _check(data, widget, origin)
        if problem:
            return _error(problem, 400, origin)
        page = page_address(data["page"])
        try:
            website_answer_submit(
                widget=widget,
                helped=data["helped"],
                comment=data.get("comment", "").strip(),
                page_url=page,
                section=page_section(page, data.get("section", "")),
                language=language,
                submission_key=data.get("key") or None,
            )
            status = 201
        except AlreadyReceived:
            status = 200
        response = JsonResponse({"thanks": _("Thank you! Your answer helps us improve this page.")}, status=status)
    response["Cache-Control"] = "no-store"
    return _cors(response, origin, methods="")


def _read(request: HttpRequest) -> tuple[dict | str, int]:
    """The JSON object sent, or the message and status saying why it cannot be read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > BODY_MAX_BYTES:
        return _("The answer is too large to be sent."), 413
    try:
        data = json_parse(request.body.decode("utf-8"), max_depth=1)
    except UnicodeDecodeError:
        return _("The answer must be sent as UTF-8 JSON."), 400
    except JsonRefused as refused:
        return str(refused), 400
    if not isinstance(data, dict):
        return _("The answer must be a JSON object."), 400
    return data, 200


def _check(data: dict, widget: WidgetSurvey, origin: str) -> str:
    """What is wrong with a widget answer, in words for the visitor; "" when it can be saved."""
    if not isinstance(data.get("helped"), bool):
        return _("Choose “Yes” or “No”.")
    comment = data.get("comment", "")
    if not isinstance(comment, str):
        return _("The comment must be text.")
    limit = _comment_max(widget)
    if len(comment.strip()) > limit:
        return _("Your comment is longer than %(limit)d characters; please shorten it.") % {"limit": limit}
    page = data.get("page")
    if not isinstance(page, str) or len(page) > 4096 or not page_address(page):
        return _("The page address is missing or is not a web address.")
    if origin_of(page) != origin_of(origin):
        return _("The page address is not on the site that shows the widget.")
    for name in ("section", "lang", "key"):
        if not isinstance(data.get(name, ""), str):
            return _("“%(name)s” must be text.") % {"name": name}
    if data.get("key") and not KEY.fullmatch(data["key"]):
        return _("The answer's key is not valid.")
    return ""
