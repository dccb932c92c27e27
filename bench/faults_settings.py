"""Settings of the fault runs (bench/faults.py): bench.settings with every beat entry every few seconds.

A real deployment sweeps every few minutes; the fault runs need to see recovery within a minute.
DATABASE_URL, CELERY_BROKER_URL, CACHE_URL and the EMAIL_* variables come from the environment, as in production.
"""

from bench.settings import *  # noqa: F403
from bench.settings import CELERY_BEAT_SCHEDULE

CELERY_BEAT_SCHEDULE = {name: {**entry, "schedule": 3} for name, entry in CELERY_BEAT_SCHEDULE.items()}
# Invitations still queued this long after they were created are queued again by the beat sweep.
INVITATION_REQUEUE_AFTER_SECONDS = 6
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# The fault run's webhook receiver listens on this machine.
WEBHOOK_ALLOW_LOOPBACK = True
