"""The Celery application: configured from Django settings (CELERY_*), tasks found in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxprogram.settings.dev")

app = Celery("cxprogram")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from . import heartbeats  # noqa: E402, F401 - the worker's and beat's heartbeats hook into Celery's signals
