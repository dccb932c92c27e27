"""Text analytics records: the theme taxonomy, each comment's analysis and theme mentions, the program's
sentiment models and the background jobs that (re)analyse comments."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models.followups import FollowUp
from surveys.models.responses import Answer, Response
from surveys.models.surveys import Localized
from surveys.text.match import split_markers


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class Theme(Localized, models.Model):
    """What customers talk about (delivery, queues, staff...), marked by words and phrases in either language."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent theme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    markers = models.TextField(
        _("marker words and phrases"),
        blank=True,
        help_text=_(
            "Comma-separated or one per line, Russian or English. Any inflected form counts («курьер опоздал» "
            "also finds «курьеры опаздывают»); end a word with * to match every word starting so."
        ),
    )
    root_cause = models.CharField(
        _("suggested root cause"),
        max_length=16,
        choices=FollowUp.RootCause.choices,
        blank=True,
        help_text=_("Suggested on a follow-up case whose comment mentions this theme negatively."),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="theme_not_own_parent")]

    def __str__(self) -> str:
        return f"{self.name_ru} / {self.name_en}"

    def marker_list(self) -> list[str]:
        return split_markers(self.markers)


class CommentAnalysis(models.Model):
    """One comment's language and sentiment (−1..1), written by the background analysis."""

    answer = models.OneToOneField(
        Answer, verbose_name=_("answer"), primary_key=True, on_delete=models.CASCADE, related_name="analysis"
    )
    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="comment_analyses"
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=8, choices=Sentiment.choices, db_index=True)
    score = models.FloatField(_("sentiment score"))
    has_personal_data = models.BooleanField(_("contains personal data"), default=False)
    analysed_at = models.DateTimeField(_("analysed"), auto_now=True)

    class Meta:
        verbose_name = _("comment analysis")
        verbose_name_plural = _("comment analyses")
        constraints = [models.CheckConstraint(condition=Q(score__gte=-1, score__lte=1), name="analysis_score_range")]

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.sentiment}"


class ThemeMention(models.Model):
    """A theme found in a comment, where (character offsets) and with what sentiment."""

    analysis = models.ForeignKey(
        CommentAnalysis, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="mentions"
    )
    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="theme_mentions"
    )
    # No index of its own: mention_theme_response starts with the theme (one index less to write per mention).
    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), on_delete=models.CASCADE, related_name="mentions", db_index=False
    )
    sentiment = models.CharField(_("sentiment"), max_length=8, choices=Sentiment.choices)
    score = models.FloatField(_("sentiment score"))
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))

    class Meta:
        verbose_name = _("theme mention")
        verbose_name_plural = _("theme mentions")
        indexes = [models.Index(fields=["theme", "response"], name="mention_theme_response")]

    def __str__(self) -> str:
        return f"{self.theme_id} ({self.sentiment})"


class SentimentClassifier(models.Model):
    """A sentiment model trained on this program's comments, labelled by their paired scores."""

    created_at = models.DateTimeField(_("trained"), auto_now_add=True)
    n_train = models.PositiveIntegerField(_("trained on (comments)"))
    n_test = models.PositiveIntegerField(_("tested on (comments)"))
    accuracy = models.FloatField(_("accuracy on held-out comments"))
    lexicon_accuracy = models.FloatField(_("built-in lexicon's accuracy on the same comments"))
    label_counts = models.JSONField(_("comments per sentiment"), default=dict)
    data = models.BinaryField(_("model"))
    active = models.BooleanField(_("in use"), default=False)

    class Meta:
        verbose_name = _("sentiment model")
        verbose_name_plural = _("sentiment models")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_sentiment_model")
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} · {self.accuracy:.0%}"


class TextJob(models.Model):
    """A background pass over stored comments: analysing the ones never analysed, re-tagging all of them after
    a taxonomy change, or training the sentiment model; its progress is shown in the admin."""

    class Kind(models.TextChoices):
        BACKFILL = "backfill", _("Analyse comments not yet analysed")
        RETAG = "retag", _("Re-analyse every comment")
        TRAIN = "train", _("Train the sentiment model")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("comments"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    resumed = models.PositiveSmallIntegerField(_("times resumed"), default=0)

    class Meta:
        verbose_name = _("text analysis job")
        verbose_name_plural = _("text analysis jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_status_display()}"

    @property
    def progress(self) -> int:
        """Per cent done."""
        return 100 if self.total == 0 and self.status == self.Status.DONE else int(100 * self.done / max(self.total, 1))


class TextJobChunk(models.Model):
    """One range of comment ids of a backfill or re-tag, run as its own Celery task so that several workers share
    a job; `position` is the last comment id done, so a chunk whose worker died resumes where it stopped."""

    job = models.ForeignKey(TextJob, verbose_name=_("job"), on_delete=models.CASCADE, related_name="chunks")
    first_id = models.BigIntegerField(_("first comment id"))
    last_id = models.BigIntegerField(_("last comment id"))
    position = models.BigIntegerField(_("done up to comment id"))
    done = models.PositiveIntegerField(_("done"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("text analysis job chunk")
        verbose_name_plural = _("text analysis job chunks")
        ordering = ["job", "first_id"]
        constraints = [models.UniqueConstraint(fields=["job", "first_id"], name="text_chunk_unique_start")]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.first_id}–{self.last_id}"
