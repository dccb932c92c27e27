"""Background passes of text analytics: a backfill or re-tag cut into id ranges (chunks) that run as separate
Celery tasks, so every worker process shares the work; training the sentiment model; and the beat's sweep of
jobs whose worker died."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from surveys.models import Answer, Question, SentimentClassifier, TextJob, TextJobChunk
from surveys.services.text import BATCH, TEXT_TYPES, comments_store, text_job_start
from surveys.text.lemmas import tokens
from surveys.text.lexicon import label, score_tokens
from surveys.text.sentiment import SentimentModel, model_features

logger = logging.getLogger(__name__)

CHUNK = 20_000  # comments per chunk: 1,000,000 comments make 50 tasks, each a few seconds to a minute
TRAINING_LIMIT = 50_000  # the newest comments a model learns from; enough, and training stays under a minute
MAX_RESUMES = 3  # a job that stalls more often than this is marked failed


def text_job_run(*, job_id: int, batch: int = BATCH, inline: bool = True) -> TextJob:
    """Run a queued job; a job already claimed by another worker (or finished) is left alone.

    A backfill or re-tag is cut into chunks of CHUNK comments; `inline` runs them here, one after another (the
    demo, the beat's sweep, tests), otherwise each is queued as its own task for the workers to share (the
    admin's buttons); the job is done when its last chunk is."""
    claimed = TextJob.objects.filter(pk=job_id, status=TextJob.Status.QUEUED).update(
        status=TextJob.Status.RUNNING, started_at=timezone.now(), progress_at=timezone.now()
    )
    job = TextJob.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        if job.kind == TextJob.Kind.TRAIN:
            classifier = sentiment_model_train()
            message = f"accuracy {classifier.accuracy:.1%}" if classifier else "not enough scored comments yet"
            _finish(job.pk, TextJob.Status.DONE, message)
        else:
            chunks = _plan(job)
            if inline:
                for chunk_id in chunks:
                    text_chunk_run(chunk_id=chunk_id, batch=batch)
            else:
                transaction.on_commit(lambda: _queue_chunks(chunks))
    except Exception as error:
        logger.exception("text job %s failed", job_id)
        _finish(job.pk, TextJob.Status.FAILED, str(error)[:300])
    job.refresh_from_db()
    return job


def _comments(job: TextJob):
    comments = Answer.objects.filter(question_type__in=TEXT_TYPES)
    return comments if job.kind == TextJob.Kind.RETAG else comments.filter(analysis__isnull=True)


@transaction.atomic
def _plan(job: TextJob) -> list[int]:
    """Cut the job's comments into id ranges of CHUNK comments (one index walk), record them and the total."""
    comments = _comments(job)
    bounds, total, last = [], 0, 0
    while True:
        upper = list(comments.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[CHUNK - 1 : CHUNK])
        if upper:
            bounds.append((last + 1, upper[0]))
            total, last = total + CHUNK, upper[0]
            continue
        rest = list(comments.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True))
        if rest:
            bounds.append((last + 1, rest[-1]))
            total += len(rest)
        break
    chunks = TextJobChunk.objects.bulk_create(
        [TextJobChunk(job=job, first_id=first, last_id=upper, position=first - 1) for first, upper in bounds]
    )
    TextJob.objects.filter(pk=job.pk).update(total=total)
    if not chunks:
        _finish(job.pk, TextJob.Status.DONE, "")
    return [chunk.pk for chunk in chunks]


def _queue_chunks(chunk_ids: list[int]) -> None:
    from surveys.tasks import run_text_chunk  # the tasks module imports this one

    for position, chunk_id in enumerate(chunk_ids):
        try:
            run_text_chunk.apply_async((chunk_id,), retry=False)
        except (BrokerError, OSError) as error:
            # This worker runs; with the broker gone it does the rest itself rather than leave the job hanging.
            logger.warning("text chunks not queued (broker unavailable: %s); running them here", error)
            for rest in chunk_ids[position:]:
                text_chunk_run(chunk_id=rest)
            return


@contextmanager
def _chunk_lock(chunk_id: int) -> Iterator[bool]:
    """True when this process may run the chunk: on PostgreSQL a session advisory lock, so a chunk re-queued
    by the sweep while its first task still runs is not done twice at once (a dead worker's lock goes with its
    connection). Elsewhere (SQLite, one worker) always True."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [18, chunk_id])
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [18, chunk_id])


def text_chunk_run(*, chunk_id: int, batch: int = BATCH) -> int:
    """Analyse one chunk's comments from where it stopped, batch by batch, each batch written with its progress
    in one transaction; the last chunk to finish marks the job done. The number of comments done here."""
    chunk = TextJobChunk.objects.select_related("job").get(pk=chunk_id)
    job = chunk.job
    if chunk.finished_at is not None or job.status != TextJob.Status.RUNNING:
        return 0
    replace = job.kind == TextJob.Kind.RETAG
    comments = _comments(job).filter(pk__lte=chunk.last_id).order_by("pk").values_list("pk", "response_id", "text")
    done = 0
    with _chunk_lock(chunk.pk) as locked:
        if not locked:
            return 0
        position = TextJobChunk.objects.values_list("position", flat=True).get(pk=chunk.pk)
        while rows := list(comments.filter(pk__gt=position)[:batch]):
            position = rows[-1][0]
            with transaction.atomic():
                _commit_without_waiting()
                comments_store(rows, replace=replace)
                TextJobChunk.objects.filter(pk=chunk.pk).update(position=position, done=F("done") + len(rows))
                TextJob.objects.filter(pk=job.pk).update(done=F("done") + len(rows), progress_at=timezone.now())
            done += len(rows)
        finished = TextJobChunk.objects.filter(pk=chunk.pk, finished_at__isnull=True).update(finished_at=timezone.now())
        if finished and not TextJobChunk.objects.filter(job=job, finished_at__isnull=True).exists():
            _finish(job.pk, TextJob.Status.DONE, job.message)
    return done


def _commit_without_waiting() -> None:
    """A batch's commit does not wait for the disk (PostgreSQL): a crash may lose the last batches, and with them
    their chunk's position, written in the same transaction, so the chunk resumes before them. Nothing is lost."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _finish(job_id: int, status: str, message: str) -> None:
    TextJob.objects.filter(pk=job_id, status=TextJob.Status.RUNNING).update(
        status=status, message=message[:300], finished_at=timezone.now()
    )


