"""Writes of text analytics: analysing comments in bulk (new ones found by the beat, and background passes),
queueing those passes, and taxonomy changes that re-tag every comment. Running the passes and training the
sentiment model: `surveys.services.text_jobs`."""

import logging
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Max, Sum
from kombu.exceptions import OperationalError as BrokerError

from surveys.models import Answer, CommentAnalysis, Question, SentimentClassifier, TextJob, Theme, ThemeMention
from surveys.text.analyse import analyse_batch
from surveys.text.match import Taxonomy, split_markers
from surveys.text.pii import has_personal_data
from surveys.text.retail import RETAIL_THEMES
from surveys.text.sentiment import SentimentModel

logger = logging.getLogger(__name__)

BATCH = 2000
NEW_LOOKBACK = 20_000  # answer ids the beat's scan looks back for comments committed out of order
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
    """Analyse (answer id, response id, text) rows and write their analyses and mentions in bulk; the number of
    comments written.

    `replace`: the rows may have analyses already (a re-tag), so theirs are replaced. Otherwise a comment that
    another process analysed meanwhile is left as it is (its mentions are not written twice)."""
    if not rows:
        return 0
    taxonomy, theme_ids = taxonomy_current()
    results = analyse_batch([text for _a, _r, text in rows], taxonomy, classifier_current())
    analyses = []
    mentions = []
    for (answer_id, response_id, text), result in zip(rows, results, strict=True):
        analyses.append(
            (answer_id, response_id, result.language, result.sentiment, _clamp(result.score), has_personal_data(text))
        )
        for mention in result.mentions:
            mentions.append(
                (answer_id, response_id, theme_ids[mention.theme], mention.sentiment, _clamp(mention.score),
                 mention.start, mention.end)
            )  # fmt: skip
    write = _write_postgresql if connection.vendor == "postgresql" else _write_orm
    with transaction.atomic():
        return write(analyses, mentions, replace=replace)


def _clamp(score: float) -> float:
    return max(-1.0, min(1.0, score))


ANALYSIS_COLUMNS = ("answer_id", "response_id", "language", "sentiment", "score", "has_personal_data")
MENTION_COLUMNS = ("analysis_id", "response_id", "theme_id", "sentiment", "score", "start", "end")


def _write_postgresql(analyses: list[tuple], mentions: list[tuple], *, replace: bool) -> int:
    """One INSERT … SELECT FROM unnest(arrays) per table: a batch of thousands of rows in two round trips."""
    quote = connection.ops.quote_name
    analysis_table, mention_table = CommentAnalysis._meta.db_table, ThemeMention._meta.db_table
    ids = [row[0] for row in analyses]
    # Table and column names come from the models; every value is a parameter.
    with connection.cursor() as cursor:
        if replace:
            cursor.execute(f"DELETE FROM {mention_table} WHERE analysis_id = ANY(%s::bigint[])", [ids])  # noqa: S608  # nosec B608
            conflict = "DO UPDATE SET " + ", ".join(  # nosec B608  # constant column names
                f"{column} = EXCLUDED.{column}" for column in ("language", "sentiment", "score", "has_personal_data")
            ) + ", analysed_at = EXCLUDED.analysed_at"  # fmt: skip
        else:
            conflict = "DO NOTHING"
        cursor.execute(
            f"INSERT INTO {analysis_table} ({', '.join(ANALYSIS_COLUMNS)}, analysed_at) "  # noqa: S608  # nosec B608
            "SELECT *, now() FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::float8[], "
            f"%s::bool[]) ON CONFLICT (answer_id) {conflict} RETURNING answer_id",
            [list(column) for column in zip(*analyses, strict=True)],
        )
        written = {row[0] for row in cursor.fetchall()}
        mentions = [row for row in mentions if row[0] in written]
        if mentions:
            cursor.execute(
                f"INSERT INTO {mention_table} ({', '.join(quote(c) for c in MENTION_COLUMNS)}) "  # noqa: S608  # nosec B608
                "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::float8[], "
                "%s::int[], %s::int[])",
                [list(column) for column in zip(*mentions, strict=True)],
            )
    return len(written)


def _write_orm(analyses: list[tuple], mentions: list[tuple], *, replace: bool) -> int:
    """The same writes through the ORM (SQLite, the embedded default)."""
    ids = [row[0] for row in analyses]
    if replace:
        ThemeMention.objects.filter(analysis_id__in=ids).delete()
        written = set(ids)
    else:
        written = set(ids) - set(CommentAnalysis.objects.filter(pk__in=ids).values_list("pk", flat=True))
    CommentAnalysis.objects.bulk_create(
        [CommentAnalysis(**dict(zip(ANALYSIS_COLUMNS, row, strict=True))) for row in analyses if row[0] in written],
        batch_size=500,
        update_conflicts=replace,
        unique_fields=["answer"] if replace else None,
        update_fields=["language", "sentiment", "score", "has_personal_data", "analysed_at"] if replace else None,
    )
    ThemeMention.objects.bulk_create(
        [ThemeMention(**dict(zip(MENTION_COLUMNS, row, strict=True))) for row in mentions if row[0] in written],
        batch_size=1000,
    )
    return len(written)


def comments_analyse_new(*, limit: int = BATCH, seconds: float = 4.0) -> int:
    """Beat, every few seconds: analyse the comments stored since the newest analysed one (a submission queues
    nothing, so the web request pays for no broker publish), batch after batch for up to `seconds`. The scan
    looks back NEW_LOOKBACK answer ids for comments whose transaction committed late; whatever it misses, the
    ten-minute sweep finds."""
    done = 0
    until = time.monotonic() + seconds  # a run ends before the next is due, however much is waiting
    while True:
        newest = CommentAnalysis.objects.aggregate(newest=Max("answer_id"))["newest"] or 0
        rows = list(
            Answer.objects.filter(question_type__in=TEXT_TYPES, pk__gt=newest - NEW_LOOKBACK, analysis__isnull=True)
            .order_by("pk")
            .values_list("pk", "response_id", "text")[:limit]
        )
        done += comments_store(rows, replace=False)
        if len(rows) < limit or time.monotonic() > until:
            return done


def response_comments_analyse(*, response_id: int) -> int:
    """Analyse one response's comments now (tests, and tasks queued before the beat's scan); a re-run replaces,
    never doubles."""
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


def taxonomy_changed() -> TextJob:
    """After a theme was added, edited or removed: re-tag every comment in the background."""
    return text_job_start(kind=TextJob.Kind.RETAG)


def theme_add_marker(*, theme: Theme, phrase: str) -> Theme:
    """Add a discovered phrase (or a cluster's words, comma-separated) to a theme's markers; re-tagging follows
    when anything was new."""
    known = {m.lower() for m in theme.marker_list()}
    new = [marker for marker in dict.fromkeys(split_markers(phrase)) if marker.lower() not in known]
    if new:
        theme.markers = ", ".join([*theme.marker_list(), *new])
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
