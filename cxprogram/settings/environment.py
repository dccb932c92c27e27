"""Parsing of environment variables into settings values, with clear messages for bad input."""

from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(environ: dict, name: str, default: bool) -> bool:
    """Read a yes/no variable; anything but the usual spellings is an error."""
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value; use one of 1, 0, true, false, yes, no.")


def env_int(environ: dict, name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(environ: dict, name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list, dropping blanks."""
    raw = environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_required(environ: dict, name: str, why: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set: {why}")
    return value


def databases_from_environ(environ: dict, base_dir: Path) -> dict:
    """DATABASES: `default` from DATABASE_URL (SQLite in var/ when unset) and, when DATABASE_REPLICA_URL is set, a
    `replica` alias that only reads (cxprogram/replica.py routes to it; tests make it a mirror of default)."""
    databases = {"default": database_from_url(environ.get("DATABASE_URL", "sqlite:///var/cxprogram.sqlite3"), base_dir)}
    replica_url = environ.get("DATABASE_REPLICA_URL", "").strip()
    if replica_url:
        replica = database_from_url(replica_url, base_dir, variable="DATABASE_REPLICA_URL")
        databases["replica"] = replica | {"TEST": {"MIRROR": "default"}}
    return databases


def database_from_url(url: str, base_dir: Path, variable: str = "DATABASE_URL") -> dict:
    """Turn `DATABASE_URL` (or the variable named) into a Django DATABASES entry.

    Accepts `sqlite:///relative/or/absolute/path.sqlite3`, `sqlite://:memory:` and
    `postgres://user:password@host:port/name?option=value` (also `postgresql://`).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    options = dict(parse_qsl(parts.query))
    if scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc == ":memory:" or path in ("", "/", "/:memory:"):
            name = ":memory:"
        else:
            name = path[1:] if path.startswith("/") else path
            name = str(Path(name) if Path(name).is_absolute() else base_dir / name)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            # Web server and Celery worker share the file: wait for locks and let readers run beside a writer.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(
                f"{variable} {redact(url)!r} names no database; "
                "write it as postgres://user:password@host:5432/database."
            )
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{variable} {redact(url)!r} has a port that is not a number.") from None
        conn_max_age = int(options.pop("conn_max_age", "60"))
        options["prepare_threshold"] = _prepare_threshold(options.pop("prepare_threshold", "5"), variable)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": conn_max_age,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"{variable} {redact(url)!r} is not understood: it must start with "
        "postgres:// (production) or sqlite:/// (embedded default)."
    )


def _prepare_threshold(value: str, variable: str) -> int | None:
    """psycopg's `prepare_threshold`: after how many runs on a connection a statement sent by cxprogram.prepared's
    cursor is prepared (Django's own cursors never prepare); `none` never (PgBouncer before 1.21 in transaction
    mode)."""
    if value.strip().lower() in ("none", "off"):
        return None
    if not value.strip().isdigit():
        raise ImproperlyConfigured(f"{variable}'s prepare_threshold must be a whole number or none, not {value!r}.")
    return int(value)


def redact(url: str) -> str:
    """The URL with its password replaced, safe to show in an error message."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url
