"""Customer CSV import: good rows are saved or updated by external id, bad rows reported by line number."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cxprogram.customer_import import customer_import_csv
from cxprogram.models import Customer
from tests.cxprogram.factories import CustomerFactory, SegmentFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    company = UnitFactory(kind="company", code="co", parent=None)
    UnitFactory(kind="store", code="msk-1", name="Moscow 1", parent=company)
    SegmentFactory(code="families", name="Семьи с детьми")


GOOD_AND_BAD = (
    "external_id,name,email,phone,language,segment,value_tier,consent,home_unit\n"
    "A1,Анна Смирнова,anna@example.com,+7 916 123-45-67,ru,families,high,yes,msk-1\n"
    "A2,Bad Mail,not-an-email,,en,,low,no,\n"
    'A3,"Quoted, with comma",a3@example.com,,EN,Семьи с детьми,medium,да,\n'
    "A4,Wrong tier,a4@example.com,,ru,,platinum,,\n"
    "A1,Duplicate,dup@example.com,,ru,,,,\n"
    ",No id,x@example.com,,ru,,,,\n"
    "A5,Unknown things,a5@example.com,,de,nobody,,maybe,nowhere\n"
)


def test_good_rows_saved_and_bad_rows_reported_by_line(catalogue):
    report = customer_import_csv(data=GOOD_AND_BAD.encode())

    assert (report.created, report.updated, report.skipped) == (2, 0, 5)
    lines = dict(report.errors)
    assert lines[3] == ["email: Enter a valid email address."]
    assert lines[5] == ["value_tier: Unknown value tier “platinum”; use high, medium or low."]
    assert lines[6] == ["external_id “A1” appears earlier in the file."]
    assert lines[7] == ["external_id: This field is required."]
    assert lines[8] == [
        "language: Unknown language “de”; use one of: en, ru.",
        "segment: Unknown segment “nobody”; create it in the admin first.",
        "consent: Consent must be yes or no, not “maybe”.",
        "home_unit: Unknown unit code “nowhere”.",
    ]
    anna = Customer.objects.get(external_id="A1")
    assert (anna.name, anna.segment.code, anna.value_tier, anna.home_unit.code, anna.consent) == (
        "Анна Смирнова",
        "families",
        "high",
        "msk-1",
        True,
    )
    quoted = Customer.objects.get(external_id="A3")
    assert (quoted.name, quoted.language, quoted.segment.code) == ("Quoted, with comma", "en", "families")


def test_reimport_updates_without_erasing_blank_cells(catalogue):
    CustomerFactory(external_id="A1", name="Old name", email="old@example.com", phone="+7 900 000-00-00")
    csv = "external_id;name;email;phone\nA1;New name;;\nB2;Boris;b2@example.com;\n"
    report = customer_import_csv(data=csv.encode("utf-8-sig"))
    assert (report.created, report.updated, report.skipped) == (1, 1, 0)
    a1 = Customer.objects.get(external_id="A1")
    assert (a1.name, a1.email, a1.phone) == ("New name", "old@example.com", "+7 900 000-00-00")
    assert Customer.objects.get(external_id="B2").language == "ru"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,email\nX,x@example.com\n", "The first line must name the columns, including external_id"),
        (b"external_id,shoe_size\n1,42\n", "Unknown columns: shoe_size."),
        ("external_id,name\nA1,Ģirts\n".encode("latin-1", errors="replace") + b"\xff\xfe", "The file is not UTF-8"),
        (b"", "The first line must name the columns"),
    ],
)
def test_a_malformed_file_is_refused_with_a_reason(catalogue, data, message):
    report = customer_import_csv(data=data)
    assert message in report.file_error
    assert Customer.objects.count() == 0


def test_admin_upload_shows_the_lines_that_were_skipped(client, catalogue, django_capture_on_commit_callbacks):
    admin = get_user_model().objects.create_superuser("admin", "a@example.com", "pw-admin-123")
    client.force_login(admin)
    url = reverse("admin:cxprogram_customer_import")
    assert client.get(url).status_code == 200

    upload = SimpleUploadedFile("customers.csv", GOOD_AND_BAD.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):  # the worker's task runs in-process, after the commit
        started = client.post(url, {"file": upload})
    assert started.url.startswith("/admin/cxprogram/customer/import/")
    response = client.get(started.url)
    page = response.content.decode()
    assert "<strong>Done</strong>" in page
    assert "Saved 2 new and 0 updated customers. 5 lines were skipped" in page
    assert "<td>3</td><td>email: Enter a valid email address.</td>" in page
    assert Customer.objects.count() == 2


def test_admin_upload_of_a_clean_file_shows_a_summary(client, catalogue, django_capture_on_commit_callbacks):
    admin = get_user_model().objects.create_superuser("admin", "a@example.com", "pw-admin-123")
    client.force_login(admin)
    upload = SimpleUploadedFile("c.csv", b"external_id,name\nZ1,Zoe\nZ2,Zak\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("admin:cxprogram_customer_import"), {"file": upload})
    assert "Imported 2 new and 0 updated customers." in client.get(started.url).content.decode()
    assert Customer.objects.count() == 2


def test_customer_text_is_escaped_in_the_import_report(client, catalogue, django_capture_on_commit_callbacks):
    admin = get_user_model().objects.create_superuser("admin", "a@example.com", "pw-admin-123")
    client.force_login(admin)
    payload = b"external_id,language\nX1,<script>alert(1)</script>\n"
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse("admin:cxprogram_customer_import"), {"file": SimpleUploadedFile("x.csv", payload)}
        )
    response = client.get(started.url)
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_only_people_allowed_to_add_customers_can_import(client, org):
    staff_without_permissions = org["people"]["alice"].user
    staff_without_permissions.is_staff = True
    staff_without_permissions.save()
    client.force_login(staff_without_permissions)
    assert client.get(reverse("admin:cxprogram_customer_import")).status_code == 403
