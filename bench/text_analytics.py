"""Text analytics at scale on PostgreSQL: the backfill over 1,000,000 comments, and what analysis adds to a
survey submission.

    .venv/bin/python bench/text_analytics.py [--comments 1000000] [--workers 2] [--reuse] [--db-name cx_bench_text]
        [--broker redis://127.0.0.1:6379/15]

Builds its own database: one survey (NPS + a comment) answered N times, the comments drawn from 20,000 distinct
texts made of the project's 360 hand-written labelled comments (one or two, some with a number), the NPS near the
one each comment's writer gave, inserted with set-based SQL. Then:
  1. seeds the retail taxonomy and trains the sentiment model (timed); BASELINE, in the same run: the pure
     analysis of 50,000 stored comments in this one process, no database;
  2. BACKFILL: starts a real Celery worker with --workers processes and clicks the admin's "analyse comments not
     yet analysed": the job is cut into id-range chunks, one task each, shared by the processes. Reports the wall
     rate (target 1,000 a second), the rate per process, each process's CPU seconds and the load average;
  3. SUBMISSION: `response_submit` with a comment, counting broker publishes and queries on the analysis tables
     inside it (target: none), timed in ABBA rounds against the previous design (a publish after the commit);
     then the beat's next run analyses the new comments.
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
WORKER_LOG = ROOT / "var" / "bench_text_worker.log"

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
            "transaction_ref, contact_details, anonymous) "
            "SELECT %s, 'ru', 'api', now() - (g %% 365) * interval '1 day' - (g %% 86400) * interval '1 second', "
            "'', '', '', '', false FROM generate_series(1, %s) AS g",
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
    from surveys.services.text import taxonomy_seed_retail
    from surveys.services.text_jobs import sentiment_model_train

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


def backfill(args) -> dict:
    """The admin's backfill button: the job is queued, cut into chunks, and the worker's processes share them.
    Wall clock from the click to the job done; each worker process's CPU; PostgreSQL's share not included."""
    from django.db import connection

    from bench.celery_workers import children, cpu_seconds, start_workers
    from surveys.models import CommentAnalysis, TextJob
    from surveys.services.text import text_job_start

    CommentAnalysis.objects.all().delete()
    purge_broker()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=database_url(args), DEBUG="0",
               CELERY_BROKER_URL=args.broker, CELERY_TASK_ALWAYS_EAGER="0")  # fmt: skip
    try:
        worker = start_workers(args.workers, env, WORKER_LOG)
    except RuntimeError as error:
        raise RunBroken(str(error)) from error
    try:
        processes = children(worker.pid)
        cpu_before = {pid: cpu_seconds(pid) for pid in processes}
        loads = []
        wall = time.perf_counter()
        job = text_job_start(kind=TextJob.Kind.BACKFILL)  # queued at once: no transaction is open here
        last_log = 0.0
        while True:
            time.sleep(1)
            job.refresh_from_db()
            elapsed = time.perf_counter() - wall
            loads.append(os.getloadavg()[0])
            if job.status in (TextJob.Status.DONE, TextJob.Status.FAILED):
                break
            if elapsed - last_log >= 30:
                last_log = elapsed
                log(f"  {job.done:,}/{job.total:,} ({job.progress}%) after {elapsed:.0f} s, load {loads[-1]:.1f}")
            if elapsed > args.timeout:
                raise RunBroken(f"the backfill did not finish in {args.timeout} s ({job.done:,} done)")
        wall = time.perf_counter() - wall
        cpu = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in processes}
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    if job.status != TextJob.Status.DONE:
        raise RunBroken(f"the backfill job failed: {job.message}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM surveys_commentanalysis")
        analysed = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM surveys_thememention")
        mentions = cursor.fetchone()[0]
    return {"n": job.done, "analysed": analysed, "mentions": mentions, "wall": wall, "cpu": cpu,
            "chunks": job.chunks.count(), "load_mean": statistics.mean(loads), "load_max": max(loads)}  # fmt: skip


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
    """What text analytics adds to a submission: `response_submit` with a comment, counting every message
    published to the broker and every query on the analysis tables inside it; for scale, the same submission in
    ABBA rounds against the previous design (the analysis task published to the broker after the commit).
    Then the beat's next run analyses the new comments."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from kombu.messaging import Producer

    from surveys.models import CommentAnalysis, Survey
    from surveys.services import responses as responses_service
    from surveys.services.text import comments_analyse_new
    from surveys.tasks import analyse_response

    survey = Survey.objects.get(public_id="bench-text")
    questions = list(survey.questions.order_by("order"))
    answers = {questions[0].pk: 3, questions[1].pk: "Курьер опоздал на два часа, а оператор не перезвонил."}
    times: dict[str, list[float]] = {"now": [], "publish": []}
    published = {"now": 0, "publish": 0}
    real_publish = Producer.publish
    analysis_queries = 0
    analysed_before = CommentAnalysis.objects.count()
    first = survey.responses.order_by("-pk").values_list("pk", flat=True).first()  # the run's own go after it
    current = {"kind": "now"}

    def counting_publish(self, *a, **kw):
        published[current["kind"]] += 1
        return real_publish(self, *a, **kw)

    def submit_many(kind: str) -> None:
        nonlocal analysis_queries
        current["kind"] = kind
        for _ in range(per_round):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries, transaction.atomic():  # the web request's transaction
                response = responses_service.response_submit(
                    survey=survey, questions=questions, answers=answers, language="ru", source="api"
                )
                if kind == "publish":  # the previous design: the analysis queued to the broker after the commit
                    transaction.on_commit(lambda pk=response.pk: analyse_response.apply_async((pk,), retry=False))
            times[kind].append(time.perf_counter() - started)
            analysis_queries += sum("commentanalysis" in q["sql"] or "thememention" in q["sql"] for q in queries)

    Producer.publish = counting_publish
    try:
        for _ in range(rounds):
            for kind in ("now", "publish", "publish", "now"):
                submit_many(kind)
    finally:
        Producer.publish = real_publish
    analysed_in_request = CommentAnalysis.objects.count() - analysed_before
    started = time.perf_counter()
    by_beat = comments_analyse_new()
    beat_s = time.perf_counter() - started
    survey.responses.filter(pk__gt=first).delete()  # so that --reuse finds exactly N comments next time
    return {
        "now_ms": 1000 * statistics.median(times["now"]),
        "publish_ms": 1000 * statistics.median(times["publish"]),
        "n": len(times["now"]) + len(times["publish"]),
        "published": published["now"],
        "published_before": published["publish"],
        "analysis_queries": analysis_queries,
        "analysed_in_request": analysed_in_request,
        "by_beat": by_beat,
        "beat_s": beat_s,
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
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/15", help="the Celery broker of the bench")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes sharing the backfill")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds the backfill may take")
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
        log(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
        log("1. taxonomy and sentiment model")
        train_s, accuracy = train()
        log("   BASELINE, same run: the pure analysis (no database) in this one process")
        base = pure_analysis()
        base_rate = base["n"] / base["wall"]
        log(f"  {base['n']:,} comments: {base_rate:,.0f} comments/s wall, {base['n'] / max(base['cpu'], 1e-9):,.0f}/s "
            "of CPU")  # fmt: skip
        log(f"2. backfill of {args.comments:,} comments: the admin's job, cut into chunks shared by a Celery worker "
            f"with {args.workers} processes")  # fmt: skip
        filled = backfill(args)
        rate = filled["n"] / filled["wall"]
        per_process = rate / args.workers
        cpu = filled["cpu"]
        log(f"  {filled['n']:,} comments in {filled['wall']:.0f} s ({filled['chunks']} chunks): {rate:,.0f} comments/s "
            f"wall, {per_process:,.0f}/s per process; {filled['mentions']:,} theme mentions written; load average "
            f"{filled['load_mean']:.1f} mean, {filled['load_max']:.1f} max during it")  # fmt: skip
        for pid, seconds in cpu.items():
            log(f"    worker process {pid}: {seconds:.0f} CPU s ({seconds / filled['wall']:.0%} of the wall time)")
        cpu_rate = filled["n"] / max(sum(cpu.values()), 1e-9)
        log(f"  per CPU second of the workers: {cpu_rate:,.0f} comments; backfill (wall) / baseline (one process) = "
            f"{rate / base_rate:.2f}, per process / baseline = {per_process / base_rate:.2f}")  # fmt: skip
        log(f"3. submission cost ({args.rounds} ABBA rounds of {args.per_round})")
        cost = submission_cost(args.rounds, args.per_round)
        added = 0.0 if cost["published"] == cost["analysis_queries"] == cost["analysed_in_request"] == 0 else None
        log(
            f"  response_submit with a comment: {cost['published']} broker publishes, {cost['analysis_queries']} "
            f"queries on the analysis tables, {cost['analysed_in_request']} analyses written: nothing added"
        )
        log(f"  for scale: {cost['now_ms']:.2f} ms median now, {cost['publish_ms']:.2f} ms with the previous design's "
            f"publish after the commit ({cost['published_before']} publishes): "
            f"{cost['publish_ms'] - cost['now_ms']:+.2f} ms saved per submission")  # fmt: skip
        log(f"  the beat's next run analysed {cost['by_beat']} new comments in {cost['beat_s']:.2f} s")
        purge_broker()
    except RunBroken as error:
        log(f"RUN BROKEN: {error}")
        return 2
    load = os.getloadavg()[0]
    complete = filled["analysed"] == args.comments
    ok = rate >= TARGET_RATE and complete and added == 0.0 and cost["by_beat"] == cost["n"]
    verdict = "PASS" if ok else "FAIL"
    print(
        f"VERDICT: {verdict} backfill={rate:,.0f}/s (target >= {TARGET_RATE:,.0f}) per_process={per_process:,.0f}/s "
        f"workers={args.workers} cpu_rate={cpu_rate:,.0f}/s baseline={base_rate:,.0f}/s "
        f"analysed={filled['analysed']:,}/{args.comments:,} submit_publishes={cost['published']} "
        f"submit_analysis_queries={cost['analysis_queries']} by_beat={cost['by_beat']} train={train_s:.0f}s "
        f"accuracy={accuracy:.1%} load_during={filled['load_mean']:.1f} load_end={load:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
