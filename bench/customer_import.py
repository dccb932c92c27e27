"""Customer CSV import of the largest file the admin accepts (20 MB) by the Celery task's service, on PostgreSQL.

    .venv/bin/python bench/customer_import.py [--megabytes 20] [--db-name cx_bench_import]

Builds its own database, writes a CSV of realistic rows (a bad line every 5,000), then:
  1. baseline: the same rows read with the csv module and inserted with one bulk_create per 5,000 rows, no checks;
  2. the import as the worker runs it (`customer_import_start` + `customer_import_run`): every line checked by the
     same form as the API, good rows upserted by external id chunk by chunk with the progress saved;
  3. the same file again: every row is now an update, nothing is created.
Prints the times and the ratios to the baseline, checks the counts, and ends with a verdict: PASS when both imports
take at most MAX_RATIO times the baseline (measured in the same run, so a busy machine slows both alike; the baseline
of 20 MB takes about 10 s on an idle laptop, so the import takes a minute or two). Exit code 1 on FAIL.

Measured on the shared 2-core development machine under load average 14 (4 Dec 2026): 21.4 MB, 195,125 customers,
baseline 53 s, import 258 s (4.8×), again (all updates) 369 s (6.9×).
"""

import argparse
import csv
import io
import os
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
MAX_RATIO = 8.0  # every line validated by the API's form and upserted by external id, progress saved per chunk
sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def customer_csv(megabytes: float) -> tuple[bytes, int, int]:
    """(the file, good rows, bad lines)."""
    out = io.StringIO()
    out.write("external_id,name,email,phone,language,segment,value_tier,consent,home_unit\n")
    good = bad = n = 0
    while out.tell() < megabytes * 1024 * 1024 * 0.93:  # Cyrillic names take two bytes a character
        out.write(
            f"C{n:07d},Покупатель Номер {n},buyer{n}@example.com,+7 900 {n % 1000:03d} {n % 100:02d} {n % 97:02d},"
            f"{'ru' if n % 3 else 'en'},families,{('high', 'medium', 'low')[n % 3]},{'yes' if n % 4 else 'no'},store\n"
        )
        good += 1
        if n % 5000 == 17:
            out.write(f"BAD{n},x,not-an-email,,xx,,,maybe,nowhere\n")
            bad += 1
        n += 1
    return out.getvalue().encode(), good, bad


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=float, default=20)
    parser.add_argument("--db-name", default="cx_bench_import")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-user", default="postgres")
    args = parser.parse_args()
    with psycopg.connect(host=args.db_host, user=args.db_user, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.db_name}"')
        admin.execute(f'CREATE DATABASE "{args.db_name}"')
    os.environ["DATABASE_URL"] = f"postgres://{args.db_user}@{args.db_host}:5432/{args.db_name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cxprogram.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from cxprogram.customer_import import customer_import_run, customer_import_start
    from cxprogram.models import Customer, Segment, Unit

    company = Unit.objects.create(name="Company", code="company", kind="company")
    Unit.objects.create(name="Store", code="store", kind="store", parent=company)
    Segment.objects.create(name="Families", code="families")
    lead = get_user_model().objects.create_user("lead")
    data, good, bad = customer_csv(args.megabytes)
    log(f"file: {len(data) / 1024 / 1024:.1f} MB, {good:,} customers and {bad} bad lines")

    started = time.perf_counter()
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    fields = ["external_id", "name", "email", "phone", "language", "value_tier"]
    for start in range(0, len(rows), 5000):
        Customer.objects.bulk_create(
            [Customer(**{f: r[f] for f in fields}) for r in rows[start : start + 5000]], ignore_conflicts=True
        )
    baseline = time.perf_counter() - started
    log(f"baseline (csv module + bulk_create, no checks): {baseline:.1f} s")
    Customer.objects.all().delete()

    timings = []
    for run in ("first", "again"):
        started = time.perf_counter()
        job = customer_import_start(data=data, file_name="customers.csv", started_by=lead)
        job = customer_import_run(import_id=job.pk)
        timings.append(time.perf_counter() - started)
        log(f"import ({run}): {timings[-1]:.1f} s — {job.status}, {job.created:,} new, {job.updated:,} updated, "
            f"{job.skipped} skipped, {len(job.errors)} listed")  # fmt: skip
        expected = (good, 0) if run == "first" else (0, good)
        if (job.status, job.created, job.updated, job.skipped) != ("done", *expected, bad):
            log(f"FAIL: counts {(job.status, job.created, job.updated, job.skipped)} != {('done', *expected, bad)}")
            return 1
    ratios = [t / baseline for t in timings]
    verdict = "PASS" if max(ratios) <= MAX_RATIO else "FAIL"
    log(f"{verdict}: {len(data) / 1024 / 1024:.1f} MB imported in {timings[0]:.0f} s ({ratios[0]:.1f}× the baseline), "
        f"again {timings[1]:.0f} s ({ratios[1]:.1f}×); at most {MAX_RATIO:.0f}× allowed")  # fmt: skip
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
