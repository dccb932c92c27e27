"""Text analytics at scale on PostgreSQL: the backfill over 1,000,000 comments, and what analysis adds to a
survey submission.

    .venv/bin/python bench/text_analytics.py [--comments 1000000] [--reuse] [--broker redis://127.0.0.1:6379/15]

Builds its own database (`cx_bench_text`): one survey (NPS + a comment) answered N times, the comments drawn from
20,000 distinct texts made of the project's 360 hand-written labelled comments (one or two of them, some with a
number in them), the NPS near the one each comment's writer gave — all inserted with set-based SQL. Then:
  1. seeds the retail taxonomy and trains the sentiment model on the newest 50,000 scored comments (timed);
  2. BACKFILL: runs the admin's "analyse comments not yet analysed" job (`text_job_run`, one process) over all N
     comments — lemmas, themes, sentiment of comment and mentions, bulk writes — and reports comments per second
     (wall clock and this process's CPU), against the target of 1,000 a second; BASELINE, in the same run: the
     pure analysis of 50,000 of the same comments without the database, so the ratio shows what the writes cost;
  3. SUBMISSION: `response_submit` of a response with a comment, in interleaved rounds (ABBA) with the real code
     (the analysis queued to the broker after the commit) and with the queueing switched off; the difference is
     what text analytics adds to the web request, and no analysis row may appear during the submissions.
Exit code 0 with a PASS or FAIL verdict, 2 when the run itself broke. See bench/README.md.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
TARGET_RATE = 1000.0  # comments a second in the backfill
DISTINCT_TEXTS = 20_000

sys.path.insert(0, str(ROOT))


class RunBroken(Exception):
    """The run itself could not be done (database, migrate, data); exit code 2."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def database_url(args) -> str:
    return f"postgres://{args.db_user}@{args.db_host}:{args.db_port}/{args.db_name}"


def connect(args, dbname: str) -> psycopg.Connection:
    return psycopg.connect(host=args.db_host, port=args.db_port, user=args.db_user, dbname=dbname, autocommit=True)


def comment_count(args) -> int | None:
    try:
        with connect(args, args.db_name) as db:
            return db.execute("SELECT count(*) FROM surveys_answer WHERE question_type = 'long_text'").fetchone()[0]
    except psycopg.Error:
        return None


