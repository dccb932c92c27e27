"""The score vocabulary, the one home of these rules: each score type's scale, and which answers are unhappy,
neutral or happy."""

from surveys.models import Question


def score_band(questions: list[Question], answers: dict) -> str:
    """'unhappy', 'happy' or 'neutral' from the first NPS, CSAT or CES answer."""
    for question in questions:
        value = answers.get(question.pk)
        if question.type not in (Question.Type.NPS, Question.Type.CSAT, Question.Type.CES) or value is None:
            continue
        unhappy, happy = {
            Question.Type.NPS: (value <= 6, value >= 9),
            Question.Type.CSAT: (value <= 2, value >= 4),
            Question.Type.CES: (value >= 5, value <= 2),
        }[question.type]
        return "unhappy" if unhappy else "happy" if happy else "neutral"
    return "neutral"
