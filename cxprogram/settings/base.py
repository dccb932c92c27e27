"""Settings shared by every environment. Everything that varies comes from environment variables."""

import os
from pathlib import Path

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .environment import databases_from_environ, env_bool, env_int, env_list

ENV = os.environ
BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(ENV.get("CXPROGRAM_VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool(ENV, "DEBUG", False)
ALLOWED_HOSTS = env_list(ENV, "ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list(ENV, "CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "cxprogram.apps.CxAdminConfig",  # django.contrib.admin with the role checked at each request
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "cxprogram",
    "surveys",
    "journeys",
    "kpis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cxprogram.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cxprogram.middleware.PrivateNoStoreMiddleware",  # outside auth, so it sees the signed-in user on the way out
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "auditlog.middleware.AuditlogMiddleware",  # the signed-in user becomes the actor of audit entries
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cxprogram.middleware.DatabaseUnavailableMiddleware",  # 503 + Retry-After instead of a 500 when the DB is down
]

ROOT_URLCONF = "cxprogram.urls"
WSGI_APPLICATION = "cxprogram.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "cxprogram.context_processors.navigation",
            ],
        },
    },
]

DATABASES = databases_from_environ(ENV, BASE_DIR)
# With a read replica, pages that may show data a few seconds old read from it (cxprogram/replica.py); it is used
# only while its lag is under DATABASE_REPLICA_MAX_LAG seconds, and a person who just sent a form reads from the
# primary for that long, so that they see what they wrote.
DATABASE_ROUTERS = ["cxprogram.replica.ReplicaRouter"] if "replica" in DATABASES else []
DATABASE_REPLICA_MAX_LAG = env_int(ENV, "DATABASE_REPLICA_MAX_LAG", 10)
if DATABASE_ROUTERS:
    MIDDLEWARE.append("cxprogram.replica.PrimaryAfterWriteMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = ENV.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL in ("", "locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cxprogram"}}
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r} is not understood: use redis://host:6379/1 or leave it unset.")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Brute-force protection: failures allowed per username and per client address within the window.
LOGIN_FAILURE_LIMIT = env_int(ENV, "LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int(ENV, "LOGIN_FAILURE_LIMIT_PER_ADDRESS", 30)
LOGIN_LOCKOUT_SECONDS = env_int(ENV, "LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Behind a proxy, the number of proxies whose X-Forwarded-For entries are trusted (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int(ENV, "TRUSTED_PROXY_COUNT", 0)

# Hosted surveys: flood protection on public links and invitation tokens, and the quickest believable answer.
SURVEY_SUBMIT_LIMIT = env_int(ENV, "SURVEY_SUBMIT_LIMIT", 30)  # submissions per client address and survey...
SURVEY_SUBMIT_WINDOW_SECONDS = env_int(ENV, "SURVEY_SUBMIT_WINDOW_SECONDS", 10 * 60)  # ...within this window
SURVEY_MIN_FILL_SECONDS = env_int(ENV, "SURVEY_MIN_FILL_SECONDS", 3)  # faster and untouched by a person: confirm
SURVEY_STATE_MAX_AGE = env_int(ENV, "SURVEY_STATE_MAX_AGE", 24 * 3600)  # a survey page can be sent this long
SURVEY_ANSWERED_COOKIE_AGE = env_int(ENV, "SURVEY_ANSWERED_COOKIE_AGE", 90 * 24 * 3600)  # "already received" memory
INVITATION_MISS_LIMIT = env_int(ENV, "INVITATION_MISS_LIMIT", 20)  # unknown or used tokens per address per hour

# Distribution: nobody is invited to any survey more often than this (on top of each survey's own period).
PROGRAM_CONTACT_DAYS = env_int(ENV, "PROGRAM_CONTACT_DAYS", 7)
DISTRIBUTION_BATCH_SIZE = env_int(ENV, "DISTRIBUTION_BATCH_SIZE", 200)
# Invitation e-mails still queued this long after they were created lost their task (a killed worker, a broker
# that was down): the beat queues them again, at most this many per run.
INVITATION_REQUEUE_AFTER_SECONDS = env_int(ENV, "INVITATION_REQUEUE_AFTER_SECONDS", 30 * 60)
INVITATION_REQUEUE_LIMIT = env_int(ENV, "INVITATION_REQUEUE_LIMIT", 5000)
SITE_URL = ENV.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")  # absolute links in e-mails

# Shop-floor QR posters (PDF): Unicode TrueType fonts for Russian and English (Debian's fonts-dejavu-core).
POSTER_FONT = ENV.get("POSTER_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
POSTER_FONT_BOLD = ENV.get("POSTER_FONT_BOLD", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

# Closed loop: business hours for follow-up deadlines (in TIME_ZONE), and the warning before a deadline.
BUSINESS_HOURS = (env_int(ENV, "BUSINESS_HOURS_START", 9), env_int(ENV, "BUSINESS_HOURS_END", 18))
BUSINESS_DAYS = [int(d) for d in env_list(ENV, "BUSINESS_DAYS", ["0", "1", "2", "3", "4"])]  # Monday is 0
# Complaints from outside: a public one (review site, social network) is due within these hours, around the clock;
# with COMPLAINT_PUBLIC_REVIEW a second person approves what is said publicly before it counts as the answer.
COMPLAINT_PUBLIC_ANSWER_HOURS = env_int(ENV, "COMPLAINT_PUBLIC_ANSWER_HOURS", 4)
COMPLAINT_PUBLIC_REVIEW = env_bool(ENV, "COMPLAINT_PUBLIC_REVIEW", True)
# The feedback mailbox (docs/operations.md): beat reads its unseen messages over IMAP every
# FEEDBACK_IMAP_INTERVAL seconds into complaint cases; nothing is read while FEEDBACK_IMAP_HOST is empty.
FEEDBACK_IMAP_HOST = ENV.get("FEEDBACK_IMAP_HOST", "")
FEEDBACK_IMAP_TLS = env_bool(ENV, "FEEDBACK_IMAP_TLS", True)  # implicit TLS (port 993); off: plain IMAP (143)
FEEDBACK_IMAP_PORT = env_int(ENV, "FEEDBACK_IMAP_PORT", 993 if FEEDBACK_IMAP_TLS else 143)
FEEDBACK_IMAP_USER = ENV.get("FEEDBACK_IMAP_USER", "")
FEEDBACK_IMAP_PASSWORD = ENV.get("FEEDBACK_IMAP_PASSWORD", "")
FEEDBACK_IMAP_FOLDER = ENV.get("FEEDBACK_IMAP_FOLDER", "INBOX")
FEEDBACK_IMAP_TIMEOUT = env_int(ENV, "FEEDBACK_IMAP_TIMEOUT", 30)
FEEDBACK_IMAP_BATCH = env_int(ENV, "FEEDBACK_IMAP_BATCH", 200)  # messages per run at most; the next run goes on
FEEDBACK_IMAP_INTERVAL = env_int(ENV, "FEEDBACK_IMAP_INTERVAL", 60)
FOLLOWUP_WARNING_MINUTES = env_int(ENV, "FOLLOWUP_WARNING_MINUTES", 60)
FOLLOWUP_FRONTLINE_SEES_OWN = env_bool(ENV, "FOLLOWUP_FRONTLINE_SEES_OWN", False)
# Where a case goes when the unit that served has no manager: functions from a touchpoint code to a unit.
FOLLOWUP_OWNER_UNIT_RESOLVERS = ["journeys.selectors.scores.touchpoint_owner_unit"]
# Digests: managers' daily one from this local hour; CX leads' weekly one on this weekday (0 = Monday).
DIGEST_HOUR = env_int(ENV, "DIGEST_HOUR", 8)
DIGEST_WEEKDAY = env_int(ENV, "DIGEST_WEEKDAY", 0)
# Where the results filters find touchpoint names ({code: name}); surveys know touchpoints only by their codes.
RESULTS_TOUCHPOINT_NAMES = ["journeys.selectors.names.touchpoint_names"]
# `manage.py seed_demo`: each app's part of the demo, in the apps' dependency order (named here so that the
# project's lowest app, which holds the command, never imports a higher one; a wrong name stops the command).
DEMO_SEEDERS = ["cxprogram.demo.seed", "surveys.demo.seed", "journeys.demo.seed", "kpis.demo.seed"]
# Journey maps: a touchpoint whose score correlates with customers' overall NPS at least this much (Pearson r)
# is a computed moment of truth; below its target it is one to fix first.
JOURNEY_IMPORTANCE_HIGH = float(ENV.get("JOURNEY_IMPORTANCE_HIGH", "0.3"))
# That importance is a driver analysis over customers, computed in the background (journeys.tasks): nightly for
# every current journey's default 90 days, and when a map asks for a period or scope with no figure. Figures of a
# period still running are computed again when older than JOURNEY_IMPORTANCE_MAX_AGE seconds; a queued job not
# done after JOURNEY_IMPORTANCE_RETRY_SECONDS is taken for lost and queued again; computations nobody asked for in
# JOURNEY_IMPORTANCE_KEEP_DAYS are deleted.
JOURNEY_IMPORTANCE_MAX_AGE = env_int(ENV, "JOURNEY_IMPORTANCE_MAX_AGE", 24 * 60 * 60)
JOURNEY_IMPORTANCE_RETRY_SECONDS = env_int(ENV, "JOURNEY_IMPORTANCE_RETRY_SECONDS", 15 * 60)
JOURNEY_IMPORTANCE_KEEP_DAYS = env_int(ENV, "JOURNEY_IMPORTANCE_KEEP_DAYS", 30)

# Results: no figure below this many answers, and no employee-pulse group below PULSE_MIN_GROUP.
RESULTS_MIN_SAMPLE = env_int(ENV, "RESULTS_MIN_SAMPLE", 30)
PULSE_MIN_GROUP = env_int(ENV, "PULSE_MIN_GROUP", 5)
# Anonymous surveys (the pulse and every survey marked anonymous) have figures per calendar month or quarter
# only; set it to the pulse's rhythm, so each person answers once per period and answers count people.
PULSE_PERIOD = ENV.get("PULSE_PERIOD", "month")
if PULSE_PERIOD not in ("month", "quarter"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("PULSE_PERIOD must be “month” or “quarter”.")
# Personal data older than this many months is anonymised by beat (free texts, references, case notes, and
# customers with nothing newer); 0 keeps everything until a customer asks to be erased.
RETENTION_MONTHS = env_int(ENV, "RETENTION_MONTHS", 0)
# Erasing a customer spans the apps above the organisation: the admin and the API call this service, and it
# calls these with the ids of the erased comments (recognitions quote customers' praise).
CUSTOMER_ERASER = "surveys.services.privacy.customer_erase"
ERASED_ANSWER_HOOKS = ["kpis.services.recognition.recognitions_erase_answers"]

# Audit trail (django-auditlog): who created or changed responses, KPIs, points, cases and roles; CX leads read
# it in the admin. The IP address is not kept: the actor is enough, and it would be one more personal datum.
AUDITLOG_DISABLE_REMOTE_ADDR = True
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "kpis.Kpi", "m2m_fields": ["questions", "touchpoints"]},
    {"model": "kpis.KpiManualValue"},
    {"model": "kpis.PointEntry"},
    {"model": "surveys.FollowUp"},
    {"model": "surveys.FollowUpEvent"},
    {"model": "surveys.PublicAnswer"},
    {"model": "cxprogram.Employee", "include_fields": ["user", "unit", "role", "integration"]},
    {"model": "auth.User", "include_fields": ["username", "is_active", "is_staff", "is_superuser"],
     "m2m_fields": ["groups", "user_permissions"]},
)  # fmt: skip

# Recognition: points each person may give colleagues per calendar month (in TIME_ZONE), and the points a
# customer's praise carries when a manager passes it on (not taken from the manager's allowance).
RECOGNITION_MONTHLY_ALLOWANCE = env_int(ENV, "RECOGNITION_MONTHLY_ALLOWANCE", 100)
RECOGNITION_CUSTOMER_PRAISE_POINTS = env_int(ENV, "RECOGNITION_CUSTOMER_PRAISE_POINTS", 10)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = ENV.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = VAR_DIR / "media"

EMAIL_BACKEND = ENV.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = ENV.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int(ENV, "EMAIL_PORT", 25)
EMAIL_HOST_USER = ENV.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = ENV.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool(ENV, "EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool(ENV, "EMAIL_USE_SSL", False)
# Seconds an SMTP server may take to answer; without it a hung server would hold a worker (and its row lock).
EMAIL_TIMEOUT = env_int(ENV, "EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", "cx@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. Without CELERY_BROKER_URL the broker is a folder on disk (kombu's filesystem transport with atomic
# writes and unreadable files set aside, cxprogram/broker.py), so `make run` has a real worker and beat without a
# broker server; production points it at Redis.
CELERY_BROKER_URL = ENV.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_FOLDER = VAR_DIR / "celery-broker"
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT = "cxprogram.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
    }
CELERY_TASK_ALWAYS_EAGER = env_bool(ENV, "CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Text analytics: submissions queue nothing; the beat looks for new comments this often. A text job with no
# progress for TEXT_JOB_STALE_SECONDS lost its worker and is resumed by the beat.
TEXT_SCAN_SECONDS = env_int(ENV, "TEXT_SCAN_SECONDS", 5)
TEXT_JOB_STALE_SECONDS = env_int(ENV, "TEXT_JOB_STALE_SECONDS", 15 * 60)
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {"task": "cxprogram.tasks.clear_expired_sessions", "schedule": 6 * 60 * 60},
    "compact-customer-counts": {"task": "cxprogram.tasks.compact_customer_counts", "schedule": 60 * 60},
    "launch-due-distributions": {"task": "surveys.tasks.launch_due_distributions", "schedule": 60},
    "repeat-due-distributions": {"task": "surveys.tasks.repeat_due_distributions", "schedule": 60 * 60},
    "send-digests": {"task": "surveys.tasks.send_digests", "schedule": 60 * 60},
    "send-reminders": {"task": "surveys.tasks.send_due_reminders", "schedule": 15 * 60},
    "requeue-stale-invitations": {"task": "surveys.tasks.requeue_stale_invitations", "schedule": 10 * 60},
    "follow-up-deadlines": {"task": "surveys.tasks.check_followup_deadlines", "schedule": 5 * 60},
    "compute-kpis": {"task": "kpis.tasks.compute_recent_kpis", "schedule": 60 * 60},
    "webhook-sweep": {"task": "cxprogram.tasks.sweep_webhook_deliveries", "schedule": 5 * 60},
    "customer-import-sweep": {"task": "cxprogram.tasks.requeue_customer_imports", "schedule": 5 * 60},
    "retention": {"task": "surveys.tasks.apply_retention", "schedule": 24 * 60 * 60},
    # Just after local midnight, when the default 90 days move on by one.
    "journey-importance": {"task": "journeys.tasks.compute_journey_importance", "schedule": crontab(minute=20, hour=0)},
    "analyse-new-comments": {
        "task": "surveys.tasks.analyse_new_comments",
        "schedule": TEXT_SCAN_SECONDS,
        "options": {"expires": TEXT_SCAN_SECONDS},  # a run the workers could not take in time is dropped, not piled
    },
    "analyse-missed-comments": {"task": "surveys.tasks.analyse_missed_comments", "schedule": 10 * 60},
    "sweep-stale-text-jobs": {"task": "surveys.tasks.sweep_stale_text_jobs", "schedule": 5 * 60},
    "train-sentiment-model": {"task": "surveys.tasks.train_sentiment_model", "schedule": 7 * 24 * 60 * 60},
    "read-feedback-mailbox": {"task": "surveys.tasks.read_feedback_mailbox", "schedule": FEEDBACK_IMAP_INTERVAL},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The worker and beat record a heartbeat in the database this often (cxprogram/heartbeats.py); /healthz and the
# CX leads' pages call background work stopped when the latest is older than HEARTBEAT_STALE_SECONDS.
HEARTBEAT_SECONDS = env_int(ENV, "HEARTBEAT_SECONDS", 15)
HEARTBEAT_STALE_SECONDS = env_int(ENV, "HEARTBEAT_STALE_SECONDS", 4 * HEARTBEAT_SECONDS)
if not 0 < HEARTBEAT_SECONDS < HEARTBEAT_STALE_SECONDS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"HEARTBEAT_SECONDS={HEARTBEAT_SECONDS} must be above 0 and below HEARTBEAT_STALE_SECONDS="
        f"{HEARTBEAT_STALE_SECONDS}, or every process would look stopped between its heartbeats."
    )
CELERY_BEAT_SCHEDULER = "cxprogram.heartbeats:HeartbeatScheduler"
# Beat wakes at least once per heartbeat, even when nothing is due, so that its heartbeat shows its loop turning.
CELERY_BEAT_MAX_LOOP_INTERVAL = HEARTBEAT_SECONDS
# What waits for background work, shown beside a stopped worker: functions returning (label, count) pairs.
BACKGROUND_WAITING_WORK = ["surveys.selectors.background.waiting_work"]

# REST API (/api/v1/): per-user tokens or the session, JSON only, page sizes and request rates capped.
API_PAGE_SIZE = env_int(ENV, "API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = env_int(ENV, "API_MAX_PAGE_SIZE", 200)
# Request bodies: at most this many bytes (1,000 customers with long names fit easily) and this nesting depth.
API_MAX_BODY_BYTES = env_int(ENV, "API_MAX_BODY_BYTES", 4 * 1024 * 1024)
API_MAX_JSON_DEPTH = env_int(ENV, "API_MAX_JSON_DEPTH", 20)
API_THROTTLE_RATES = {
    "token": ENV.get("API_THROTTLE_RATE", "1000/hour"),  # per token (or per signed-in user)
    "anon": ENV.get("API_THROTTLE_RATE_ANON", "60/hour"),  # per address, before authentication fails
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cxprogram.api.authentication.AuditedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["cxprogram.api.parsers.GuardedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "cxprogram.api.pagination.PagePagination",
    "DEFAULT_THROTTLE_CLASSES": ["cxprogram.api.throttles.TokenRateThrottle", "cxprogram.api.throttles.AnonThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cxprogram.api.exceptions.json_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "cxprogram API",
    "DESCRIPTION": "Customers, surveys, responses, invitations, metrics and follow-up cases of the CX program. "
    "Authenticate with `Authorization: Token <key>`; a token sees what its user sees.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cxprogram.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "cxprogram.settings.base.LANGUAGES",
        "SurveyStatusEnum": "surveys.models.Survey.Status",
        "FollowUpStatusEnum": "surveys.models.FollowUp.Status",
    },
    # Swagger UI from the sidecar package: served by this server, so the strict CSP holds.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Outbound webhooks: attempts before a delivery is marked failed, and the HTTP timeout of one attempt.
WEBHOOK_MAX_ATTEMPTS = env_int(ENV, "WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOK_TIMEOUT_SECONDS = env_int(ENV, "WEBHOOK_TIMEOUT_SECONDS", 5)
# Only tests turn this on: it lets webhooks reach a server on this machine (loopback), nothing else private.
WEBHOOK_ALLOW_LOOPBACK = False

# Content-Security-Policy sent with every page: nothing loads from outside the server.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "cxprogram.views.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": ENV.get("LOG_LEVEL", "INFO")},
    # pymorphy3 announces its dictionaries at INFO in every process that lemmatises; that is no news.
    "loggers": {"pymorphy3": {"level": "WARNING"}},
}

APP_NAME = _("CX program")
