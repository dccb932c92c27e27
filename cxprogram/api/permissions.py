"""Who may call which endpoint. A token acts as its user: the same Scope as the pages decides what it sees."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from cxprogram.selectors import Scope, scope_for


def api_scope(request) -> Scope:
    """The scope of the API request's user (token or session), looked up once per request.

    Kept on the DRF request under its own name: the Django request underneath may carry the session
    user's scope, which is not the token's."""
    scope = getattr(request, "_api_scope", None)
    if scope is None:
        scope = request._api_scope = scope_for(request.user)
    return scope


class IsEmployee(BasePermission):
    """Signed in, and linked to an employee record (or a superuser, who counts as a CX lead)."""

    message = _("Your user is not linked to an employee record, so it can see nothing here.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and api_scope(request).role)


class IsLeadOrManager(IsEmployee):
    """Results and invitations: CX leads and managers (managers within their unit subtree)."""

    message = _("Only CX leads and managers may use this endpoint.")

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return api_scope(request).can_see_results


class ReadOrLeadWrites(IsEmployee):
    """Every employee reads what their scope shows; only CX leads write (as in the admin)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            return True
        if api_scope(request).can_author:
            return True
        self.message = _("Only CX leads may change these records.")
        return False
