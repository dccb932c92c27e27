"""Where a hosted-survey submission spends its time: queries, CPU per part of the flow, and a cProfile.

    .venv/bin/python bench/profile_submit.py [-n 300] [--cprofile]

Needs the database that bench/survey_submit.py leaves behind (cxprogram_bench with survey `bench-submit`;
DATABASE_URL overrides). Runs the baseline and the real views through Django's test client with CSRF checks on:
the whole middleware stack in one process, without gunicorn and without concurrency, so the numbers are the
cost of one request. CPU time is the thread's own (time.thread_time), so waiting for PostgreSQL is not in it;
PostgreSQL's is its backend's own, read from /proc (the server must run on this machine), per flow.
"""

import argparse
import cProfile
import functools
import io
import os
import pstats
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cxprogram_bench")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.core import signing  # noqa: E402
from django.db import connection  # noqa: E402
from django.middleware import csrf  # noqa: E402
from django.test import Client  # noqa: E402

import surveys.views.responses  # noqa: E402
from bench import baseline  # noqa: E402
from bench.setup_survey import PUBLIC_ID, describe  # noqa: E402
from bench.survey_submit import answers_for  # noqa: E402
from cxprogram import ratelimit  # noqa: E402
from surveys.forms import responses as forms  # noqa: E402
from surveys.models import Survey  # noqa: E402
from surveys.services import responses as services  # noqa: E402

HIDDEN = re.compile(r'<input type="hidden" name="(csrfmiddlewaretoken|state|lang)" value="([^"]*)"')

# Parts of the flow, timed by wrapping them: (owner, attribute, label). Nested parts are inside their parents.
PARTS = [
    (csrf.CsrfViewMiddleware, "process_view", "CSRF check (middleware)"),
    (surveys.views.responses, "hosted_survey", "hosted_survey (1 SELECT; more on a new version)"),
    (surveys.views.responses, "survey_with_questions", "survey_with_questions (1 SELECT; more on a new version)"),
    (ratelimit, "hit", "ratelimit.hit (cache)"),
    (surveys.views.responses.SurveyFlow, "run", "SurveyFlow.run"),
    (signing, "loads", "  signing.loads (state)"),
    (surveys.views.responses.SurveyFlow, "form", "  SurveyFlow.form (build form)"),
    (forms.SurveyPageForm, "full_clean", "  form validation"),
    (surveys.views.responses, "response_submit", "  response_submit (INSERTs)"),
    (services, "followup_plan", "    followup_plan (case and events, unsaved)"),
    (services, "_response_row", "    _response_row (unsaved response)"),
    (services, "_answer_rows", "    _answer_rows (unsaved answers)"),
    (services, "submission_insert", "    submission_insert (one statement, PostgreSQL)"),
    (services, "rollup_rows", "    rollup_rows (the Tally's rows, PostgreSQL)"),
    (services, "rollup_add", "    rollup_add (rollup upserts, SQLite)"),
    (services, "followup_opened", "    followup_opened (case's side effects)"),
    (services.Response.objects.__class__, "create", "    Response.objects.create"),
    (services.Answer.objects.__class__, "bulk_create", "    Answer.objects.bulk_create"),
    (surveys.views.responses, "score_band", "  score_band (thank-you page's band)"),
    (surveys.views.responses, "redirect", "  redirect (thank-you page)"),
    (surveys.views.responses.SurveyFlow, "render_page", "  SurveyFlow.render_page"),
    (signing, "dumps", "    signing.dumps (state, compressed)"),
    (surveys.views.responses, "question_rows", "    question_rows"),
    (surveys.views.responses, "blank_page", "    blank_page (made once per version, tokens put in)"),
    (surveys.views.responses, "render", "    render(page.html)"),
    (baseline, "baseline_page", "baseline view"),
]
TIMES: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])  # label → [cpu s, wall s, calls]


def instrument(owner, attribute: str, label: str) -> None:
    original = getattr(owner, attribute, None)
    if original is None:  # a part this version of the code does not have
        return

    @functools.wraps(original)
    def timed(*args, **kwargs):
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            entry = TIMES[label]
            entry[0] += time.thread_time() - cpu
            entry[1] += time.perf_counter() - wall
            entry[2] += 1

    setattr(owner, attribute, timed)


