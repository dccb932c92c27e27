"""CSV exports, streamed row by row so memory stays flat however many responses there are."""

import csv
from collections.abc import Iterator

from django.db.models import F, QuerySet

from surveys.models import Answer, Response, Survey

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula: risky first characters get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


CONTEXT_COLUMNS = [
    "response_id", "submitted_at", "language", "source", "channel", "touchpoint", "unit", "employee",
    "customer_external_id", "segment", "value_tier", "transaction_ref", "duration_seconds",
]  # fmt: skip


def responses_csv(*, survey: Survey, responses: QuerySet[Response], language: str) -> Iterator[str]:
    """One line per response: context columns, then one column per question (choices joined with “; ”)."""
    questions = list(survey.questions.order_by("page", "order", "id"))
    position = {q.pk: i for i, q in enumerate(questions)}
    writer = csv.writer(_Echo())
    yield writer.writerow([spreadsheet_safe(c) for c in CONTEXT_COLUMNS + [q.code for q in questions]])
    anonymous = survey.anonymous
    rows = (
        responses.order_by("pk")
        .values_list(
            "pk",
            "submitted_at",
            "language",
            "source",
            "channel",
            "touchpoint",
            "unit__code",
            "employee__user__username",
            "customer__external_id",
            "customer__segment__code",
            "customer__value_tier",
            "transaction_ref",
            "duration_seconds",
        )
        .iterator(chunk_size=5000)
    )
    answers = (
        Answer.objects.filter(response__in=responses)
        .order_by("response_id", "question_id", "choice__order", "choice_id")
        .values_list("response_id", "question_id", "number", F(f"choice__text_{language}"), "choice__text_en", "text")
        .iterator(chunk_size=20000)
    )
    pending = next(answers, None)
    for row in rows:
        cells: list[list[str]] = [[] for _ in questions]
        while pending is not None and pending[0] <= row[0]:
            if pending[0] == row[0] and pending[1] in position:
                _rid, qid, number, choice, choice_en, text = pending
                cells[position[qid]].append(str(number) if number is not None else (choice or choice_en or text))
            pending = next(answers, None)
        context = list(row)
        context[1] = row[1].isoformat()
        if anonymous:
            context[8] = ""
        yield writer.writerow([spreadsheet_safe(v) for v in context] + [spreadsheet_safe("; ".join(c)) for c in cells])
