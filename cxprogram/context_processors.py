"""Template context every page needs: the signed-in person's scope, for the navigation."""

from django.http import HttpRequest

from .selectors import request_scope


def navigation(request: HttpRequest) -> dict:
    return {"scope": request_scope(request)} if hasattr(request, "user") else {}