def text_jobs_sweep_stale(*, older_than: timedelta) -> int:
    """Beat: a running job without progress for `older_than` lost its worker. A backfill or re-tag is resumed
    (its unfinished chunks queued again, each from where it stopped) up to MAX_RESUMES times, then marked
    failed; a training run is marked failed. The reason is written on the job. The number of jobs swept."""
    now = timezone.now()
    cutoff = now - older_than
    stale = TextJob.objects.filter(status=TextJob.Status.RUNNING).filter(
        Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, started_at__lt=cutoff)
    )
    minutes = int(older_than.total_seconds() // 60)
    swept = 0
    for job in stale:
        if job.kind == TextJob.Kind.TRAIN or job.resumed >= MAX_RESUMES:
            reason = f"stopped: no progress for {minutes} min (worker lost); start it again"
            swept += TextJob.objects.filter(
                pk=job.pk, status=TextJob.Status.RUNNING, progress_at=job.progress_at
            ).update(status=TextJob.Status.FAILED, message=reason, finished_at=now)
            continue
        claimed = TextJob.objects.filter(pk=job.pk, status=TextJob.Status.RUNNING, progress_at=job.progress_at).update(
            resumed=F("resumed") + 1,
            progress_at=now,
            message=f"resumed after no progress for {minutes} min (worker lost)",
        )
        if not claimed:
            continue
        swept += 1
        chunks = list(job.chunks.filter(finished_at__isnull=True).values_list("pk", flat=True))
        if chunks:
            transaction.on_commit(lambda chunks=chunks: _queue_chunks(chunks))
        elif not job.chunks.exists():  # the worker died before cutting the job: cut it again
            TextJob.objects.filter(pk=job.pk).update(status=TextJob.Status.QUEUED)
            transaction.on_commit(lambda job_id=job.pk: _queue_job(job_id))
    return swept


def _queue_job(job_id: int) -> None:
    from surveys.services.text import _queue

    _queue(job_id)


def scored_comments(limit: int = TRAINING_LIMIT) -> list[tuple[str, str]]:
    """(text, label) of the newest comments whose response has an NPS, CSAT or CES score: a detractor's
    comment is labelled negative, a promoter's positive, a passive's neutral (the same bands as the results)."""
    scores = Answer.objects.filter(
        response=OuterRef("response"), question_type__in=[Question.Type.NPS, Question.Type.CSAT, Question.Type.CES]
    ).order_by("question__page", "question__order", "question_id")
    rows = (
        Answer.objects.filter(question_type__in=TEXT_TYPES)
        .annotate(score=Subquery(scores.values("number")[:1]), score_type=Subquery(scores.values("question_type")[:1]))
        .filter(score__isnull=False)
        .annotate(
            band=Case(
                When(Q(score_type="nps", score__lte=6) | Q(score_type="csat", score__lte=2), then=Value(-1)),
                When(Q(score_type="ces", score__gte=5), then=Value(-1)),
                When(Q(score_type="nps", score__gte=9) | Q(score_type="csat", score__gte=4), then=Value(1)),
                When(Q(score_type="ces", score__lte=2), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-pk")
        .values_list("text", "band")[:limit]
    )
    names = {-1: "negative", 0: "neutral", 1: "positive"}
    return [(text, names[band]) for text, band in rows]


def sentiment_model_train() -> SentimentClassifier | None:
    """Train the program's model on its scored comments, measure it on a held-out fifth against the same
    labels (beside the built-in lexicon's accuracy), put it in use and re-analyse every comment with it.
    None when there are too few scored comments or a sentiment never occurs."""
    examples = scored_comments()
    documents, labels, lexicon_hits = [], [], 0
    for text, wanted in examples:
        scored = score_tokens(tokens(text))
        documents.append(model_features(scored.features, scored.score))
        labels.append(wanted)
        lexicon_hits += label(scored.score) == wanted
    try:
        model, evaluation = SentimentModel.train(documents, labels)
    except ValueError:
        return None
    with transaction.atomic():
        SentimentClassifier.objects.filter(active=True).update(active=False)
        classifier = SentimentClassifier.objects.create(
            n_train=evaluation.n_train,
            n_test=evaluation.n_test,
            accuracy=evaluation.accuracy,
            lexicon_accuracy=round(lexicon_hits / len(examples), 4),
            label_counts=evaluation.per_label,
            data=model.to_bytes(),
            active=True,
        )
        text_job_start(kind=TextJob.Kind.RETAG)
    return classifier
