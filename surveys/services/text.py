"""Writes of text analytics: analysing comments (on submit and in background passes), training the
program's sentiment model, and taxonomy changes that re-tag every comment."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from surveys.models import Answer, CommentAnalysis, Question, SentimentClassifier, TextJob, Theme, ThemeMention
from surveys.text.analyse import analyse_batch
from surveys.text.lemmas import tokens
from surveys.text.lexicon import label, score_tokens
from surveys.text.match import Taxonomy, split_markers
from surveys.text.pii import has_personal_data
from surveys.text.retail import RETAIL_THEMES
from surveys.text.sentiment import SentimentModel, model_features

logger = logging.getLogger(__name__)

BATCH = 2000
TRAINING_LIMIT = 50_000  # the newest comments a model learns from; enough, and training stays under a minute
TEXT_TYPES = list(Question.TEXT_TYPES)


@dataclass
class _Compiled:
    key: tuple
    taxonomy: Taxonomy
    theme_ids: dict[str, int]


_taxonomy_cache: dict[str, _Compiled] = {}
_model_cache: dict[int, SentimentModel] = {}


def taxonomy_current() -> tuple[Taxonomy, dict[str, int]]:
    """The active themes compiled for matching, rebuilt only when a theme changed (one small query)."""
    themes = Theme.objects.filter(active=True)
    key = tuple(themes.aggregate(n=Count("pk"), latest=Max("updated_at"), ids=Sum("pk")).values())
    cached = _taxonomy_cache.get("current")
    if cached is None or cached.key != key:
        rows = list(themes.values_list("pk", "code", "markers"))
        markers = [(code, marker) for _pk, code, text in rows for marker in split_markers(text)]
        cached = _Compiled(key, Taxonomy(markers), {code: pk for pk, code, _text in rows})
        _taxonomy_cache["current"] = cached
    return cached.taxonomy, cached.theme_ids


def classifier_current() -> SentimentModel | None:
    """The program's active sentiment model, or None while the built-in lexicon is in charge."""
    row = SentimentClassifier.objects.filter(active=True).values_list("pk", flat=True).first()
    if row is None:
        return None
    if row not in _model_cache:
        _model_cache.clear()
        _model_cache[row] = SentimentModel.from_bytes(bytes(SentimentClassifier.objects.get(pk=row).data))
    return _model_cache[row]


def comments_store(rows: list[tuple[int, int, str]], *, replace: bool) -> int:
    """Analyse (answer id, response id, text) rows and write their analyses and mentions in bulk.

    `replace`: the rows may have analyses already (a re-tag), so theirs are replaced."""
    if not rows:
        return 0
    taxonomy, theme_ids = taxonomy_current()
    results = analyse_batch([text for _a, _r, text in rows], taxonomy, classifier_current())
    analyses = []
    mentions = []
    for (answer_id, response_id, text), result in zip(rows, results, strict=True):
        analyses.append(
            CommentAnalysis(
                answer_id=answer_id,
                response_id=response_id,
                language=result.language,
                sentiment=result.sentiment,
                score=max(-1.0, min(1.0, result.score)),
                has_personal_data=has_personal_data(text),
            )
        )
        for mention in result.mentions:
            mentions.append(
                ThemeMention(
                    analysis_id=answer_id,
                    response_id=response_id,
                    theme_id=theme_ids[mention.theme],
                    sentiment=mention.sentiment,
                    score=max(-1.0, min(1.0, mention.score)),
                    start=mention.start,
                    end=mention.end,
                )
            )
    ids = [answer_id for answer_id, _r, _t in rows]
    with transaction.atomic():
        if replace:
            ThemeMention.objects.filter(analysis_id__in=ids).delete()
            CommentAnalysis.objects.bulk_create(
                analyses,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["answer"],
                update_fields=["language", "sentiment", "score", "has_personal_data", "analysed_at"],
            )
        else:
            CommentAnalysis.objects.bulk_create(analyses, batch_size=500, ignore_conflicts=True)
        ThemeMention.objects.bulk_create(mentions, batch_size=1000)
    return len(rows)


def response_comments_analyse(*, response_id: int) -> int:
    """Analyse one response's comments (queued after a submission commits); a re-delivery replaces, never doubles."""
    rows = list(
        Answer.objects.filter(response_id=response_id, question_type__in=TEXT_TYPES).values_list(
            "pk", "response_id", "text"
        )
    )
    return comments_store(rows, replace=True)


def text_job_create(*, kind: str) -> TextJob:
    """A queued job row for a pass the caller runs itself (beat tasks)."""
    return TextJob.objects.create(kind=kind)


def text_job_start(*, kind: str) -> TextJob:
    """Queue a background pass, started after the transaction commits; a job of that kind still waiting in the
    queue is reused, so ten quick edits of the taxonomy make one re-tag."""
    job = TextJob.objects.filter(kind=kind, status=TextJob.Status.QUEUED).first()
    if job is None:
        job = TextJob.objects.create(kind=kind)
        transaction.on_commit(lambda: _queue(job.pk))
    return job


