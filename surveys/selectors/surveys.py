"""Reads of survey definitions: the hosted page's survey with its questions, cached per process."""

from django.db import connection
from django.db.models import (
    Prefetch,
)

from surveys.models import Choice, Question, Survey

_DEFINITIONS: dict[str, tuple[tuple, Survey]] = {}


_DEFINITIONS_MAX = 500


def survey_with_questions(*, public_id: str) -> Survey | None:
    """The survey with its questions and choices in display order, or None.

    The loaded definition is kept per process and reused while the survey row's (id, updated_at) stays the
    same, so a hosted page costs one small query; editing a question touches the survey (`survey_touch`)."""
    with connection.cursor() as cursor:  # the hottest query of the hosted page, kept free of ORM overhead
        cursor.execute(f"SELECT id, updated_at FROM {Survey._meta.db_table} WHERE public_id = %s", [public_id])  # noqa: S608  # nosec B608  # own table; the id is a parameter
        stamp = cursor.fetchone()
    if stamp is None:
        return None
    cached = _DEFINITIONS.get(public_id)
    if cached is not None and cached[0] == tuple(stamp):
        return cached[1]
    questions = Question.objects.order_by("page", "order", "id").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("order", "id"))
    )
    survey = Survey.objects.prefetch_related(Prefetch("questions", queryset=questions)).filter(pk=stamp[0]).first()
    if survey is None:
        return None
    if len(_DEFINITIONS) >= _DEFINITIONS_MAX:
        _DEFINITIONS.clear()
    _DEFINITIONS[public_id] = (tuple(stamp), survey)
    return survey
