"""Service tests: tasks run through a real Celery worker process on Redis, against PostgreSQL.

They skip, saying why, unless the suite runs with DATABASE_URL on PostgreSQL and CELERY_BROKER_URL
on a reachable Redis (as `.ci/run` does).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from audit.services import audit_record
from audit.tasks import audit_chain_verify_task
from config.celery import app

BASE_DIR = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.service, pytest.mark.django_db(transaction=True)]


def _unavailable_reason() -> str | None:
    if connection.vendor != "postgresql":
        return "service test: needs PostgreSQL (run with DATABASE_URL=postgres://…, as .ci/run does)"
    if not settings.CELERY_BROKER_URL:
        return "service test: needs a Redis broker (run with CELERY_BROKER_URL=redis://…, as .ci/run does)"
    broker = urlsplit(settings.CELERY_BROKER_URL)
    try:
        socket.create_connection((broker.hostname or "127.0.0.1", broker.port or 6379), timeout=2).close()
    except OSError as error:
        return f"service test: Redis at {broker.hostname}:{broker.port} unreachable ({error})"
    return None


@pytest.fixture(scope="module")
def shared_files(tmp_path_factory):
    """One files folder for this process and the worker, as in production."""
    return tmp_path_factory.mktemp("files")


@pytest.fixture(scope="module")
def worker_queue(django_db_setup, django_db_blocker, shared_files):
    """A Celery worker in its own process, consuming a queue private to this test run."""
    with django_db_blocker.unblock():
        reason = _unavailable_reason()
        db = connection.settings_dict
    if reason:
        if os.environ.get("TRUSTPACK_REQUIRE_SERVICES"):
            pytest.fail(reason)  # CI asked for the services: a skip here would hide a broken setup
        pytest.skip(reason)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    user = f"{db['USER']}@" if db.get("USER") else ""
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{user}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env["FILES_ROOT"] = str(shared_files)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Celery worker exited early:\n{process.stdout.read()[-3000:]}")
        if app.control.ping(destination=[f"{queue}@{socket.gethostname()}"], timeout=1.0):
            break
    else:
        process.kill()
        pytest.fail("Celery worker did not answer within 60 s")
    yield queue
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def shared_checkpoints(settings, shared_files):
    """The web process writes audit checkpoints where the worker reads them; cleared with the database."""
    settings.MEDIA_ROOT = shared_files
    yield shared_files / "audit-checkpoints"
    shutil.rmtree(shared_files / "audit-checkpoints", ignore_errors=True)


def test_worker_verifies_the_audit_chain_written_by_the_web_process(worker_queue, shared_checkpoints, manager):
    for i in range(3):
        audit_record(action=f"test.live.{i}", actor=manager)
    assert sorted(path.name for path in shared_checkpoints.iterdir()) == ["000000000003.json"]
    result = audit_chain_verify_task.apply_async(queue=worker_queue).get(timeout=60)
    assert result["ok"] is True
    assert result["checked"] >= 3


def test_worker_reports_a_tampered_chain(worker_queue, shared_checkpoints, manager):
    for i in range(3):
        audit_record(action=f"test.live.{i}", actor=manager)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute("UPDATE audit_auditevent SET action = 'forged' WHERE action = 'test.live.1'")
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
    result = audit_chain_verify_task.apply_async(queue=worker_queue).get(timeout=60)
    assert result["ok"] is False and "edited" in result["problem"]


def test_worker_imports_and_autofills_an_uploaded_questionnaire(worker_queue, shared_files, settings, manager, lead):
    from questionnaires import services
    from questionnaires.models import Questionnaire, QuestionnaireStatus
    from questionnaires.tasks import questionnaire_import_task
    from tests.factories import library_entry

    settings.MEDIA_ROOT = shared_files
    library_entry(
        author=manager,
        approver=lead,
        key="mfa-enforced",
        question="Is multi-factor authentication enforced for all users?",
        answer="Yes, for every user.",
    )
    data = b"ID,Question,Answer\r\nQ1,Is multi-factor authentication enforced for every user?,\r\n"
    questionnaire = services.questionnaire_create(actor=manager, filename="live.csv", data=data, queue_import=False)
    status = questionnaire_import_task.apply_async(args=[questionnaire.pk], queue=worker_queue).get(timeout=60)
    assert status == QuestionnaireStatus.IN_PROGRESS
    questionnaire = Questionnaire.objects.get(pk=questionnaire.pk)
    assert questionnaire.questions.get().response.suggested_entry.key == "mfa-enforced"
