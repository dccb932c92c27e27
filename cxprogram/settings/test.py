"""Settings for pytest: SQLite in memory unless DATABASE_URL says otherwise, tasks run in-process."""

from .base import *  # noqa: F403
from .base import ENV

SECRET_KEY = "test-only-key"  # noqa: S105  # nosec B105  # the test settings only; production requires its own
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
if "DATABASE_URL" not in ENV:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
# A read replica that is the test database itself (a mirror: no database of its own), for the routing tests
# (tests/cxprogram/test_replica.py), which install the router; elsewhere nothing reads from it.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS: list[str] = []
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files from the apps directly, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
