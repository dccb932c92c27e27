"""Writes of the customer CSV import: the file is checked while the CX lead waits (encoding, columns), then read by a
Celery worker in chunks, each chunk's good rows inserted or updated by external id in one transaction with the
progress, so the admin shows how far it got and a worker that dies picks up where the last chunk ended. Bad lines
are listed by number with the reason and skipped; the good ones are kept."""

import csv
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from .forms import CustomerRowForm
from .models import CustomerImport, Segment, Unit
from .services import CUSTOMER_COLUMNS, customer_upsert_many

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5000  # rows per transaction: the progress moves every few seconds, a lost worker redoes at most this
ERRORS_LISTED = 1000  # bad lines listed one by one; beyond that only counted (a wrong file would list them all)


@dataclass
class CustomerImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, list[str]]] = field(default_factory=list)
    file_error: str = ""

    @property
    def skipped(self) -> int:
        return len(self.errors)


class CustomerFile:
    """A customer CSV file: `problem` says why it cannot be imported at all, `rows()` checks it line by line."""

    def __init__(self, data: bytes):
        self.problem = ""
        self.header: list[str] = []
        self.text = ""
        try:
            self.text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.problem = _("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and try again.")
            return
        first_line = self.text.split("\n", 1)[0]
        self.delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        try:
            names = next(csv.reader(io.StringIO(first_line), delimiter=self.delimiter), [])
        except csv.Error as error:
            self.problem = _("The file could not be read as CSV: %(error)s") % {"error": error}
            return
        self.header = [(name or "").strip().lower() for name in names]
        if "external_id" not in self.header:
            self.problem = _("The first line must name the columns, including external_id. Found: %(found)s.") % {
                "found": ", ".join(h for h in self.header if h) or _("nothing")
            }
            return
        unknown = [h for h in self.header if h and h not in CUSTOMER_COLUMNS]
        if unknown:
            self.problem = _("Unknown columns: %(unknown)s. Known columns: %(known)s.") % {
                "unknown": ", ".join(unknown),
                "known": ", ".join(CUSTOMER_COLUMNS),
            }

    @property
    def fields(self) -> list[str]:
        return [h for h in self.header if h]

    def rows(self) -> Iterator[tuple[int, int, dict | None, list[str]]]:
        """(line number, characters read so far, the row's values or None, the problems) for each line."""
        stream = io.StringIO(self.text, newline="")
        reader = csv.DictReader(stream, fieldnames=self.header, delimiter=self.delimiter)
        segments = {key.lower(): s for s in Segment.objects.all() for key in (s.code, s.name)}
        form = CustomerRowForm(segments=segments, units={u.code.lower(): u for u in Unit.objects.all()})
        try:
            next(reader)  # the header
            for row in reader:
                line = reader.line_num
                if None in row:
                    yield line, stream.tell(), None, [_("This line has more cells than the header has columns.")]
                elif not form.check({k: (v or "") for k, v in row.items()}):
                    yield line, stream.tell(), None, [f"{n}: {' '.join(m)}" for n, m in form.errors.items()]
                else:
                    # A blank cell never erases what is stored; new customers get the defaults instead.
                    values = {k: v for k, v in form.cleaned_data.items() if k in row and v not in (None, "")}
                    yield line, stream.tell(), values, []
        except csv.Error as error:
            problem = _("The file could not be read as CSV: %(error)s") % {"error": error}
            yield reader.line_num, len(self.text), None, [problem]


@dataclass
class _Chunk:
    start_line: int  # the last line of the chunk before
    rows: list[dict]
    errors: list[tuple[int, list[str]]]
    line: int
    chars: int


class _Overtaken(Exception):
    """Another worker has saved this import further (the task was queued twice); this one stops."""


def _read(file: CustomerFile, *, after_line: int, save: Callable[[_Chunk], None]) -> None:
    """Feed `save` the file's lines after `after_line` in chunks; a repeated external id is a bad line (the first
    one counts, also when it came before `after_line`)."""
    seen: set[str] = set()
    chunk = _Chunk(start_line=after_line, rows=[], errors=[], line=after_line, chars=0)
    for line, chars, values, problems in file.rows():
        if values is not None and values["external_id"] in seen:
            problem = _("external_id “%(id)s” appears earlier in the file.") % {"id": values["external_id"]}
            values, problems = None, [problem]
        if values is not None:
            seen.add(values["external_id"])
        if line <= after_line:
            continue
        if values is None:
            chunk.errors.append((line, problems))
        else:
            chunk.rows.append(values)
        chunk.line, chunk.chars = line, chars
        if len(chunk.rows) >= CHUNK_ROWS:
            save(chunk)
            chunk = _Chunk(start_line=line, rows=[], errors=[], line=line, chars=chars)
    save(chunk)


