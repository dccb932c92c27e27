"""Settings of the submission benchmark: the production-like base on PostgreSQL, without flood limits.

DATABASE_URL (postgres://...) comes from the environment, as in production; bench/survey_submit.py sets it.
"""

from django.core.exceptions import ImproperlyConfigured

from cxprogram.settings.base import *  # noqa: F403
from cxprogram.settings.base import DATABASES, ENV

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("bench.settings needs DATABASE_URL=postgres://... (the benchmark runs on PostgreSQL).")

SECRET_KEY = ENV.get("SECRET_KEY", "bench-only-insecure-key-not-for-production-0123456789abcdef")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"

# Eight clients on one address would be throttled after 30 answers; the benchmark measures the flow, not the limit.
SURVEY_SUBMIT_LIMIT = 10**9
SURVEY_MIN_FILL_SECONDS = 0

# Production serves collectstatic's output through WhiteNoise; without it, let WhiteNoise index the apps' files.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None

# Keep the server's output to warnings and errors (the client counts every status itself).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"level": "ERROR"}},
}
