"""The admin site: open to CX leads and superusers only, decided by the role at each request."""

from functools import wraps

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .selectors import request_scope


class CxAdminSite(admin.AdminSite):
    site_header = "cxprogram"
    site_title = "cxprogram"

    def has_permission(self, request: HttpRequest) -> bool:
        """Staff who are CX leads or superusers. The role is read at each request, so someone who is no CX lead has
        no admin access whatever flags or groups linger (set by hand, or left from before roles were synced)."""
        user = request.user
        return bool(user.is_active and user.is_staff and (user.is_superuser or request_scope(request).is_lead))

    def password_change(self, request, extra_context=None):
        """The admin's "change password" link leads to the site's own page, which also ends other sessions and
        revokes the API token."""
        return redirect("password-change")

    def admin_view(self, view, cacheable=False):
        """A signed-in person without admin access gets a page saying so, instead of Django's redirect to the
        sign-in page (which, already signed in, sends them back: an endless loop)."""
        guarded = super().admin_view(view, cacheable)

        @wraps(view)
        def inner(request, *args, **kwargs):
            if (
                request.user.is_authenticated
                and not self.has_permission(request)
                and request.path != reverse("admin:logout", current_app=self.name)
            ):
                return no_admin_access(request)
            return guarded(request, *args, **kwargs)

        return inner


def no_admin_access(request: HttpRequest) -> HttpResponse:
    message = _(
        "The admin is for CX leads. You are signed in as %(user)s, whose role does not include it; "
        "ask a CX lead if you need it."
    ) % {"user": request.user.get_username()}
    return render(
        request, "cxprogram/error.html", {"title": _("No access to the admin"), "message": message}, status=403
    )
