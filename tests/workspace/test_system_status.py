"""The system page: admins see the health checks and which workers are alive; nobody else sees it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import WorkerHeartbeat
from jobs.selectors import worker_status_list
from jobs.services import STALE_AFTER, heartbeat_record
from workspace import health

pytestmark = pytest.mark.django_db


def test_a_heartbeat_creates_then_refreshes_one_row_per_worker():
    heartbeat_record(["celery@web1"], started=True)
    first = WorkerHeartbeat.objects.get(hostname="celery@web1")
    assert first.started_at is not None
    heartbeat_record(["celery@web1", "celery@web2", ""])
    assert sorted(WorkerHeartbeat.objects.values_list("hostname", flat=True)) == ["celery@web1", "celery@web2"]
    again = WorkerHeartbeat.objects.get(hostname="celery@web1")
    assert again.started_at == first.started_at and again.last_seen >= first.last_seen


def test_a_worker_unseen_for_three_beats_is_silent():
    now = timezone.now()
    WorkerHeartbeat.objects.create(hostname="celery@fresh", last_seen=now - STALE_AFTER + timedelta(seconds=5))
    WorkerHeartbeat.objects.create(hostname="celery@gone", last_seen=now - STALE_AFTER - timedelta(seconds=5))
    assert {w.hostname: w.alive for w in worker_status_list(now=now)} == {"celery@fresh": True, "celery@gone": False}


def test_admins_see_checks_and_workers(mfa_client, admin_user, settings, monkeypatch, django_assert_max_num_queries):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(health.CHECKS, "broker", lambda: None)
    WorkerHeartbeat.objects.create(hostname="celery@web1", last_seen=timezone.now())
    WorkerHeartbeat.objects.create(hostname="celery@old", last_seen=timezone.now() - timedelta(hours=2))
    client = mfa_client(admin_user)
    with django_assert_max_num_queries(8):
        page = client.get("/system/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "celery@web1" in text and "celery@old" in text
    assert text.count(">Alive<") == 1 and text.count(">Silent<") == 1
    assert "(1 alive)" in text and 'href="/system/"' in text  # in the navigation too


def test_with_tasks_in_process_the_page_says_there_are_no_workers(mfa_client, admin_user, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    page = mfa_client(admin_user).get("/system/")
    assert page.status_code == 200 and "inside the web process" in page.content.decode()


@pytest.mark.parametrize("who", ["lead", "manager", "customer"])
def test_nobody_but_admins_sees_the_system_page(mfa_client, who, request):
    page = mfa_client(request.getfixturevalue(who)).get("/system/")
    assert page.status_code == 403
    assert 'href="/system/"' not in mfa_client(request.getfixturevalue(who)).get("/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/system/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
