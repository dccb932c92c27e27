"""Display logic: whether a question is shown, given the answers so far."""

from .models import Question

Answers = dict[int, object]  # question id → int, list of choice ids, or text


def condition_met(question: Question, answers: Answers) -> bool:
    """True when the question has no condition or the earlier answer satisfies it.

    An unanswered (or hidden) earlier question never satisfies a condition."""
    if not question.show_if_question_id:
        return True
    value = answers.get(question.show_if_question_id)
    if value is None or value == "" or value == []:
        return False
    op, target = question.show_if_operator, question.show_if_value
    if op == Question.Operator.CHOSE:
        chosen = value if isinstance(value, list) else [value]
        return question.show_if_choice_id in chosen
    if not isinstance(value, int) or target is None:
        return False
    return {
        Question.Operator.LTE: value <= target,
        Question.Operator.GTE: value >= target,
        Question.Operator.EQ: value == target,
        Question.Operator.NE: value != target,
    }.get(op, False)


def visible_answers(questions: list[Question], answers: Answers) -> Answers:
    """Drop answers to questions that the answers before them hide, in question order."""
    kept: Answers = {}
    for question in questions:
        if question.pk in answers and condition_met(question, kept):
            kept[question.pk] = answers[question.pk]
    return kept
