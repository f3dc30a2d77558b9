"""`manage.py backup` and `restore`: a snapshot of the database and every stored file restores into an empty
deployment with the same rows, the same file hashes and an intact audit chain; a damaged backup is refused."""

import json
import os

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from audit.models import AuditEvent
from questionnaires import services as questionnaires
from tests.conftest import run_manage
from workspace.backup import BackupError, backup_check, backup_write

pytestmark = pytest.mark.django_db(transaction=True)

CSV_FILE = b"ID,Question,Answer\r\nQ1,Is multi-factor authentication enforced for every user?,\r\n"


@pytest.fixture
def some_data(manager):
    for number in range(3):
        questionnaires.questionnaire_create(
            actor=manager, filename=f"customer-{number}.csv", data=CSV_FILE, queue_import=False
        )
    assert AuditEvent.objects.count() >= 3


def test_backup_restores_into_an_empty_deployment_with_every_row_file_and_the_audit_chain(
    some_data, tmp_path, capsys, empty_database
):
    out = tmp_path / "backup"
    call_command("backup", "--out", str(out))
    assert "Backup written" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    stored = [name for name in manifest["files"] if name.startswith("questionnaires/")]
    assert len(stored) == 3
    assert manifest["rows"]["questionnaires.Questionnaire"] == 3
    assert manifest["audit_seq"] == AuditEvent.objects.order_by("-seq").first().seq

    fresh = {
        "DATABASE_URL": empty_database,
        "FILES_ROOT": str(tmp_path / "restored-files"),
        "AUDIT_HMAC_KEY": settings.AUDIT_HMAC_KEY,
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }
    restored = run_manage("restore", str(out), env=fresh)
    assert restored.returncode == 0, restored.stderr
    assert "every file matches its hash and the audit chain verifies" in restored.stdout
    verified = run_manage("audit_verify", env=fresh)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stderr
    for name in manifest["files"]:
        assert (tmp_path / "restored-files" / name).is_file(), name
    again = run_manage("restore", str(out), env=fresh)
    assert again.returncode != 0 and "empty" in again.stderr  # refused: the target is no longer empty


def test_a_damaged_backup_is_refused_naming_the_file(some_data, tmp_path):
    out = tmp_path / "backup"
    backup_write(out)
    name = next(name for name in json.loads((out / "manifest.json").read_text())["files"])
    (out / "files" / name).write_bytes(b"changed after the backup")
    with pytest.raises(BackupError, match=f"files/{name} is missing or does not match its hash"):
        backup_check(out)


def test_a_manifest_cannot_point_outside_the_backup(some_data, tmp_path):
    out = tmp_path / "backup"
    backup_write(out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"] = {"../../etc/passwd": "0" * 64}
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="outside the backup"):
        backup_check(out)


def test_backup_refuses_a_directory_that_is_not_empty(some_data, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "other.txt").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        backup_write(tmp_path / "backup")


def test_audit_checkpoints_newer_than_the_dumped_trail_are_left_out(some_data, tmp_path):
    from workspace import backup

    last = AuditEvent.objects.order_by("-seq").first().seq
    default_storage.save(f"audit-checkpoints/{last + 5:012d}.json", ContentFile(b"{}"))
    manifest = backup.backup_write(tmp_path / "backup")
    names = [name for name in manifest["files"] if name.startswith("audit-checkpoints/")]
    assert f"audit-checkpoints/{last + 5:012d}.json" not in names


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":", 1)[0] not in ("postgres", "postgresql"),
    reason="service test: a backup taken while another connection writes needs PostgreSQL (SQLite here is in memory)",
)
def test_a_backup_taken_during_a_running_workload_restores_consistently(manager, tmp_path, empty_database):
    import threading

    from django.db import connections

    stop, written = threading.Event(), []

    def workload():
        try:
            while not stop.is_set():
                questionnaires.questionnaire_create(
                    actor=manager, filename=f"busy-{len(written)}.csv", data=CSV_FILE, queue_import=False
                )
                written.append(1)
        finally:
            connections.close_all()

    worker = threading.Thread(target=workload)
    worker.start()
    try:
        while len(written) < 3:
            stop.wait(0.05)
        manifest = backup_write(tmp_path / "backup")
    finally:
        stop.set()
        worker.join()
    assert manifest["rows"]["questionnaires.Questionnaire"] >= 3  # the snapshot holds rows the workload wrote
    fresh = {
        "DATABASE_URL": empty_database,
        "FILES_ROOT": str(tmp_path / "restored-files"),
        "AUDIT_HMAC_KEY": settings.AUDIT_HMAC_KEY,
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }
    restored = run_manage("restore", str(tmp_path / "backup"), env=fresh)
    assert restored.returncode == 0, restored.stderr  # rows, every file's hash and the audit chain all match
    assert run_manage("audit_verify", env=fresh).returncode == 0
