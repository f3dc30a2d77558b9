"""Service tests: tasks run through a real Celery worker process on Redis, against PostgreSQL.

They skip, saying why, unless the suite runs with DATABASE_URL on PostgreSQL and CELERY_BROKER_URL
on a reachable Redis (as `.ci/run` does).
"""

import os
import shutil
import signal
import socket
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection, transaction

from audit.services import audit_record
from audit.tasks import audit_chain_verify_task

from .stack import database_url, skip_unless_available, start_worker, stop_worker

BASE_DIR = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.service, pytest.mark.django_db(transaction=True)]


def _unavailable_reason() -> str | None:
    if connection.vendor != "postgresql":
        return "service test: needs PostgreSQL (run with DATABASE_URL=postgres://…, as .ci/run does)"
    if settings.CELERY_TASK_ALWAYS_EAGER:
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
def worker_env(django_db_setup, django_db_blocker, shared_files, tmp_path_factory):
    """The environment a worker process needs to reach this run's database, broker and files; skips (or fails,
    when TRUSTPACK_REQUIRE_SERVICES is set) without PostgreSQL and Redis."""
    with django_db_blocker.unblock():
        reason = _unavailable_reason()
        db = connection.settings_dict
    skip_unless_available(reason)
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url(db)
    env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env["FILES_ROOT"] = str(shared_files)
    env["SIGNING_DIR"] = str(tmp_path_factory.getbasetemp() / "signing")  # the CA this process trusts in tests
    return env


def new_queue() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def worker_queue(worker_env):
    """A Celery worker in its own process, consuming a queue private to this test run."""
    queue = new_queue()
    process = start_worker(worker_env, queue)
    yield queue
    stop_worker(process)


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


@pytest.fixture
def render_queue(worker_env, shared_files, settings, monkeypatch):
    """A queue private to this test that package renders are sent to, and the environment of its workers."""
    from reports import services
    from reports.tasks import package_render_task

    settings.MEDIA_ROOT = shared_files
    queue = new_queue()
    monkeypatch.setattr(
        services, "_queue_render", lambda pdf_id: package_render_task.apply_async([pdf_id], queue=queue)
    )
    # Redis hands a dead worker's unacknowledged task back after this long (production waits past the time limit).
    # A worker looks for such tasks as it starts, then rarely: by the time the next one is up, the task qualifies.
    return queue, {**worker_env, "BROKER_VISIBILITY_TIMEOUT": "1"}


def release_and_kill_mid_render(manager, lead, organisation, kill) -> int:
    """Release a package, wait until a worker has started rendering its PDF, then `kill()` that worker while it
    is stuck at its next step (this test holds the revision's row); the revision's id."""
    from reports import services
    from reports.models import RenderedPdf, RenderStatus
    from tests.factories import library_entry

    entries = [library_entry(author=manager, approver=lead, key="mfa-enforced", answer="An app code, always.")]
    draft = services.package_create(actor=manager, organisation=organisation, title="Answers", entries=entries)
    pdf = services.package_release(actor=lead, package=draft, via_cli=True).latest_pdf
    deadline = time.monotonic() + 30
    while not RenderedPdf.objects.filter(pk=pdf.pk, attempts=1).exists():
        assert time.monotonic() < deadline, "no worker started the render"
        time.sleep(0.02)
    with transaction.atomic():
        assert RenderedPdf.objects.select_for_update().get(pk=pdf.pk).status == RenderStatus.RENDERING
        time.sleep(0.5)
        kill()
    assert RenderedPdf.objects.get(pk=pdf.pk).status == RenderStatus.RENDERING
    return pdf.pk


def wait_until_rendered(pdf_id: int, *, seconds: float = 45):
    from reports.models import RenderedPdf, RenderStatus

    deadline = time.monotonic() + seconds
    while (pdf := RenderedPdf.objects.get(pk=pdf_id)).status == RenderStatus.RENDERING:
        assert time.monotonic() < deadline, f"still rendering at {pdf.progress}% after {seconds} s"
        time.sleep(0.2)
    assert pdf.status == RenderStatus.READY, pdf.error
    with pdf.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    return pdf


def test_a_render_killed_with_its_worker_is_finished_by_the_next_worker(render_queue, manager, lead, organisation):
    queue, env = render_queue
    first = start_worker(env, queue)

    def kill_worker():
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

    try:
        pdf_id = release_and_kill_mid_render(manager, lead, organisation, kill_worker)
    finally:
        if first.poll() is None:
            first.kill()
    second = start_worker(env, queue)
    try:
        pdf = wait_until_rendered(pdf_id)
    finally:
        stop_worker(second)
    assert pdf.attempts == 2  # the redelivered task took the dead run over


def test_a_render_whose_pool_process_dies_is_requeued_and_finished(render_queue, manager, lead, organisation):
    queue, env = render_queue
    worker = start_worker(env, queue, "--pool=prefork", "--concurrency=1")

    def kill_pool_process():
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        assert len(children) == 1, children
        os.kill(int(children[0]), signal.SIGKILL)

    try:
        pdf_id = release_and_kill_mid_render(manager, lead, organisation, kill_pool_process)
        # The worker hands the task back at once (reject on worker lost) and its new pool process runs it again.
        pdf = wait_until_rendered(pdf_id, seconds=30)
    finally:
        stop_worker(worker)
    assert pdf.attempts == 2


def test_a_running_worker_shows_its_heartbeat_on_the_system_page(worker_queue, admin_user, mfa_client):
    from django.utils import timezone

    from jobs.models import WorkerHeartbeat
    from jobs.tasks import worker_heartbeat

    hostname = f"{worker_queue}@{socket.gethostname()}"
    worker_heartbeat.apply_async(queue=worker_queue).get(timeout=60)
    beat = WorkerHeartbeat.objects.get(hostname=hostname)
    assert (timezone.now() - beat.last_seen).total_seconds() < 60
    page = mfa_client(admin_user).get("/system/")
    assert hostname in page.content.decode() and "Alive" in page.content.decode()