def _queue(job_id: int) -> None:
    from surveys.tasks import run_text_job  # the tasks module imports this one

    try:
        run_text_job.apply_async((job_id,), retry=False)
    except (BrokerError, OSError) as error:  # the job stays queued; the admin shows it and can start it again
        logger.warning("text job %s not queued (broker unavailable: %s)", job_id, error)


def response_analysis_queue(*, response_id: int) -> None:
    """Queue the analysis of a new response's comments; a broker outage is logged, never raised (the
    submission stands, and the beat's sweep analyses what was missed)."""
    from surveys.tasks import analyse_response

    try:
        analyse_response.apply_async((response_id,), retry=False)
    except (BrokerError, OSError) as error:
        logger.warning("comments of response %s not queued (broker unavailable: %s)", response_id, error)


def taxonomy_changed() -> TextJob:
    """After a theme was added, edited or removed: re-tag every comment in the background."""
    return text_job_start(kind=TextJob.Kind.RETAG)


def text_job_run(*, job_id: int, batch: int = BATCH) -> TextJob:
    """Run a queued job; a job already claimed by another worker (or finished) is left alone."""
    claimed = TextJob.objects.filter(pk=job_id, status=TextJob.Status.QUEUED).update(
        status=TextJob.Status.RUNNING, started_at=timezone.now()
    )
    job = TextJob.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        if job.kind == TextJob.Kind.TRAIN:
            classifier = sentiment_model_train()
            job.message = f"accuracy {classifier.accuracy:.1%}" if classifier else "not enough scored comments yet"
        else:
            _pass_over_comments(job, batch=batch, replace=job.kind == TextJob.Kind.RETAG)
        job.status = TextJob.Status.DONE
    except Exception as error:
        logger.exception("text job %s failed", job_id)
        job.status, job.message = TextJob.Status.FAILED, str(error)[:300]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])
    job.refresh_from_db()
    return job


def _pass_over_comments(job: TextJob, *, batch: int, replace: bool) -> None:
    comments = Answer.objects.filter(question_type__in=TEXT_TYPES)
    if not replace:
        comments = comments.filter(analysis__isnull=True)
    job.total = comments.count()
    TextJob.objects.filter(pk=job.pk).update(total=job.total)
    last = 0
    while True:
        rows = list(comments.filter(pk__gt=last).order_by("pk").values_list("pk", "response_id", "text")[:batch])
        if not rows:
            return
        comments_store(rows, replace=replace)
        last = rows[-1][0]
        TextJob.objects.filter(pk=job.pk).update(done=F("done") + len(rows))


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


def theme_add_marker(*, theme: Theme, phrase: str) -> Theme:
    """Add a discovered phrase to a theme's markers (re-tagging follows)."""
    if phrase.lower() not in {m.lower() for m in theme.marker_list()}:
        theme.markers = ", ".join([*theme.marker_list(), phrase])
        theme.save(update_fields=["markers", "updated_at"])
        taxonomy_changed()
    return theme


def theme_create(*, code: str, name_en: str, name_ru: str, markers: str, parent: Theme | None = None) -> Theme:
    """A new theme (from a discovered phrase, or written by hand); re-tagging follows."""
    theme = Theme.objects.create(code=code, name_en=name_en, name_ru=name_ru, markers=markers, parent=parent)
    taxonomy_changed()
    return theme


@transaction.atomic
def taxonomy_seed_retail() -> int:
    """Create the retail taxonomy's themes that do not exist yet (by code); existing ones are left as edited."""
    existing = set(Theme.objects.values_list("code", flat=True))
    created = 0
    for code, parent, name_en, name_ru, root_cause, markers in RETAIL_THEMES:
        if code in existing:
            continue
        Theme.objects.create(
            code=code,
            parent=Theme.objects.filter(code=parent).first() if parent else None,
            name_en=name_en,
            name_ru=name_ru,
            root_cause=root_cause,
            markers=markers,
        )
        created += 1
    return created


def text_analyse(*, text: str, language: str | None = None) -> dict:
    """Themes and sentiment of one text, nothing stored (the API's /text/analyse/): mentions by theme code,
    `themes` with every mentioned theme and the themes above it."""
    taxonomy, _ids = taxonomy_current()
    result = analyse_batch([text], taxonomy, classifier_current())[0]
    parents = dict(Theme.objects.filter(active=True).values_list("code", "parent__code"))
    codes: set[str] = set()
    for code in result.themes:
        while code and code not in codes:
            codes.add(code)
            code = parents.get(code)
    return {
        "language": language or result.language,
        "sentiment": result.sentiment,
        "score": result.score,
        "themes": sorted(codes),
        "mentions": [
            {"theme": m.theme, "sentiment": m.sentiment, "start": m.start, "end": m.end} for m in result.mentions
        ],
    }
