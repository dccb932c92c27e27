"""Writes of surveys: publishing, closing, duplicating, and marking a definition changed."""

from django.db import transaction
from django.utils import timezone

from surveys.models import Choice, Question, Survey


def survey_touch(*, survey_id: int) -> None:
    """Mark a survey's definition as changed (after its questions or choices change), so hosted pages reload it."""
    Survey.objects.filter(pk=survey_id).update(updated_at=timezone.now())


def survey_publish(*, survey: Survey) -> Survey:
    """Make a draft or closed survey live, so its links accept answers."""
    survey.status = Survey.Status.LIVE
    survey.save(update_fields=["status", "updated_at"])
    return survey


def survey_close(*, survey: Survey) -> Survey:
    """Stop accepting answers; links then say the survey has ended."""
    survey.status = Survey.Status.CLOSED
    survey.save(update_fields=["status", "updated_at"])
    return survey


@transaction.atomic
def survey_duplicate(*, survey: Survey) -> Survey:
    """Copy a survey with its questions, choices and display logic as a new draft with a new public id."""
    copy = Survey.objects.get(pk=survey.pk)
    copy.pk = None
    copy.public_id = Survey._meta.get_field("public_id").get_default()
    copy.name = f"{survey.name} (copy)"
    copy.status = Survey.Status.DRAFT
    copy.save()
    question_map: dict[int, Question] = {}
    choice_map: dict[int, Choice] = {}
    originals = list(survey.questions.prefetch_related("choices"))
    for original in originals:
        question = Question.objects.get(pk=original.pk)
        question.pk = None
        question.survey = copy
        question.show_if_question = None
        question.show_if_choice = None
        question.save()
        question_map[original.pk] = question
        for choice in original.choices.all():
            new_choice = Choice.objects.create(
                question=question, order=choice.order, text_en=choice.text_en, text_ru=choice.text_ru
            )
            choice_map[choice.pk] = new_choice
    for original in originals:
        if original.show_if_question_id:
            question = question_map[original.pk]
            question.show_if_question = question_map.get(original.show_if_question_id)
            question.show_if_choice = choice_map.get(original.show_if_choice_id)
            question.save(update_fields=["show_if_question", "show_if_choice"])
    return copy
