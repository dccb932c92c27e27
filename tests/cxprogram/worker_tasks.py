"""A task for the worker tests (loaded with `celery worker --include`): appends its number to a file, one line per
run, so that a test counts how often each message ran."""

import os

from celery import shared_task


@shared_task(name="tests.record_run")
def record_run(number: int) -> None:
    # One write() of a short line on a file opened for appending is atomic, so lines never mix.
    with open(os.environ["CXPROGRAM_TEST_RUNS_FILE"], "a", encoding="utf-8") as runs:
        runs.write(f"{number}\n")
