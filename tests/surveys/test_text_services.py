"""Text analytics in the database: analysis queued on submit, backfill and re-tag passes with progress,
the sentiment model trained on the program's scored comments, and the impact figures of a themes report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from surveys.models import (
    Answer,
    CommentAnalysis,
    Question,
    Response,
    SentimentClassifier,
    TextJob,
    TextJobChunk,
    Theme,
)
from surveys.selectors.themes import suggested_root_cause, with_theme
from surveys.services.responses import response_submit
from surveys.services.text import comments_store, taxonomy_changed, taxonomy_seed_retail, theme_add_marker
from surveys.services.text_jobs import sentiment_model_train, text_chunk_run, text_job_run, text_jobs_sweep_stale
from surveys.tasks import analyse_new_comments
from tests.surveys.factories import QuestionFactory, SurveyFactory
from tests.surveys.labelled import labelled_comments

QT = Question.Type


@pytest.fixture
def retail(db):
    taxonomy_seed_retail()


@pytest.fixture
def survey(db):
    survey = SurveyFactory(public_id="visit")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS, order=1)
    comment = QuestionFactory(survey=survey, code="why", type=QT.LONG_TEXT, required=False, order=2)
    return survey, nps, comment


def add_response(survey, nps_q, comment_q, score: int | None, text: str = "", **context) -> Response:
    """A response written in bulk, as the demo and imports write them (no analysis queued)."""
    response = Response.objects.create(
        survey=survey, language="ru", source="api", submitted_at=context.pop("at", timezone.now()), **context
    )
    rows = []
    if score is not None:
        rows.append(Answer(response=response, question=nps_q, question_type=QT.NPS, number=score))
    if text:
        rows.append(Answer(response=response, question=comment_q, question_type=QT.LONG_TEXT, text=text))
    Answer.objects.bulk_create(rows)
    return response


def test_a_submission_publishes_nothing_and_the_next_beat_run_analyses_it(
    retail, survey, django_capture_on_commit_callbacks, monkeypatch
):
    survey, nps, comment = survey
    published = []
    monkeypatch.setattr("kombu.messaging.Producer.publish", lambda *a, **kw: published.append(a))
    monkeypatch.setattr("celery.app.task.Task.apply_async", lambda *a, **kw: published.append(a))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = response_submit(
            survey=survey,
            questions=[nps, comment],
            answers={nps.pk: 3, comment.pk: "Курьеры опаздывают, а продавцы не очень вежливые"},
            language="ru",
            source="public_link",
        )
    # Nothing published to the broker, nothing left to run after the commit, nothing analysed in the request.
    assert (published, callbacks, CommentAnalysis.objects.count()) == ([], [], 0)
    assert analyse_new_comments() == 1  # the beat's next run
    analysis = CommentAnalysis.objects.get(response=response)
    assert analysis.sentiment == "negative"
    assert analysis.language == "ru"
    mentions = {m.theme.code: m.sentiment for m in analysis.mentions.select_related("theme")}
    assert mentions == {"delivery_couriers": "negative", "delivery_time": "negative", "staff": "negative",
                        "staff_politeness": "negative"}  # fmt: skip
    assert analyse_new_comments() == 0  # analysed once, never twice


def test_the_beat_scan_finds_comments_committed_out_of_order(retail, survey):
    survey, nps, comment = survey
    late = add_response(survey, nps, comment, 8, "Очередь на кассе")
    newer = add_response(survey, nps, comment, 9, "Всё отлично")
    answer = newer.answers.get(question=comment)
    comments_store([(answer.pk, newer.pk, answer.text)], replace=False)  # the newer one was analysed first
    assert analyse_new_comments() == 1
    assert CommentAnalysis.objects.filter(response=late).count() == 1


def test_a_response_without_a_comment_leaves_the_beat_nothing(retail, survey):
    survey, nps, comment = survey
    response_submit(survey=survey, questions=[nps, comment], answers={nps.pk: 9}, language="ru", source="api")
    assert analyse_new_comments() == 0
    assert not CommentAnalysis.objects.exists()


def test_backfill_analyses_what_is_missing_and_reports_progress(retail, survey):
    survey, nps, comment = survey
    for text in ["Доставка вовремя", "The queue was awful", "Всё отлично", "Chairs arrived broken", "ok"]:
        add_response(survey, nps, comment, 8, text)
    add_response(survey, nps, comment, 10)  # no comment: nothing to analyse
    job = TextJob.objects.create(kind=TextJob.Kind.BACKFILL)
    job = text_job_run(job_id=job.pk, batch=2)
    assert (job.status, job.total, job.done, job.progress) == ("done", 5, 5, 100)
    assert CommentAnalysis.objects.count() == 5
    # Run again: a finished job is not run twice, and a new backfill finds nothing left.
    assert text_job_run(job_id=job.pk).done == 5
    second = text_job_run(job_id=TextJob.objects.create(kind=TextJob.Kind.BACKFILL).pk)
    assert (second.total, second.done) == (0, 0)


def test_taxonomy_change_retags_every_comment(retail, survey, django_capture_on_commit_callbacks):
    survey, nps, comment = survey
    response = add_response(survey, nps, comment, 4, "В зале пахнет краской, голова болит")
    answer = response.answers.get(question=comment)
    comments_store([(answer.pk, response.pk, answer.text)], replace=False)
    assert not with_theme(Response.objects.all(), theme="store_comfort").exists()
    with django_capture_on_commit_callbacks(execute=True):
        theme_add_marker(theme=Theme.objects.get(code="store_comfort"), phrase="пахнуть краской")
    assert TextJob.objects.get().status == "done"
    assert list(with_theme(Response.objects.all(), theme="store_comfort")) == [response]
    assert list(with_theme(Response.objects.all(), theme="store", sentiment="negative")) == [response]


def test_ten_quick_edits_make_one_retag(retail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        jobs = {taxonomy_changed().pk for _ in range(10)}
    assert len(jobs) == 1


def band(score: int) -> str:
    return "negative" if score <= 6 else "neutral" if score <= 8 else "positive"


def test_model_is_trained_on_scored_comments_and_used(retail, survey, django_capture_on_commit_callbacks):
    survey, nps, comment = survey
    rows = labelled_comments()
    for row in rows:
        add_response(survey, nps, comment, row.score, row.text)
    with django_capture_on_commit_callbacks(execute=True):
        classifier = sentiment_model_train()
    assert classifier.active is True
    assert classifier.n_train + classifier.n_test == len(rows)
    assert classifier.label_counts == {
        s: sum(band(r.score) == s for r in rows) for s in ("negative", "neutral", "positive")
    }
    assert classifier.accuracy >= 0.7
    # Training queued a re-analysis with the new model: every comment now has the model's verdict.
    assert CommentAnalysis.objects.count() == len(rows)
    agree = sum(
        CommentAnalysis.objects.get(answer__text=row.text, answer__question=comment).sentiment == band(row.score)
        for row in rows[:60]
    )
    assert agree >= 45  # the model fits its own training labels well
    with django_capture_on_commit_callbacks(execute=True):
        second = sentiment_model_train()
    assert list(SentimentClassifier.objects.filter(active=True)) == [second]


def test_too_few_scored_comments_keep_the_lexicon(retail, survey):
    survey, nps, comment = survey
    add_response(survey, nps, comment, 2, "Плохо")
    assert sentiment_model_train() is None
    assert not SentimentClassifier.objects.exists()


def test_suggested_root_cause_comes_from_the_negative_theme(retail, survey):
    survey, nps, comment = survey
    response = add_response(survey, nps, comment, 2, "Продавец был вежлив, но доставку сорвали дважды")
    answer = response.answers.get(question=comment)
    comments_store([(answer.pk, response.pk, answer.text)], replace=False)
    cause, themes = suggested_root_cause(response)
    assert cause == "delivery"
    assert [t.code for t in themes] == ["delivery_time"] or {t.code for t in themes} >= {"delivery"}


def test_a_backfill_is_cut_into_chunks_that_workers_share(
    retail, survey, monkeypatch, django_capture_on_commit_callbacks
):
    survey, nps, comment = survey
    for text in ["Доставка вовремя", "The queue was awful", "Всё отлично", "Chairs arrived broken", "ok"]:
        add_response(survey, nps, comment, 8, text)
    monkeypatch.setattr("surveys.services.text_jobs.CHUNK", 2)
    queued = []
    monkeypatch.setattr("surveys.tasks.run_text_chunk.apply_async", lambda args, **kw: queued.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        job = text_job_run(job_id=TextJob.objects.create(kind=TextJob.Kind.BACKFILL).pk, inline=False)
    chunks = list(TextJobChunk.objects.filter(job=job).order_by("first_id"))
    assert (job.status, job.total, len(chunks)) == ("running", 5, 3)
    assert queued == [c.pk for c in chunks]  # one task per chunk, for any worker to take
    # The workers run them in any order; the last one to finish marks the job done.
    for chunk_id in reversed(queued):
        text_chunk_run(chunk_id=chunk_id)
        job.refresh_from_db()
        assert job.status == ("done" if chunk_id == queued[0] else "running")
    assert (job.done, job.progress, CommentAnalysis.objects.count()) == (5, 100, 5)
    assert text_chunk_run(chunk_id=queued[0]) == 0  # a re-delivered chunk does nothing twice


def test_a_job_left_running_by_a_dead_worker_is_resumed_then_failed(
    retail, survey, monkeypatch, django_capture_on_commit_callbacks
):
    survey, nps, comment = survey
    for text in ["Доставка вовремя", "The queue was awful", "Всё отлично"]:
        add_response(survey, nps, comment, 8, text)
    monkeypatch.setattr("surveys.services.text_jobs.CHUNK", 2)
    queued = []
    monkeypatch.setattr("surveys.tasks.run_text_chunk.apply_async", lambda args, **kw: queued.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        job = text_job_run(job_id=TextJob.objects.create(kind=TextJob.Kind.BACKFILL).pk, inline=False)
    text_chunk_run(chunk_id=queued[0], batch=1)  # the first chunk is done; the worker died before the second
    queued.clear()
    long_ago = timezone.now() - timedelta(minutes=20)
    TextJob.objects.filter(pk=job.pk).update(progress_at=long_ago)
    fresh = TextJob.objects.create(kind=TextJob.Kind.TRAIN, status="running", started_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert text_jobs_sweep_stale(older_than=timedelta(minutes=15)) == 1
    job.refresh_from_db()
    unfinished = TextJobChunk.objects.get(job=job, finished_at__isnull=True)
    assert (job.status, job.resumed, job.message) == (
        "running",
        1,
        "resumed after no progress for 15 min (worker lost)",
    )
    assert queued == [unfinished.pk]  # only the unfinished chunk, which goes on from where it stopped
    text_chunk_run(chunk_id=unfinished.pk)
    job.refresh_from_db()
    assert (job.status, job.done, CommentAnalysis.objects.count()) == ("done", 3, 3)
    # A training run that stalls cannot be resumed: failed, with the reason; a fresh one is left alone.
    stalled = TextJob.objects.create(kind=TextJob.Kind.TRAIN, status="running", started_at=long_ago)
    assert text_jobs_sweep_stale(older_than=timedelta(minutes=15)) == 1
    stalled.refresh_from_db()
    assert (stalled.status, stalled.message) == (
        "failed",
        "stopped: no progress for 15 min (worker lost); start it again",
    )
    fresh.refresh_from_db()
    assert fresh.status == "running"


def test_a_job_that_keeps_stalling_is_failed_with_the_reason(retail, survey):
    job = TextJob.objects.create(
        kind=TextJob.Kind.RETAG, status="running", resumed=3, progress_at=timezone.now() - timedelta(hours=1)
    )
    assert text_jobs_sweep_stale(older_than=timedelta(minutes=15)) == 1
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "stopped: no progress for 15 min (worker lost); start it again")
