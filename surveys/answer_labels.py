"""Answers as people read them: the question's text and the answer's label in the reader's language.

One line per question (the chosen options of a multiple-choice question together), in the survey's order:
"9 on a scale of 0–10", "Yes", the choices' own Russian or English texts, the end labels of a rating scale.
Used by the case page, the results page, the customer timeline and the e-mails to staff."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from surveys.models import Answer, Question
from surveys.scoring import band

QT = Question.Type


@dataclass(frozen=True)
class AnswerLine:
    question: Question
    text: str  # the question as the reader's language words it
    value: str  # the answer's label: "9 on a scale of 0–10", "Yes", "Prices; Staff", the comment itself
    number: int | None  # the score or yes (1) / no (0), None for choices and text
    band: str  # "happy", "neutral" or "unhappy" for NPS, CSAT and CES; "" otherwise
    is_text: bool


def answer_band(question: Question, number: int | None) -> str:
    """How a single NPS, CSAT or CES answer reads: unhappy, neutral or happy (surveys.scoring); "" otherwise."""
    return band(question.type, number)


def _scale_label(question: Question, number: int, language: str) -> str:
    low, high = question.scale
    label = _("%(value)s on a scale of %(low)s–%(high)s") % {"value": number, "low": low, "high": high}
    end = question.localized("low_label", language) if number == low else ""
    end = end or (question.localized("high_label", language) if number == high else "")
    return f"{label} — {end}" if end else label


def answer_lines(answers: Iterable[Answer], language: str | None = None) -> list[AnswerLine]:
    """The answers of one response (with `question` and `choice` loaded) as labelled lines in `language`
    (default: the active language), ordered as the survey asks them."""
    language = language or translation.get_language() or "en"
    by_question: dict[int, list[Answer]] = {}
    questions: dict[int, Question] = {}
    for answer in answers:
        by_question.setdefault(answer.question_id, []).append(answer)
        questions[answer.question_id] = answer.question
    lines = []
    with translation.override(language):
        for pk in sorted(questions, key=lambda pk: (questions[pk].page, questions[pk].order, pk)):
            question, rows = questions[pk], by_question[pk]
            number = rows[0].number
            if question.type == QT.YES_NO:
                value = _("Yes") if number == 1 else _("No")
            elif question.type in Question.CHOICE_TYPES:
                chosen = sorted((a.choice for a in rows if a.choice_id), key=lambda c: (c.order, c.pk))
                value = "; ".join(c.localized("text", language) for c in chosen)
            elif question.type in Question.TEXT_TYPES:
                value = rows[0].text
            elif number is not None:
                value = _scale_label(question, number, language)
            else:
                value = ""
            lines.append(
                AnswerLine(
                    question=question,
                    text=question.localized("text", language) or question.code,
                    value=value,
                    number=number,
                    band=answer_band(question, number),
                    is_text=question.type in Question.TEXT_TYPES,
                )
            )
    return lines
