"""Production: PostgreSQL, Redis, SMTP, HTTPS behind a proxy. No default secret."""

from .base import *  # noqa: F403
from .base import DATABASES, ENV
from .environment import env_bool, env_int, env_required

DEBUG = env_bool(ENV, "DEBUG", False)
SECRET_KEY = env_required(ENV, "SECRET_KEY", "production has no default secret; generate 50+ random characters.")
env_required(ENV, "DATABASE_URL", "production runs on PostgreSQL, e.g. postgres://cx:secret@db:5432/cxprogram.")
env_required(ENV, "CELERY_BROKER_URL", "production queues background work in Redis, e.g. redis://redis:6379/0.")
# Invitations, unsubscribe links and API links are absolute; without it they would point at 127.0.0.1.
SITE_URL = env_required(
    ENV, "SITE_URL", "links in e-mails and API answers need the site's address, e.g. https://cx.example.com."
).rstrip("/")
ALLOWED_HOSTS = [h.strip() for h in env_required(ENV, "ALLOWED_HOSTS", "list the site's host names.").split(",")]

DATABASES["default"].setdefault("CONN_MAX_AGE", 60)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool(ENV, "SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$"]
SECURE_HSTS_SECONDS = env_int(ENV, "SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(ENV, "SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool(ENV, "SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
