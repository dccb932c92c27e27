"""Saving what the survey builder holds: the survey and all its questions, choices and display logic at once."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from surveys.models import Choice, Question, Survey
from surveys.services.surveys import survey_touch

SURVEY_FIELDS = ("name", "public_id", "kind", "default_language", "anonymous", "title_ru", "title_en", "intro_ru",
                 "intro_en")  # fmt: skip
QUESTION_FIELDS = ("code", "type", "page", "required", "text_ru", "text_en", "scale_min", "scale_max")


@transaction.atomic
def survey_build(*, survey: Survey | None, fields: dict, questions: list[dict]) -> Survey:
    """Create a draft survey, or rewrite one nobody has answered yet, from the builder's cleaned data: questions in
    the given order (numbered within their page), their choices, and conditions that name an earlier question by
    code and a choice by its number. All or nothing."""
    if survey is None:
        survey = Survey(status=Survey.Status.DRAFT)
    else:
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.responses.exists():
            raise ValidationError(_("This survey has answers; change its questions in the classic admin form."))
        survey.questions.all().delete()
    for name in SURVEY_FIELDS:
        setattr(survey, name, fields[name])
    survey.save()
    by_code: dict[str, Question] = {}
    choices_of: dict[str, list[Choice]] = {}
    for number, data in enumerate(questions, start=1):
        question = Question(survey=survey, order=number, **{name: data.get(name) for name in QUESTION_FIELDS})
        if question.type != Question.Type.RATING:
            question.scale_min = question.scale_max = None
        question.save()
        by_code[question.code] = question
        if question.type in Question.CHOICE_TYPES:
            choices_of[question.code] = Choice.objects.bulk_create(
                Choice(question=question, order=i, text_ru=ru, text_en=en) for i, (ru, en) in enumerate(data["choices"])
            )
    for data in questions:
        if not data.get("show_if"):
            continue
        question, source = by_code[data["code"]], by_code[data["show_if"]]
        question.show_if_question, question.show_if_operator = source, data["show_if_operator"]
        if data["show_if_operator"] == Question.Operator.CHOSE:
            question.show_if_choice = choices_of[source.code][data["show_if_choice"] - 1]
        else:
            question.show_if_value = data["show_if_value"]
        question.full_clean(exclude=["survey"])  # the model's own rules, the last word
        question.save(update_fields=["show_if_question", "show_if_operator", "show_if_choice", "show_if_value"])
    survey_touch(survey_id=survey.pk)
    return survey