def prepare_database(args) -> bool:
    """A fresh, migrated database (or the existing one with --reuse when it holds N comments); True if reused."""
    reuse = args.reuse and comment_count(args) == args.comments
    if not reuse:
        log(f"Database {args.db_name}: drop, create, migrate")
        with connect(args, "postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.db_name}"')
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=database_url(args), DEBUG="0")
    done = subprocess.run(
        [str(PYTHON), "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RunBroken(f"migrate failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return reuse


def django_setup(args) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=database_url(args), DEBUG="0",
        CELERY_BROKER_URL=args.broker, CELERY_TASK_ALWAYS_EAGER="0",
    )  # fmt: skip
    import django

    django.setup()


def comment_pool(seed: int = 7) -> tuple[list[str], list[int]]:
    """20,000 distinct comments from the labelled set (one or two of them, some with a number), with the NPS
    their writers would give, moved by at most one point."""
    from tests.surveys.labelled import labelled_comments

    rows = labelled_comments()
    rng = random.Random(seed)
    texts, scores, seen = [], [], set()
    while len(texts) < DISTINCT_TEXTS:
        first = rng.choice(rows)
        text = first.text
        if rng.random() < 0.3:
            second = rng.choice([r for r in rows[:50] if r.language == first.language] or rows)
            text = f"{text} {second.text}"
        if rng.random() < 0.4:
            text += f" ({rng.randint(2, 9999)})" if first.language == "en" else f" (заказ {rng.randint(2, 99999)})"
        if text in seen:
            continue
        seen.add(text)
        texts.append(text)
        scores.append(max(0, min(10, first.score + rng.choice((-1, 0, 0, 1)))))
    return texts, scores


def seed(args) -> int:
    """The survey and N responses, each with its NPS and its comment, in three INSERT … SELECT statements."""
    from django.db import connection

    from surveys.models import Question, Survey

    started = time.perf_counter()
    survey = Survey.objects.create(name="Bench text", public_id="bench-text", status=Survey.Status.LIVE)
    nps = Question.objects.create(survey=survey, code="nps", type=Question.Type.NPS, order=1, text_en="NPS")
    why = Question.objects.create(survey=survey, code="why", type=Question.Type.LONG_TEXT, order=2, text_en="Why?",
                                  required=False)  # fmt: skip
    texts, scores = comment_pool()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO surveys_response (survey_id, language, source, submitted_at, touchpoint, channel, "
            "transaction_ref, contact_details) "
            "SELECT %s, 'ru', 'api', now() - (g %% 365) * interval '1 day' - (g %% 86400) * interval '1 second', "
            "'', '', '', '' FROM generate_series(1, %s) AS g",
            [survey.pk, args.comments],
        )
        cursor.execute(
            "INSERT INTO surveys_answer (response_id, question_id, question_type, number, text) "
            "SELECT r.id, %s, 'nps', (%s::int[])[1 + r.id %% %s], '' FROM surveys_response r WHERE r.survey_id = %s",
            [nps.pk, scores, len(scores), survey.pk],
        )
        cursor.execute(
            "INSERT INTO surveys_answer (response_id, question_id, question_type, text) "
            "SELECT r.id, %s, 'long_text', (%s::text[])[1 + r.id %% %s] FROM surveys_response r "
            "WHERE r.survey_id = %s",
            [why.pk, texts, len(texts), survey.pk],
        )
        cursor.execute("ANALYZE surveys_response; ANALYZE surveys_answer")
    log(f"  seeded {args.comments:,} responses with a comment in {time.perf_counter() - started:.0f} s")
    return survey.pk


def train() -> tuple[float, float]:
    from surveys.models import SentimentClassifier
    from surveys.services.text import sentiment_model_train, taxonomy_seed_retail

    started = time.perf_counter()
    taxonomy_seed_retail()
    classifier = sentiment_model_train()
    if classifier is None:
        raise RunBroken("the sentiment model could not be trained")
    elapsed = time.perf_counter() - started
    log(f"  model trained on {classifier.n_train:,} comments in {elapsed:.1f} s: accuracy {classifier.accuracy:.1%} "
        f"(lexicon {classifier.lexicon_accuracy:.1%}) on {classifier.n_test:,} held-out comments")  # fmt: skip
    assert SentimentClassifier.objects.filter(active=True).count() == 1
    return elapsed, classifier.accuracy


def backfill() -> dict:
    """Run the admin's backfill job over every comment; its wall-clock and CPU rates."""
    from django.db import connection

    from surveys.models import CommentAnalysis, TextJob
    from surveys.services.text import text_job_create, text_job_run

    CommentAnalysis.objects.all().delete()
    wall, cpu = time.perf_counter(), time.process_time()
    job = text_job_run(job_id=text_job_create(kind=TextJob.Kind.BACKFILL).pk)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if job.status != TextJob.Status.DONE:
        raise RunBroken(f"the backfill job failed: {job.message}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM surveys_commentanalysis")
        analysed = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM surveys_thememention")
        mentions = cursor.fetchone()[0]
    return {"n": job.done, "analysed": analysed, "mentions": mentions, "wall": wall, "cpu": cpu}


def pure_analysis(sample: int = 50_000) -> dict:
    """BASELINE: the same analysis of `sample` stored comments, in the same batches, with no database work."""
    from surveys.models import Answer
    from surveys.services.text import BATCH, classifier_current, taxonomy_current
    from surveys.text.analyse import analyse_batch

    texts = list(
        Answer.objects.filter(question_type="long_text").order_by("pk").values_list("text", flat=True)[:sample]
    )
    taxonomy, _ids = taxonomy_current()
    model = classifier_current()
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), BATCH):
        analyse_batch(texts[start : start + BATCH], taxonomy, model)
    return {"n": len(texts), "wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


def submission_cost(rounds: int, per_round: int) -> dict:
    """Median seconds per `response_submit` with a comment: the real code (analysis queued after the commit)
    against the same with the queueing switched off, in ABBA rounds."""
    from django.db import transaction

    from surveys.models import CommentAnalysis, Survey
    from surveys.services import responses as responses_service

    survey = Survey.objects.get(public_id="bench-text")
    questions = list(survey.questions.order_by("order"))
    answers = {questions[0].pk: 3, questions[1].pk: "Курьер опоздал на два часа, а оператор не перезвонил."}
    real = responses_service.response_analysis_queue
    times: dict[str, list[float]] = {"queued": [], "off": []}
    analysed_before = CommentAnalysis.objects.count()

    def submit_many(kind: str) -> None:
        responses_service.response_analysis_queue = real if kind == "queued" else (lambda **_kw: None)
        for _ in range(per_round):
            started = time.perf_counter()
            with transaction.atomic():  # the web request's transaction; on_commit runs as it closes
                responses_service.response_submit(
                    survey=survey, questions=questions, answers=answers, language="ru", source="api"
                )
            times[kind].append(time.perf_counter() - started)

    try:
        for _ in range(rounds):
            for kind in ("queued", "off", "off", "queued"):
                submit_many(kind)
    finally:
        responses_service.response_analysis_queue = real
    synchronous = CommentAnalysis.objects.count() - analysed_before
    return {
        "queued_ms": 1000 * statistics.median(times["queued"]),
        "off_ms": 1000 * statistics.median(times["off"]),
        "n": len(times["queued"]),
        "analysed_in_request": synchronous,
    }


def purge_broker() -> None:
    from cxprogram.celery import app

    try:
        app.control.purge()
    except Exception as error:  # noqa: BLE001 — a broker that went away is reported, not fatal here
        log(f"  (could not purge the broker's queue: {error})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the database if it holds N comments")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/15", help="where submissions queue the analysis")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=40)
    parser.add_argument("--db-name", default="cx_bench_text")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", type=int, default=5432)
    parser.add_argument("--db-user", default="postgres")
    args = parser.parse_args()
    try:
        reused = prepare_database(args)
        django_setup(args)
        if not reused:
            seed(args)
        log("1. taxonomy and sentiment model")
        train_s, accuracy = train()
        log(f"2. backfill of {args.comments:,} comments (one process)")
        filled = backfill()
        rate, cpu_rate = filled["n"] / filled["wall"], filled["n"] / max(filled["cpu"], 1e-9)
        log(f"  {filled['n']:,} comments in {filled['wall']:.0f} s: {rate:,.0f} comments/s wall, "
            f"{cpu_rate:,.0f}/s of this process's CPU; {filled['mentions']:,} theme mentions written")  # fmt: skip
        base = pure_analysis()
        base_rate = base["n"] / base["wall"]
        log(f"  BASELINE pure analysis (no database) of {base['n']:,} comments: {base_rate:,.0f} comments/s wall, "
            f"{base['n'] / max(base['cpu'], 1e-9):,.0f}/s CPU; backfill/baseline = {rate / base_rate:.2f}")  # fmt: skip
        log(f"3. submission cost ({args.rounds} ABBA rounds of {args.per_round})")
        cost = submission_cost(args.rounds, args.per_round)
        added = cost["queued_ms"] - cost["off_ms"]
        log(f"  response_submit with a comment: {cost['queued_ms']:.2f} ms median with the analysis queued, "
            f"{cost['off_ms']:.2f} ms with it off: {added:+.2f} ms ({cost['queued_ms'] / cost['off_ms']:.2f}×); "
            f"analyses written inside the request: {cost['analysed_in_request']}")  # fmt: skip
        purge_broker()
    except RunBroken as error:
        log(f"RUN BROKEN: {error}")
        return 2
    load = os.getloadavg()[0]
    complete = filled["analysed"] == args.comments
    ok = rate >= TARGET_RATE and complete and cost["analysed_in_request"] == 0
    verdict = "PASS" if ok else "FAIL"
    print(
        f"VERDICT: {verdict} backfill={rate:,.0f}/s (target >= {TARGET_RATE:,.0f}) cpu_rate={cpu_rate:,.0f}/s "
        f"analysed={filled['analysed']:,}/{args.comments:,} submit_added={added:+.2f}ms "
        f"analysed_in_request={cost['analysed_in_request']} train={train_s:.0f}s accuracy={accuracy:.1%} "
        f"load={load:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
