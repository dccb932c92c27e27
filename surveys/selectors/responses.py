"""Reads of responses: which responses a person may read."""

from django.db.models import (
    QuerySet,
)

from surveys.models import Response


def responses_visible(scope) -> QuerySet[Response]:
    """Responses a person may read one by one: CX leads all, managers those served in their unit subtree,
    frontline employees none; answers to anonymous surveys (the pulse among them) nobody: they exist only as
    figures of large enough groups."""
    responses = Response.objects.filter(anonymous=False)
    if scope.is_lead:
        return responses
    if scope.is_manager:
        return responses.filter(unit__in=scope.units())
    return Response.objects.none()
