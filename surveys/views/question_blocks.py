"""The markup of each question on a hosted survey page, in the customer's language."""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from surveys.forms.responses import SurveyPageForm, field_name
from surveys.models import Question, Survey

_BLOCKS: dict[tuple, str] = {}


def question_html(survey: Survey, row: dict, language: str) -> str:
    """A question's markup; an unanswered question's markup is the same for every visitor, so it is reused
    (per process) while the survey's definition is unchanged."""
    if row["values"] or row["errors"] or row["text_value"]:
        return render_to_string("surveys/_question.html", {"row": row})
    key = (survey.pk, survey.updated_at, language, row["question"].pk)
    html = _BLOCKS.get(key)
    if html is None:
        if len(_BLOCKS) > 5000:
            _BLOCKS.clear()
        html = _BLOCKS[key] = render_to_string("surveys/_question.html", {"row": row})
    return html


def blank_block(survey: Survey, language: str, question_id: int) -> str | None:
    """The reused markup of an unanswered question, if this process has rendered it since the survey changed."""
    return _BLOCKS.get((survey.pk, survey.updated_at, language, question_id))


def question_rows(form: SurveyPageForm, language: str, show_errors: bool = True) -> list[dict]:
    """What the template needs for each question, in the customer's language."""
    rows = []
    for question in form.questions:
        name = field_name(question)
        bound = form[name]
        value = bound.value()
        values = (
            {str(v) for v in value} if isinstance(value, list) else {str(value)} if value not in (None, "") else set()
        )
        options = []
        if question.scale is not None and question.type != Question.Type.YES_NO:
            low, high = question.scale
            options = [(str(n), str(n)) for n in range(low, high + 1)]
        elif question.type == Question.Type.YES_NO:
            options = [("1", _("Yes")), ("0", _("No"))]
        elif question.type in Question.CHOICE_TYPES:
            options = [(str(c.pk), c.localized("text", language)) for c in question.choices.all()]
        condition = None
        if question.show_if_question_id:
            condition = {
                "field": f"q{question.show_if_question_id}",
                "op": question.show_if_operator,
                "value": question.show_if_value if question.show_if_value is not None else "",
                "choice": question.show_if_choice_id or "",
            }
        rows.append(
            {
                "question": question,
                "name": name,
                "id": f"id_{name}",
                "text": question.localized("text", language),
                "help": question.localized("help", language),
                "low_label": question.localized("low_label", language),
                "high_label": question.localized("high_label", language),
                "options": options,
                "values": values,
                "text_value": value if question.type in Question.TEXT_TYPES and value else "",
                "errors": list(bound.errors) if show_errors else [],
                "is_scale": question.scale is not None and question.type != Question.Type.YES_NO,
                "is_text": question.type in Question.TEXT_TYPES,
                "multiple": question.type == Question.Type.MULTIPLE,
                "long": question.type == Question.Type.LONG_TEXT,
                "condition": condition,
            }
        )
    return rows
