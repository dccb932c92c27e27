"""Organisation pages (thin: scope checks and selectors), sign-in, language switch and the health check."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import health, ratelimit
from .forms import ThrottledAuthenticationForm
from .models import Unit
from .selectors import customer_mix, request_scope, unit_ancestors
from .services import user_password_set


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked_out:
            response.status_code = 429
        return response


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Anyone signed in changes their own password; other sessions end and the API token is revoked. Wrong old
    passwords count like failed sign-ins, so a borrowed session cannot be used to guess it."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        key = ratelimit.login_key(request.user.get_username())
        if ratelimit.hit(key, settings.LOGIN_LOCKOUT_SECONDS) > settings.LOGIN_FAILURE_LIMIT:
            message = _("Too many wrong passwords. Try again later, or sign out and in again.")
            return render(request, "cxprogram/error.html", {"title": _("Please wait"), "message": message}, status=429)
        if form.is_valid():
            user_password_set(user=request.user, password=form.cleaned_data["new_password1"], changed_by=request.user)
            update_session_auth_hash(request, request.user)
            ratelimit.reset(key)
            messages.success(
                request,
                _("Your password has been changed. Other devices were signed out and your API token was revoked."),
            )
            return redirect("password-change")
    status = 400 if form.errors else 200
    return render(request, "registration/password_change.html", {"form": form}, status=status)


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    units = request_scope(request).units().select_related("parent").order_by("kind", "name")
    return render(request, "cxprogram/unit_list.html", {"units": units})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    unit = get_object_or_404(scope.units().select_related("parent"), pk=pk)
    visible = set(scope.units().values_list("pk", flat=True))
    context = {
        "unit": unit,
        "ancestors": [(a, a.pk in visible) for a in unit_ancestors(unit)],
        "children": scope.units().filter(parent=unit).order_by("name"),
        "employees": scope.employees().filter(unit=unit).select_related("user").order_by("role", "user__last_name"),
        "mix": customer_mix(home_units=Unit.objects.subtree_of(unit)),
    }
    return render(request, "cxprogram/unit_detail.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language (cookie); an unknown language gets a 400 with the choices."""
    code = request.POST.get("language", "")
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    if code not in dict(settings.LANGUAGES) or not check_for_language(code):
        choices = ", ".join(f"{name} ({c})" for c, name in settings.LANGUAGES)
        message = _("Unknown language “%(code)s”. Choose one of: %(choices)s.") % {"code": code, "choices": choices}
        return render(request, "cxprogram/error.html", {"title": _("Unknown language"), "message": message}, status=400)
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness of the whole installation: 200 when the database and the broker answer and the worker and beat
    have been heard from lately; 503 with the failing part named otherwise. A read replica's state is told beside
    them without changing the status: while it is behind or away, pages read the primary."""
    states = {"database": health.database_state(), "broker": health.broker_state(), **health.background_states()}
    healthy = all(state in ("ok", "in-process") for state in states.values())
    replica = health.replica_state()
    if replica is not None:
        states["replica"] = replica
    return JsonResponse({"status": "ok" if healthy else "unavailable", **states}, status=200 if healthy else 503)


@never_cache
@require_GET
def livez(request: HttpRequest) -> HttpResponse:
    """Liveness of this web process: 200 while it serves, whatever the database, Redis or the worker do. For the
    load balancer, which must not take every web server out when only a part behind them is down."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return render(
        request,
        "cxprogram/error.html",
        {"title": _("Bad request"), "message": _("The request could not be understood.")},
        status=400,
    )


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(
        request,
        "cxprogram/error.html",
        {
            "title": _("Not allowed"),
            "message": _("You do not have access to this page."),
            "hint": _("If you think you should, ask a CX lead to check your role and unit."),
        },
        status=403,
    )


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(
        request,
        "cxprogram/error.html",
        {
            "title": _("Page not found"),
            "message": _("There is nothing here, or it is not yours to see."),
            "hint": _("Check the address; a link from an old e-mail may have expired."),
        },
        status=404,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cxprogram/error.html",
        {"title": _("Something went wrong"), "message": _("The error has been logged. Please try again in a moment.")},
        status=500,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A polite 403 when a form is sent without a valid CSRF token (e.g. cookies blocked or a stale page)."""
    message = _("This form has expired or your browser blocked cookies. Reload the page and try again.")
    return render(request, "cxprogram/error.html", {"title": _("Please try again"), "message": message}, status=403)
