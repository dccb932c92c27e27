"""Reads of survey definitions: the hosted page's survey with its questions, cached per process."""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from cxprogram.models import Webhook
from cxprogram.prepared import prepared_cursor
from surveys.models import Choice, Question, Survey


@dataclass(frozen=True)
class SurveyDefinition:
    """A survey with its questions (choices and display logic prefetched) as one version of it: the survey row's
    (id, updated_at). `memo` holds what the pages derive from this version (form fields, the blank page's markup),
    so it is dropped with the version."""

    survey: Survey
    questions: tuple[Question, ...]
    pages: tuple[int, ...]
    version: tuple
    memo: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class HostedSurvey:
    """A survey's current definition and whether any webhook is switched on (read with it, in the same query)."""

    definition: SurveyDefinition
    webhooks: bool

    @property
    def survey(self) -> Survey:
        return self.definition.survey


_DEFINITIONS: dict[int, SurveyDefinition] = {}
_DEFINITIONS_MAX = 500
# The version of the survey and whether any webhook listens, in one small query: the hosted page's hottest read,
# kept free of ORM overhead. Table names are the models' own; the public id is a parameter.
VERSION_SQL = (
    f"SELECT s.id, s.updated_at, EXISTS (SELECT 1 FROM {Webhook._meta.db_table} w WHERE w.active) "  # noqa: S608  # nosec B608
    f"FROM {Survey._meta.db_table} s WHERE s.{{key}} = %s"
)
BY_PUBLIC_ID, BY_ID = VERSION_SQL.format(key="public_id"), VERSION_SQL.format(key="id")


def hosted_survey(*, public_id: str | None = None, survey_id: int | None = None) -> HostedSurvey | None:
    """The survey of a hosted page (by public id or id) with its questions and choices in display order, or None.

    The loaded definition is kept per process and reused while the survey row's (id, updated_at) stays the
    same, so a hosted page costs one small query; editing a question touches the survey (`survey_touch`)."""
    with prepared_cursor() as cursor:
        cursor.execute(BY_ID if public_id is None else BY_PUBLIC_ID, [survey_id if public_id is None else public_id])
        row = cursor.fetchone()
    if row is None:
        return None
    version, webhooks = (row[0], row[1]), bool(row[2])
    definition = _DEFINITIONS.get(row[0])
    if definition is None or definition.version != version:
        definition = _load(version)
        if definition is None:
            return None
        if len(_DEFINITIONS) >= _DEFINITIONS_MAX:
            _DEFINITIONS.clear()
        _DEFINITIONS[row[0]] = definition
    return HostedSurvey(definition=definition, webhooks=webhooks)


def _load(version: tuple) -> SurveyDefinition | None:
    questions = Question.objects.order_by("page", "order", "id").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("order", "id"))
    )
    survey = Survey.objects.prefetch_related(Prefetch("questions", queryset=questions)).filter(pk=version[0]).first()
    if survey is None:
        return None
    loaded = tuple(survey.questions.all())
    pages = tuple(sorted({q.page for q in loaded})) or (1,)
    # The version is the one the query saw: a change committed in between makes the next request load again.
    return SurveyDefinition(survey=survey, questions=loaded, pages=pages, version=version)


def survey_with_questions(*, public_id: str) -> Survey | None:
    """The survey with its questions and choices in display order (prefetched), or None; cached as above."""
    hosted = hosted_survey(public_id=public_id)
    return hosted.survey if hosted is not None else None
