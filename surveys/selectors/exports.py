"""Exports of responses in what people open: CSV (UTF-8 with a byte-order mark, so Excel on a Russian Windows
reads Cyrillic) streamed row by row, and XLSX streamed into its zip (surveys.spreadsheet). Memory stays flat
however many responses there are."""

import csv
import re
from collections.abc import Iterator
from typing import BinaryIO

from django.db import transaction
from django.db.models import F, QuerySet

from surveys.models import Answer, Response, Survey
from surveys.spreadsheet import write_sheet
from surveys.text.pii import mask

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


BOM = "\ufeff"


def responses_csv(
    *, survey: Survey, responses: QuerySet[Response], language: str, personal_data: bool = False
) -> Iterator[str]:
    """One line per response: context columns, then one column per question (choices joined with “; ”); the
    first line starts with a byte-order mark. Phones, e-mails and card numbers in comments are masked unless
    `personal_data`."""
    writer = csv.writer(_Echo())
    rows = response_rows(survey=survey, responses=responses, language=language, personal_data=personal_data)
    yield BOM + writer.writerow(next(rows))
    for row in rows:
        # spreadsheet_safe inlined: a call per cell was the largest single cost of a million-row export (bench/README)
        yield writer.writerow(["'" + v if type(v) is str and v.startswith(FORMULA_STARTS) else v for v in row])


def responses_xlsx(
    *, survey: Survey, responses: QuerySet[Response], language: str, into: BinaryIO, personal_data: bool = False
) -> int:
    """The same rows as the CSV as one worksheet named after the survey's title, streamed into a file opened for
    binary writing (surveys.spreadsheet); returns the number of responses. Numbers stay numbers; text is an inline
    string, never read as a formula."""
    rows = response_rows(survey=survey, responses=responses, language=language, personal_data=personal_data)
    return write_sheet(into, title=sheet_title(survey.title), header=next(rows), rows=rows)


def sheet_title(name: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:31] or "responses"


def response_rows(
    *, survey: Survey, responses: QuerySet[Response], language: str, personal_data: bool = False
) -> Iterator[list]:
    """The header, then one list of values per response (ids and scores as numbers, the rest as text);
    comments with their personal data masked unless `personal_data`."""
    questions = list(survey.questions.order_by("page", "order", "id"))
    position = {q.pk: i for i, q in enumerate(questions)}
    yield CONTEXT_COLUMNS + [q.code for q in questions]
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
    width = len(questions)
    with transaction.atomic(using=responses.db):  # the replica when the export reads from it
        # Inside a transaction the two server-side cursors stream side by side; outside one (autocommit) Django
        # declares them WITH HOLD, and PostgreSQL computes and stores each whole result before the first row.
        yield from _merged(
            rows, answers, width=width, position=position, anonymous=anonymous, personal_data=personal_data
        )


def _merged(rows: Iterator, answers: Iterator, *, width: int, position: dict, anonymous: bool, personal_data: bool):
    """The response rows (ordered by id) with their answers (ordered by response) merged in as one cell a question."""
    pending = next(answers, None)
    for row in rows:
        response_id = row[0]
        cells: list = [None] * width  # None: not answered; choices of a multiple-choice question joined with "; "
        while pending is not None and pending[0] <= response_id:
            if pending[0] == response_id and (at := position.get(pending[1])) is not None:
                _rid, _qid, number, choice, choice_en, text = pending
                if number is None:
                    number = choice or choice_en or (mask(text) if text and not personal_data else text)
                cells[at] = number if cells[at] is None else f"{cells[at]}; {number}"
            pending = next(answers, None)
        context = list(row)
        context[1] = row[1].isoformat()
        if anonymous:
            context[8] = ""
        context += cells
        yield context
