"""Exports of responses in what people open: CSV (UTF-8 with a byte-order mark, so Excel on a Russian Windows
reads Cyrillic) streamed row by row, and XLSX written in XlsxWriter's constant-memory mode. Memory stays flat
however many responses there are."""

import csv
import re
from collections.abc import Iterator
from typing import BinaryIO

import xlsxwriter
from django.db.models import F, QuerySet

from surveys.models import Answer, Response, Survey
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
    for number, row in enumerate(rows):
        line = writer.writerow([spreadsheet_safe(v) for v in row])
        yield BOM + line if number == 0 else line


def responses_xlsx(
    *, survey: Survey, responses: QuerySet[Response], language: str, into: BinaryIO, personal_data: bool = False
) -> None:
    """The same rows as the CSV as one worksheet, written into a file opened for binary writing. Numbers stay
    numbers; text is never read as a formula."""
    book = xlsxwriter.Workbook(
        into, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": False}
    )
    sheet = book.add_worksheet(sheet_title(survey.name))
    bold = book.add_format({"bold": True})
    rows = response_rows(survey=survey, responses=responses, language=language, personal_data=personal_data)
    for number, row in enumerate(rows):
        for column, value in enumerate(row):
            if number == 0:
                sheet.write_string(number, column, str(value), bold)
            elif isinstance(value, int | float):
                sheet.write_number(number, column, value)
            elif value not in (None, ""):
                sheet.write_string(number, column, str(value))
    book.close()


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
    pending = next(answers, None)
    for row in rows:
        cells: list[list] = [[] for _ in questions]
        while pending is not None and pending[0] <= row[0]:
            if pending[0] == row[0] and pending[1] in position:
                _rid, qid, number, choice, choice_en, text = pending
                if text and not personal_data:
                    text = mask(text)
                cells[position[qid]].append(number if number is not None else (choice or choice_en or text))
            pending = next(answers, None)
        context = list(row)
        context[1] = row[1].isoformat()
        if anonymous:
            context[8] = ""
        yield context + [c[0] if len(c) == 1 else "; ".join(str(v) for v in c) for c in cells]
