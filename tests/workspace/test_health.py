"""/health/ tells the load balancer whether the database, cache and broker answer, and nothing more."""

import logging
import sys

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from config.log_filters import ClientErrorWithoutTraceback
from workspace import health

pytestmark = pytest.mark.django_db


def _broken():
    raise ConnectionError("redis://:s3cret@broker.internal:6379 refused")


def test_health_reports_each_component_ok(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(health.CHECKS, "broker", lambda: None)
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}


def test_the_broker_is_not_probed_when_tasks_run_in_process(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setitem(health.CHECKS, "broker", _broken)
    response = client.get(reverse("health"))
    assert response.status_code == 200 and response.json()["checks"]["broker"] == "skipped"


@pytest.mark.parametrize("component", ["database", "cache", "broker"])
def test_a_failing_component_is_a_503_that_names_it_and_no_secret(client, settings, monkeypatch, component):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(health.CHECKS, "broker", lambda: None)
    monkeypatch.setitem(health.CHECKS, component, _broken)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["failing"] == [component] and response.json()["checks"][component] == "unavailable"
    assert b"s3cret" not in response.content and b"broker.internal" not in response.content


def test_a_cache_that_loses_what_it_stores_is_unavailable(client, monkeypatch):
    monkeypatch.setattr(health.cache, "get", lambda key: None)
    response = client.get(reverse("health"))
    assert response.status_code == 503 and response.json()["failing"] == ["cache"]


def test_an_unreachable_broker_fails_quickly(settings, monkeypatch):
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration (as .ci/run sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    assert health.health_checks()["broker"] == "unavailable"


def test_a_refused_page_is_logged_as_one_line_without_a_traceback(caplog):
    from django.core.handlers.exception import response_for_exception

    request = RequestFactory().get("/somewhere/")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = response_for_exception(request, PermissionDenied())
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1 and records[0].exc_info is None
    assert caplog.text.strip().count("\n") == 0 and "Forbidden" in caplog.text


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), sys.exc_info()
        )
    record.status_code = 500
    assert ClientErrorWithoutTraceback().filter(record) and record.exc_info is not None
