"""/healthz tells the state of the database and the broker; a proxy or monitor reads its status code."""

import os
import socket

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("CXPROGRAM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_in_process_tasks_report_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "in-process",
        "worker": "in-process",
        "beat": "in-process",
    }


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_unreachable_broker_gives_503(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"]) == ("unavailable", "ok")
    assert body["broker"].startswith("unavailable: ")


@pytest.mark.skipif(not redis_answers(), reason="no Redis server on 127.0.0.1:6379")
def test_real_redis_broker_is_ok(client):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=REDIS_URL):
        response = client.get("/healthz")
    # No worker has run here: the broker answers, background work does not (test_worker_health has real ones).
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "ok",
        "worker": "never seen",
        "beat": "never seen",
    }


def test_filesystem_broker_of_the_embedded_default_is_ok(client, tmp_path):
    folder = str(tmp_path)
    options = {"data_folder_in": folder, "data_folder_out": folder, "control_folder": folder}
    with override_settings(
        CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="filesystem://", CELERY_BROKER_TRANSPORT_OPTIONS=options
    ):
        response = client.get("/healthz")
    assert response.json()["broker"] == "ok"


def test_only_get_is_allowed(client):
    assert client.post("/healthz").status_code == 405
