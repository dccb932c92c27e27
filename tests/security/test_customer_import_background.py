"""The customer import that used to run inside the web request (18 MB hit the 30 s worker timeout and gave a 500):
the upload is checked and stored, a Celery task does the work in chunks, the admin shows the progress, and a worker
that dies or a task delivered twice neither loses nor doubles anything. bench/customer_import.py imports 20 MB."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cxprogram import customer_import
from cxprogram.customer_import import customer_import_run, customer_import_start
from cxprogram.models import Customer, CustomerImport
from tests.cxprogram.factories import SegmentFactory, UnitFactory

pytestmark = pytest.mark.django_db
URL = "/admin/cxprogram/customer/import/"


def rows(n: int, *, bad_every: int = 0) -> bytes:
    lines = ["external_id,name,email,segment,home_unit"]
    for i in range(1, n + 1):
        lines.append(f"C{i:04d},Клиент {i},c{i}@example.com,families,msk-1")
        if bad_every and i % bad_every == 0:
            lines.append(f"BAD{i},Broken,not-an-email,,")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def admin_client(client, django_user_model):
    company = UnitFactory(kind="company", code="co", parent=None)
    UnitFactory(kind="store", code="msk-1", parent=company)
    SegmentFactory(code="families")
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "root-pass-123"))
    return client


def test_the_upload_returns_at_once_and_a_worker_does_the_work(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        started = admin_client.post(URL, {"file": SimpleUploadedFile("c.csv", rows(30, bad_every=10))})
    assert started.status_code == 302
    job = CustomerImport.objects.get()
    assert (job.status, Customer.objects.count(), len(queued)) == ("queued", 0, 1)  # nothing imported in the request
    waiting = admin_client.get(started.url).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in waiting
    assert "Waiting for a worker" in waiting

    queued[0]()  # the worker's turn
    done = admin_client.get(started.url).content.decode()
    assert '<meta http-equiv="refresh"' not in done
    assert "Lines read: 34. New customers: 30, updated: 0, lines skipped: 3." in done
    assert "<td>12</td><td>email: Enter a valid email address. segment: This field is required." not in done
    assert "<td>12</td><td>email: Enter a valid email address.</td>" in done
    assert Customer.objects.count() == 30
    assert bytes(CustomerImport.objects.get().data) == b""  # the file (personal data) is gone once imported


def test_a_worker_that_dies_mid_file_is_picked_up_without_loss_or_double_counting(admin_client, monkeypatch):
    monkeypatch.setattr(customer_import, "CHUNK_ROWS", 10)
    job = customer_import_start(data=rows(35, bad_every=7), file_name="c.csv", started_by=None)
    real_upsert = customer_import._upsert
    calls = []

    def dies_on_the_third_chunk(chunk_rows, fields):
        calls.append(len(chunk_rows))
        if len(calls) == 3:
            raise SystemExit("worker killed")
        return real_upsert(chunk_rows, fields)

    monkeypatch.setattr(customer_import, "_upsert", dies_on_the_third_chunk)
    with pytest.raises(SystemExit):
        customer_import_run(import_id=job.pk)
    half = CustomerImport.objects.get(pk=job.pk)
    assert (half.status, half.created, Customer.objects.count()) == ("running", 20, 20)
    assert 0 < half.percent < 100

    monkeypatch.setattr(customer_import, "_upsert", real_upsert)
    finished = customer_import_run(import_id=job.pk)  # the task delivered again
    assert (finished.status, finished.created, finished.updated, finished.skipped) == ("done", 35, 0, 5)
    assert [line for line, _problems in finished.errors] == [9, 17, 25, 33, 41]
    assert Customer.objects.count() == 35
    again = customer_import_run(import_id=job.pk)  # and once more: nothing happens
    assert (again.created, again.updated, again.skipped) == (35, 0, 5)


def test_imports_waiting_for_a_lost_broker_are_queued_again(admin_client, monkeypatch):
    job = customer_import_start(data=rows(3), file_name="c.csv", started_by=None)
    CustomerImport.objects.filter(pk=job.pk).update(progressed_at=job.created_at.replace(year=2000))
    queued = []
    monkeypatch.setattr(customer_import, "_queue", queued.append)
    assert customer_import.customer_imports_requeue() == 1
    assert queued == [job.pk]


def test_people_who_may_not_add_customers_see_no_import(client, org, admin_client, django_capture_on_commit_callbacks):
    job = customer_import_start(data=rows(2), file_name="c.csv", started_by=None)
    alice = org["people"]["alice"].user
    alice.is_staff = True
    alice.save()
    client.force_login(alice)
    assert client.get(f"{URL}{job.pk}/").status_code == 403
    assert client.post(URL, {"file": SimpleUploadedFile("c.csv", rows(2))}).status_code == 403


def test_the_progress_page_reads_in_russian(admin_client):
    job = customer_import_start(data=rows(3), file_name="c.csv", started_by=None)
    customer_import_run(import_id=job.pk)
    admin_client.cookies["django_language"] = "ru"
    page = admin_client.get(f"{URL}{job.pk}/").content.decode()
    assert "Прочитано строк: 4. Новых клиентов: 3, обновлено: 0, пропущено строк: 0." in page
    assert "Импортировано новых клиентов: 3, обновлено: 0." in page
