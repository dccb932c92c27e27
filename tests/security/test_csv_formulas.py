"""CSV formula injection: no cell of any CSV export starts with a character that makes a spreadsheet run it.

Every free-text column of every export gets text starting with each risky character; the cell must come out
with a leading apostrophe and the rest exactly as typed. To cover a new export, add it to `EXPORTS` with the
cells it must carry."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email

from cxprogram.models import Customer, Segment
from surveys.links import ResponseContext
from surveys.models import Question
from surveys.selectors.exports import FORMULA_STARTS
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory, EmployeeFactory
from tests.surveys.factories import ChoiceFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
FORMULA = 'cmd|"/c calc"!A1'  # short enough for a phone number's 32 characters


@pytest.fixture(params=FORMULA_STARTS, ids=["equals", "plus", "minus", "at", "tab", "carriage-return"])
def typed(request, org, settings):
    """Every free-text field that an export carries, starting with one risky character."""
    settings.RESULTS_MIN_SAMPLE = 1
    start = request.param

    def text(tag: str) -> str:
        return f"{start}{tag}+{FORMULA}"

    email = f"{start}x@example.com"
    try:
        validate_email(email)
    except Exception:  # noqa: BLE001 - not every start is valid in an address; then a plain one
        email = "plain@example.com"
    store = org["units"]["north_store"]
    store.name = text("unit")
    store.save()
    segment = Segment.objects.create(name=text("segment"), code="risky")
    customer = CustomerFactory(
        external_id=text("external"), name=text("name"), email=email, phone=text("phone"), segment=segment,
        value_tier="high",
    )  # fmt: skip
    server = EmployeeFactory(unit=store, user__username=f"{start.strip() or 'x'}server")
    survey = SurveyFactory(public_id="risky")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS)
    choice_question = QuestionFactory(survey=survey, code="choice", type=QT.MULTIPLE)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False)
    choice = ChoiceFactory(question=choice_question, text_en=text("choice"))
    response_submit(
        survey=survey, questions=[nps, choice_question, comment],
        answers={nps.pk: 0, choice_question.pk: [choice.pk], comment.pk: text("comment")},
        language="en", source="api", customer=customer,
        context=ResponseContext(unit=store, employee=server, touchpoint=text("tp"), transaction_ref=text("ref")),
    )  # fmt: skip
    return {"text": text, "email": email, "username": server.user.username}


def rows_of(client, org, url) -> list[list[str]]:
    client.force_login(org["people"]["lead"].user)
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def defused(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


EXPORTS = {
    "responses": (
        "/results/risky/export.csv",
        {
            "customer_external_id": "external",
            "touchpoint": "tp",
            "transaction_ref": "ref",
            "choice": "choice",
            "comment": "comment",
        },
    ),
    "allies": (
        "/results/risky/allies/?format=csv&list=detractors",
        {
            "external_id": "external",
            "name": "name",
            "phone": "phone",
            "segment": "segment",
            "unit": "unit",
            "comment": "comment",
        },
    ),
}


@pytest.mark.parametrize("export", list(EXPORTS))
def test_no_exported_cell_starts_a_formula(client, org, typed, export):
    url, columns = EXPORTS[export]
    header, *rows = rows_of(client, org, url)
    assert len(rows) == 1
    cells = dict(zip(header, rows[0], strict=True))
    assert {name: cells[name] for name in columns} == {name: "'" + typed["text"](tag) for name, tag in columns.items()}
    if export == "allies":
        assert cells["email"] == defused(typed["email"])
    else:
        assert cells["employee"] == defused(typed["username"])
    risky = [cell for row in [header, *rows] for cell in row if cell.startswith(FORMULA_STARTS)]
    assert risky == []


def test_an_imported_customer_name_is_stored_as_typed_and_defused_only_on_export(
    client, org, django_capture_on_commit_callbacks
):
    """The CSV import keeps what was typed (the export, not the import, is where a spreadsheet runs it)."""
    admin = get_user_model().objects.create_superuser("importer", "i@example.com", "importer-pass-1")
    client.force_login(admin)
    data = b'external_id,name\n"=1+1","@SUM(A1:A9)"\n'
    with django_capture_on_commit_callbacks(execute=True):  # the import's Celery task runs in-process
        response = client.post("/admin/cxprogram/customer/import/", {"file": SimpleUploadedFile("c.csv", data)})
    assert response.status_code == 302
    assert list(Customer.objects.filter(external_id="=1+1").values_list("name", flat=True)) == ["@SUM(A1:A9)"]
