"""Celery tasks of the surveys app: thin wrappers that take ids and call one service each."""

from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from surveys.selectors.distribution import reminders_due
from surveys.services.digests import digests_send
from surveys.services.distribution import (
    distribution_finish_if_done,
    distribution_launch,
    invitation_mark_failed,
    invitation_send,
    invitations_requeue_stale,
    reminder_send,
)
from surveys.services.followups import followups_check_deadlines
from surveys.services.mailbox import feedback_mailbox_read
from surveys.services.sending import distributions_repeat_due
from surveys.services.text import comments_analyse_new, response_comments_analyse, text_job_create
from surveys.services.text_jobs import text_chunk_run, text_job_run, text_jobs_sweep_stale

from .models import Answer, Distribution, Invitation, Question, TextJob
from .services.privacy import retention_apply

TRANSIENT = (SMTPException, ConnectionError, TimeoutError, OSError)


@shared_task(bind=True, max_retries=5, acks_late=True)
def send_invitations(self, invitation_ids: list[int]) -> int:
    """E-mail a batch of queued invitations; already-sent ones are skipped, so a re-run sends nothing twice."""
    sent = 0
    try:
        for invitation_id in invitation_ids:
            sent += invitation_send(invitation_id=invitation_id)
    except TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            invitation_mark_failed(invitation_ids=invitation_ids, error=str(error))
        else:
            raise self.retry(exc=error, countdown=min(600, 30 * 2**self.request.retries)) from error
    distribution_ids = set(
        Invitation.objects.filter(pk__in=invitation_ids, distribution__isnull=False).values_list(
            "distribution_id", flat=True
        )
    )
    for distribution_id in distribution_ids:
        distribution_finish_if_done(distribution_id=distribution_id)
    return sent


@shared_task
def requeue_stale_invitations() -> int:
    """Beat: queue again invitation e-mails whose task was lost (a killed worker, a broker that was down)."""
    return invitations_requeue_stale(
        older_than=timedelta(seconds=settings.INVITATION_REQUEUE_AFTER_SECONDS),
        limit=settings.INVITATION_REQUEUE_LIMIT,
    )


@shared_task
def launch_distribution(distribution_id: int) -> int:
    return distribution_launch(distribution_id=distribution_id)


@shared_task
def launch_due_distributions() -> int:
    """Beat: launch scheduled distributions whose time has come."""
    due = Distribution.objects.filter(status=Distribution.Status.SCHEDULED, scheduled_at__lte=timezone.now())
    return sum(distribution_launch(distribution_id=pk) for pk in due.values_list("pk", flat=True))


@shared_task
def send_digests() -> int:
    """Beat: managers' daily and CX leads' weekly digests, each once per period."""
    return digests_send()


@shared_task
def repeat_due_distributions() -> int:
    """Beat: start the next run of each repeating distribution whose time has come."""
    return len(distributions_repeat_due())


@shared_task(bind=True, max_retries=5, acks_late=True)
def send_due_reminders(self) -> int:
    """Beat: remind non-responders whose distribution allows another reminder; each reminder is sent once."""
    sent = 0
    try:
        for invitation in reminders_due():
            sent += reminder_send(invitation_id=invitation.pk)
    except TRANSIENT as error:
        raise self.retry(exc=error, countdown=min(600, 30 * 2**self.request.retries)) from error
    return sent


@shared_task(bind=True, max_retries=5, acks_late=True)
def check_followup_deadlines(self) -> tuple[int, int]:
    """Beat: warn owners of cases due soon and escalate overdue ones; each case at most once of each."""
    try:
        return followups_check_deadlines()
    except TRANSIENT as error:
        raise self.retry(exc=error, countdown=min(600, 30 * 2**self.request.retries)) from error


@shared_task(acks_late=True)
def apply_retention() -> int:
    """Anonymise answers and cases older than RETENTION_MONTHS (nothing when it is 0)."""
    return retention_apply()


@shared_task(acks_late=True)
def analyse_response(response_id: int) -> int:
    """Themes and sentiment of one response's comments (a re-run replaces, never doubles). Submissions no longer
    queue it (the beat's `analyse_new_comments` finds new comments); kept for messages queued before."""
    return response_comments_analyse(response_id=response_id)


@shared_task
def analyse_new_comments() -> int:
    """Beat, every few seconds: analyse the comments stored since the last run, in batches."""
    return comments_analyse_new()


@shared_task(acks_late=True)
def run_text_job(job_id: int) -> str:
    """A backfill or re-tag is cut into chunks queued for all workers; a training pass runs here."""
    return text_job_run(job_id=job_id, inline=False).status


@shared_task(acks_late=True)
def run_text_chunk(chunk_id: int) -> int:
    """One id range of a backfill or re-tag; its progress is written on the job row as it goes."""
    return text_chunk_run(chunk_id=chunk_id)


@shared_task
def sweep_stale_text_jobs() -> int:
    """Beat: resume (or fail, with the reason) text jobs left running by a worker that died."""
    return text_jobs_sweep_stale(older_than=timedelta(seconds=settings.TEXT_JOB_STALE_SECONDS))


@shared_task
def analyse_missed_comments() -> int:
    """Beat: comments whose analysis was never queued (broker down at submit time) get one backfill pass."""
    missing = Answer.objects.filter(question_type__in=list(Question.TEXT_TYPES), analysis__isnull=True)
    if not missing.exists():
        return 0
    return text_job_run(job_id=text_job_create(kind=TextJob.Kind.BACKFILL).pk).done


@shared_task
def train_sentiment_model() -> str:
    """Beat (weekly) and the admin's button: retrain the program's sentiment model on its newest scored comments."""
    return text_job_run(job_id=text_job_create(kind=TextJob.Kind.TRAIN).pk).message


@shared_task
def read_feedback_mailbox() -> dict[str, int]:
    """Beat: the feedback mailbox's unseen messages become complaint cases, each message once (nothing to do while
    FEEDBACK_IMAP_HOST is empty). Mailbox trouble fails this run; the next one carries on."""
    return feedback_mailbox_read().as_dict()
