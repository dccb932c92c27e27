"""The embedded default: SQLite, console e-mail, Celery over a folder. Used by `make run`."""

from .base import *  # noqa: F403
from .base import CELERY_BROKER_FOLDER, ENV
from .environment import env_bool

# DEBUG=1 for development only: without it the demo shows the site's own 404, 403 and 500 pages in the
# visitor's language, never Django's technical pages (static files still come from WhiteNoise below).
DEBUG = env_bool(ENV, "DEBUG", False)
# A fixed key is fine for a demo on 127.0.0.1; production refuses to start without its own.
SECRET_KEY = ENV.get("SECRET_KEY", "dev-only-insecure-key-never-use-in-production")

# The SQLite file and the Celery broker folder live under var/; make sure it exists.
(CELERY_BROKER_FOLDER / "control").mkdir(parents=True, exist_ok=True)

# Serve static files from the apps directly, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