class QueryCounter:
    """Every statement the connection sends, counted by an execute wrapper: unlike Django's query log
    (CaptureQueriesContext), which keeps only its last 9,000 entries and so reads 0 once it is full."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)


def backend_cpu() -> tuple[int, float]:
    """The pid of this connection's PostgreSQL backend and the CPU seconds it has used (it runs on this machine)."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def submission(client: Client, path: str, answers, profiles: dict | None, queries: dict, flow: str) -> None:
    client.cookies.clear()  # a fresh visitor; the handler (and its middleware) stays loaded, as in a worker
    for step in ("GET", "POST"):
        captured = QueryCounter()
        with connection.execute_wrapper(captured):
            cpu, wall = time.thread_time(), time.perf_counter()
            if profiles:
                profiles[step].enable()
            if step == "GET":
                page = client.get(path)
            else:
                hidden = dict(HIDDEN.findall(page.content.decode()))
                form = [*hidden.items(), ("website", ""), *answers, ("next", "1")]
                response = client.post(path, urlencode(form), content_type="application/x-www-form-urlencoded")
            if profiles:
                profiles[step].disable()
            entry = TIMES[f"{flow} {step}: whole request"]
            entry[0] += time.thread_time() - cpu
            entry[1] += time.perf_counter() - wall
            entry[2] += 1
        queries[step].update(sql.split(" WHERE ")[0][:100] for sql in captured.statements)
        queries[f"{step} count"][len(captured.statements)] += 1
    assert page.status_code == 200, page.status_code
    assert response.status_code == 302, (response.status_code, response.content[:500])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=300, help="submissions per flow")
    parser.add_argument("--cprofile", action="store_true", help="also print cProfile's top functions")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    survey = describe(Survey.objects.get(public_id=PUBLIC_ID))
    rng = random.Random(1)
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")
    flows = (("baseline", f"/bench/baseline/{PUBLIC_ID}/"), ("real", f"/s/{PUBLIC_ID}/"))
    for owner, attribute, label in PARTS:  # before the first request binds the middleware and the URLconf
        instrument(owner, attribute, label)
    for flow, path in flows:  # warm caches, templates and connections up
        for i in range(30):
            answers = answers_for(rng, survey, f"profile-w-{flow}-{i}")
            submission(client, path, answers, None, defaultdict(Counter), flow)
    results = {}
    for flow, path in flows:
        queries: dict[str, Counter] = defaultdict(Counter)
        TIMES.clear()
        backend, before = backend_cpu()
        for i in range(args.n):
            submission(client, path, answers_for(rng, survey, f"profile-{flow}-{i}"), None, queries, flow)
        after = backend_cpu()
        results[flow] = (dict(TIMES), queries, (after[1] - before) if after[0] == backend else None)
    print(f"Per request, mean of {args.n} submissions; CPU = this thread's CPU time, wall includes waiting for SQL.")
    for flow, (times, queries, server) in results.items():
        if server is None:
            print(f"\n{flow}: PostgreSQL's CPU unknown (the connection was replaced)")
        else:
            print(f"\n{flow}: PostgreSQL backend CPU {server / args.n * 1000:.2f} ms per submission (GET and POST)")
        for step in ("GET", "POST"):
            cpu, wall, _calls = times[f"{flow} {step}: whole request"]
            print(f"\n{flow} {step}: CPU {cpu / args.n * 1000:.2f} ms, wall {wall / args.n * 1000:.2f} ms, "
                  f"queries {dict(queries[f'{step} count'])}")  # fmt: skip
            for sql, n in queries[step].most_common():
                print(f"    {n / args.n:4.1f}×  {sql}")
        print(f"\n  {flow}: parts (both requests)                      CPU ms   wall ms   calls/submission")
        for _owner, _attribute, label in PARTS:
            if label in times:
                cpu, wall, calls = times[label]
                n = args.n
                print(f"  {label:<48}{cpu / n * 1000:8.2f}{wall / n * 1000:10.2f}{calls / n:10.1f}")
    if args.cprofile:
        for flow, path in flows:
            profiles = {step: cProfile.Profile(time.thread_time) for step in ("GET", "POST")}  # CPU, not waiting
            for i in range(args.n):
                answers = answers_for(rng, survey, f"cprofile-{flow}-{i}")
                submission(client, path, answers, profiles, defaultdict(Counter), flow)
            for step in ("GET", "POST"):
                out = io.StringIO()
                pstats.Stats(profiles[step], stream=out).sort_stats("tottime").print_stats(args.top)
                text = out.getvalue().replace(str(Path(django.__file__).parent.parent) + "/", "")
                print(f"\n===== cProfile {flow} {step} ({args.n} requests), by own time =====")
                print("\n".join(line for line in text.splitlines() if line.strip()))


if __name__ == "__main__":
    main()
