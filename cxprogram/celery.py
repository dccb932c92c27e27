"""The Celery application: configured from Django settings (CELERY_*), tasks found in each app's tasks.py."""

import os

from celery import Celery

# The worker's and beat's heartbeats hook into Celery's signals when imported (no Django model is touched then).
from . import heartbeats  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxprogram.settings.dev")

app = Celery("cxprogram")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