def _upsert(rows: list[dict], fields: list[str]) -> tuple[int, int]:
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(f for f in fields if f in row), []).append(row)
    created = updated = 0
    for fields_present, group in groups.items():
        c, u = customer_upsert_many(rows=group, fields=fields_present)
        created, updated = created + c, updated + u
    return created, updated


def customer_import_csv(*, data: bytes) -> CustomerImportReport:
    """Import customers from CSV bytes in this process (command line, tests): good rows are inserted or updated by
    external id, bad lines reported by number and skipped."""
    report = CustomerImportReport()
    file = CustomerFile(data)
    if file.problem:
        report.file_error = file.problem
        return report

    def save(chunk: _Chunk) -> None:
        created, updated = _upsert(chunk.rows, file.fields)
        report.created += created
        report.updated += updated
        report.errors.extend(chunk.errors)

    _read(file, after_line=0, save=save)
    return report


def customer_import_start(*, data: bytes, file_name: str, started_by: AbstractBaseUser) -> CustomerImport:
    """Store the file and queue its import after the transaction commits. The caller has checked the file with
    `CustomerFile(data).problem`. With the broker away the import waits, queued, for `customer_imports_requeue`."""
    job = CustomerImport.objects.create(file_name=file_name[:255], data=data, size=len(data), started_by=started_by)
    transaction.on_commit(lambda: _queue(job.pk))
    return job


def _queue(import_id: int) -> None:
    from .tasks import import_customers  # the one upward import: a service queueing its own task

    try:
        import_customers.delay(import_id)
    except BrokerError as error:
        logger.warning("Customer import %s not queued (broker unavailable: %s); it will be requeued", import_id, error)


def customer_imports_requeue(*, older_than_seconds: int = 600) -> int:
    """Queue again the imports still waiting (the broker was away) or running without progress for a while (the
    worker died); each picks up after its last saved chunk. Returns how many were queued."""
    stale = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        CustomerImport.objects.filter(
            status__in=[CustomerImport.Status.QUEUED, CustomerImport.Status.RUNNING], progressed_at__lt=stale
        ).values_list("pk", flat=True)
    )
    for import_id in ids:
        _queue(import_id)
    return len(ids)


def customer_import_run(*, import_id: int) -> CustomerImport:
    """Import a stored file from where it got to; a finished import is left alone (a task delivered twice)."""
    with transaction.atomic():
        job = CustomerImport.objects.select_for_update().get(pk=import_id)
        if job.finished:
            return job
        job.status = CustomerImport.Status.RUNNING
        job.save(update_fields=["status"])
    file = CustomerFile(bytes(job.data))
    if file.problem:
        return _finish(job, status=CustomerImport.Status.FAILED, failure=file.problem)
    CustomerImport.objects.filter(pk=job.pk).update(chars_total=len(file.text))

    def save(chunk: _Chunk) -> None:
        with transaction.atomic():
            current = CustomerImport.objects.select_for_update().get(pk=job.pk)
            if current.finished or current.lines_done != chunk.start_line:
                raise _Overtaken
            created, updated = _upsert(chunk.rows, file.fields)
            room = max(0, ERRORS_LISTED - len(current.errors))
            current.errors = [*current.errors, *([line, problems] for line, problems in chunk.errors[:room])]
            current.created += created
            current.updated += updated
            current.skipped += len(chunk.errors)
            current.lines_done, current.chars_done = chunk.line, chunk.chars
            current.progressed_at = timezone.now()
            current.save()

    try:
        _read(file, after_line=job.lines_done, save=save)
    except _Overtaken:
        return CustomerImport.objects.get(pk=job.pk)
    return _finish(job, status=CustomerImport.Status.DONE)


def _finish(job: CustomerImport, *, status: str, failure: str = "") -> CustomerImport:
    """The end of an import: its status, and the file itself deleted (customers' personal data, no longer needed)."""
    CustomerImport.objects.filter(pk=job.pk).exclude(
        status__in=[CustomerImport.Status.DONE, CustomerImport.Status.FAILED]
    ).update(status=status, failure=failure, data=b"", finished_at=timezone.now(), progressed_at=timezone.now())
    job.refresh_from_db()
    return job
