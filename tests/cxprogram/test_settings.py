"""Settings come from the environment; bad values stop the start-up with a message that says what to fix."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cxprogram.settings.environment import database_from_url, env_bool, env_int, env_list, redact

BASE = Path("/srv/cx")
ROOT = Path(__file__).resolve().parents[2]


def test_postgres_url_becomes_a_postgresql_database():
    db = database_from_url("postgres://cx:s%40cret@db.internal:6543/cxprogram?sslmode=require", BASE)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "cxprogram",
        "cx",
        "s@cret",
        "db.internal",
        "6543",
    )
    assert db["OPTIONS"] == {"sslmode": "require", "prepare_threshold": 5}
    assert db["CONN_MAX_AGE"] == 60


def test_prepared_statements_can_be_turned_off_for_old_pgbouncer():
    assert database_from_url("postgres://cx@pgbouncer:6432/cx?prepare_threshold=none", BASE)["OPTIONS"] == {
        "prepare_threshold": None
    }
    assert database_from_url("postgres://cx@db/cx?prepare_threshold=0", BASE)["OPTIONS"]["prepare_threshold"] == 0


def test_sqlite_url_is_relative_to_the_project_folder():
    assert database_from_url("sqlite:///var/cx.sqlite3", BASE)["NAME"] == "/srv/cx/var/cx.sqlite3"
    assert database_from_url("sqlite:////tmp/cx.sqlite3", BASE)["NAME"] == "/tmp/cx.sqlite3"
    assert database_from_url("sqlite://:memory:", BASE)["NAME"] == ":memory:"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/cx", "is not understood: it must start with postgres://"),
        ("postgres://cx:pw@localhost:5432/", "names no database"),
        ("postgres://cx:pw@localhost:port/cx", "has a port that is not a number"),
        ("just-a-word", "is not understood"),
        ("postgres://cx@localhost/cx?prepare_threshold=often", "prepare_threshold must be a whole number or none"),
    ],
)
def test_wrong_database_url_is_explained(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url, BASE)


def test_database_url_password_is_hidden_in_messages():
    with pytest.raises(ImproperlyConfigured) as caught:
        database_from_url("postgres://cx:topsecret@localhost:5432/", BASE)
    assert "topsecret" not in str(caught.value)
    assert "postgres://cx:***@localhost:5432/" in str(caught.value)
    assert redact("redis://:pw@host:6379/0") == "redis://:***@host:6379/0"


def test_booleans_lists_and_numbers():
    env = {"A": "yes", "B": "0", "C": " a.example , b.example,, ", "N": "42", "BAD": "maybe", "NAN": "x"}
    assert env_bool(env, "A", False) is True
    assert env_bool(env, "B", True) is False
    assert env_bool(env, "MISSING", True) is True
    assert env_list(env, "C", []) == ["a.example", "b.example"]
    assert env_int(env, "N", 1) == 42
    with pytest.raises(ImproperlyConfigured, match="BAD='maybe' is not a yes/no value"):
        env_bool(env, "BAD", False)
    with pytest.raises(ImproperlyConfigured, match="NAN='x' is not a whole number"):
        env_int(env, "NAN", 1)


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "cxprogram.settings.production",
    "SECRET_KEY": "x" * 64 + "-a-long-random-production-secret-for-the-test",
    "DATABASE_URL": "postgres://cx:pw@127.0.0.1:5432/cxprogram",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "cx.example.com",
    "SITE_URL": "https://cx.example.com",
}


def test_production_settings_pass_the_deploy_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set: production has no default secret" in result.stderr


def test_a_wrong_database_url_stops_manage_py_with_a_clear_message():
    result = run_manage("check", DATABASE_URL="mongodb://localhost/cx")
    assert result.returncode != 0
    assert "DATABASE_URL 'mongodb://localhost/cx' is not understood" in result.stderr


def test_a_heartbeat_slower_than_its_stale_time_stops_the_start():
    result = run_manage("check", HEARTBEAT_SECONDS="60", HEARTBEAT_STALE_SECONDS="30")
    assert result.returncode != 0
    assert "HEARTBEAT_SECONDS=60 must be above 0 and below HEARTBEAT_STALE_SECONDS=30" in result.stderr
