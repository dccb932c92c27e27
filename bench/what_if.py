"""Opt-in experiments of the benchmark (BENCH_WHAT_IF=...), to measure a proposed change before it is made.

Nothing here runs unless the environment asks for it; the default benchmark measures the application as it is.

survey-cache: the hosted page reuses the survey, its questions and choices for 30 s per process instead of
loading them (3 queries and the ORM work) on every GET and POST. A real change would invalidate on save.
"""

import os
import time

import surveys.views

TTL_SECONDS = 30


def survey_cache() -> None:
    load = surveys.views.survey_with_questions
    cached: dict[str, tuple[float, object]] = {}

    def survey_with_questions(*, public_id: str):
        hit = cached.get(public_id)
        if hit is None or time.monotonic() - hit[0] > TTL_SECONDS:
            hit = cached[public_id] = (time.monotonic(), load(public_id=public_id))
        return hit[1]

    surveys.views.survey_with_questions = survey_with_questions


EXPERIMENTS = {"survey-cache": survey_cache}


def apply() -> list[str]:
    names = [name for name in os.environ.get("BENCH_WHAT_IF", "").split(",") if name]
    for name in names:
        EXPERIMENTS[name]()
    return names
