"""Demo text analytics: the retail theme taxonomy, every demo comment analysed, and the program's first
sentiment model trained on the demo's scored comments (run by `surveys.demo.seed`)."""

from surveys.models import SentimentClassifier, TextJob
from surveys.services.text import taxonomy_seed_retail, text_job_create
from surveys.services.text_jobs import sentiment_model_train, text_job_run


def seed_text(log) -> None:
    created = taxonomy_seed_retail()
    backfill = text_job_run(job_id=text_job_create(kind=TextJob.Kind.BACKFILL).pk)
    log(f"Text analytics: {created} themes created, {backfill.done} comments analysed.")
    if not SentimentClassifier.objects.filter(active=True).exists():
        classifier = sentiment_model_train()
        if classifier is not None:
            # Training queued a re-analysis with the new model; run it here so the demo is complete at once.
            retag = TextJob.objects.filter(kind=TextJob.Kind.RETAG, status=TextJob.Status.QUEUED).first()
            if retag is not None:
                text_job_run(job_id=retag.pk)
            log(f"Sentiment model: {classifier.accuracy:.0%} accurate on {classifier.n_test} held-out comments.")
