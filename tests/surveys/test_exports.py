"""Exports open right in Excel on a Russian Windows: CSV with a byte-order mark, XLSX with numbers as numbers,
named after the survey and the slice."""

import csv
import io
import re
import zipfile
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest

from surveys.links import ResponseContext
from surveys.models import Question
from surveys.services.responses import response_submit
from surveys.spreadsheet import column_letters, write_sheet
from tests.cxprogram.factories import CustomerFactory, SegmentFactory
from tests.surveys.factories import ChoiceFactory, QuestionFactory, SurveyFactory

QT = Question.Type
pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(org, settings):
    survey = SurveyFactory(public_id="visit", name="visit (internal name)", title_ru="Визит в магазин",
                           title_en="Store visit", followup_enabled=False)  # fmt: skip
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS)
    bought = QuestionFactory(survey=survey, code="bought", type=QT.MULTIPLE)
    sofa = ChoiceFactory(question=bought, order=1, text_en="Sofa", text_ru="Диван")
    lamp = ChoiceFactory(question=bought, order=2, text_en="Lamp", text_ru="Лампа")
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False)
    north, south = org["units"]["north_store"], org["units"]["south_store"]
    vip = SegmentFactory(code="vip", name="Постоянные")
    for unit, score, chosen, text, segment in [
        (north, 10, [sofa, lamp], "Всё отлично", vip),
        (north, 3, [lamp], '=HYPERLINK("http://evil")', None),
        (south, 8, [sofa], "Долго ждали", None),
    ]:
        response_submit(
            survey=survey, questions=[nps, bought, comment], language="ru", source="api",
            answers={nps.pk: score, bought.pk: [c.pk for c in chosen], comment.pk: text},
            context=ResponseContext(unit=unit), customer=CustomerFactory(segment=segment),
        )  # fmt: skip
    return survey, org, vip


def download(client, user, url):
    client.force_login(user)
    client.cookies["django_language"] = "ru"
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_csv_starts_with_a_byte_order_mark_and_reads_in_russian(client, survey):
    _survey, org, _vip = survey
    response, body = download(client, org["people"]["lead"].user, "/results/visit/export.csv")
    assert body.startswith(b"\xef\xbb\xbfresponse_id,")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][-3:] == ["nps", "bought", "comment"]
    assert sorted(row[-3:] for row in rows[1:]) == [
        ["10", "Диван; Лампа", "Всё отлично"],
        ["3", "Лампа", "'=HYPERLINK(\"http://evil\")"],
        ["8", "Диван", "Долго ждали"],
    ]  # fmt: skip
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert re.fullmatch(r"Визит в магазин \d{4}-\d\d-\d\d\.csv", unquote(disposition.split("''", 1)[1]))


def _sheet(body: bytes) -> list[list[str]]:
    """The first worksheet's cells as text, read from the XLSX package itself (inline or shared strings)."""
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        names = package.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            shared = re.findall(r"<t[^>]*>([^<]*)</t>", package.read("xl/sharedStrings.xml").decode())
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
    rows = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", sheet):
        cells = []
        for kind, inner in re.findall(r'<c r="[A-Z]+\d+"(?: s="\d+")?(?: t="(\w+)")?>(.*?)</c>', row):
            text = re.search(r"<t[^>]*>([^<]*)</t>|<v>([^<]*)</v>", inner)
            value = text.group(1) if text.group(1) is not None else text.group(2)
            cells.append(shared[int(value)] if kind == "s" else f"{kind or 'n'}:{value}")
        rows.append(cells)
    return rows


def test_xlsx_has_numbers_as_numbers_and_text_never_as_a_formula(client, survey):
    _survey, org, vip = survey
    url = f"/results/visit/export.xlsx?segment={vip.pk}&date_from=2020-01-01"
    response, body = download(client, org["people"]["lead"].user, url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = unquote(response["Content-Disposition"].split("''", 1)[1])
    assert re.fullmatch(r"Визит в магазин 2020-01-01– Постоянные \d{4}-\d\d-\d\d\.xlsx", name)
    rows = _sheet(body)
    assert len(rows) == 2  # the header and the one response of the segment
    assert [c.split(":", 1)[-1] for c in rows[0][-3:]] == ["nps", "bought", "comment"]
    assert rows[1][-3:] == ["n:10", "inlineStr:Диван; Лампа", "inlineStr:Всё отлично"]
    assert "<f>" not in zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()


def test_xlsx_formula_text_is_stored_as_text(client, survey):
    _survey, org, _vip = survey
    _response, body = download(client, org["people"]["lead"].user, "/results/visit/export.xlsx")
    cells = [cell for row in _sheet(body) for cell in row]
    assert 'inlineStr:=HYPERLINK("http://evil")' in cells  # an inline string: shown, never run
    assert "<f>" not in zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()


def test_a_manager_exports_only_the_unit_subtree_in_xlsx(client, survey):
    _survey, org, _vip = survey
    _response, body = download(client, org["people"]["south_manager"].user, "/results/visit/export.xlsx")
    texts = [cell for row in _sheet(body) for cell in row]
    assert "inlineStr:Долго ждали" in texts and "inlineStr:Всё отлично" not in texts


def test_the_xlsx_package_is_well_formed_with_typed_cells_and_hostile_text_kept_as_text():
    into = io.BytesIO()
    rows = [[1, 2.5, 'a <b> & "c"', None, ""], [2, -3, "tab\tand\x01bell\x0b", "=1+1", " x "]]
    assert write_sheet(into, title='Визит "<в>"', header=["id", "score", "text", "empty", "blank"], rows=rows) == 2
    package = zipfile.ZipFile(io.BytesIO(into.getvalue()))
    # every part is well-formed XML (bytes this test just wrote, not untrusted input)
    parts = {name: ElementTree.fromstring(package.read(name)) for name in package.namelist()}  # noqa: S314
    assert sorted(parts) == ["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                             "xl/workbook.xml", "xl/worksheets/sheet1.xml"]  # fmt: skip
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    assert parts["xl/workbook.xml"].find(f"{main}sheets/{main}sheet").get("name") == 'Визит "<в>"'
    cells = [
        [(c.get("r"), c.get("t"), c.get("s"), "".join(c.itertext())) for c in row]
        for row in parts["xl/worksheets/sheet1.xml"].iter(f"{main}row")
    ]
    assert cells == [
        [("A1", "inlineStr", "1", "id"), ("B1", "inlineStr", "1", "score"), ("C1", "inlineStr", "1", "text"),
         ("D1", "inlineStr", "1", "empty"), ("E1", "inlineStr", "1", "blank")],
        [("A2", None, None, "1"), ("B2", None, None, "2.5"), ("C2", "inlineStr", None, 'a <b> & "c"')],
        [("A3", None, None, "2"), ("B3", None, None, "-3"), ("C3", "inlineStr", None, "tab\tandbell"),
         ("D3", "inlineStr", None, "=1+1"), ("E3", "inlineStr", None, " x ")],
    ]  # fmt: skip
    assert column_letters(0) == "A" and column_letters(25) == "Z" and column_letters(26) == "AA"
    assert column_letters(701) == "ZZ" and column_letters(702) == "AAA"
