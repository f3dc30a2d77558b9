"""Backups that restore: a consistent snapshot of the database and every stored file, with a manifest of SHA-256
hashes, and the restore of such a snapshot into an empty database and an empty file store.

Consistency: the database is dumped first (PostgreSQL: `pg_dump` inside a snapshot this process exported, so
the row counts in the manifest are those of the dump; SQLite: the online backup API), then the files are copied.
Every file a dumped row points to was stored before that row committed, so it exists when the copy runs; files
that arrive later are copied too and do no harm. Audit checkpoints newer than the dumped trail are left out, so a
restored trail is never "shorter than its newest checkpoint".

Layout of a backup directory: `manifest.json`, `database.pgdump` or `database.sqlite3`, `files/<storage path>`.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import CHECKPOINT_DIR, CHECKPOINT_NAME, audit_chain_verify

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass
class RestoreReport:
    files: int
    rows: dict[str, int]
    audit_events: int
    problems: list[str] = field(default_factory=list)


def backup_write(out_dir: Path) -> dict:
    """Write a backup into `out_dir` (created; must be empty) and return its manifest."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise BackupError(f"{out_dir} is not empty: back up into a new directory.")
    out_dir.mkdir(parents=True, exist_ok=True)
    database, counts, audit_seq = _dump_database(out_dir)
    files = _copy_files(out_dir / "files", audit_seq=audit_seq)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "database": database,
        "rows": counts,
        "audit_seq": audit_seq,
        "files": files,
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def backup_check(in_dir: Path) -> dict:
    """The manifest, once every file of the backup matches its hash; BackupError naming the first that does not."""
    in_dir = Path(in_dir)
    try:
        manifest = json.loads((in_dir / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{in_dir} holds no readable {MANIFEST}: is it a Trustpack backup?") from error
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"This backup's format is {manifest.get('format')!r}; this version reads {FORMAT_VERSION}.")
    database = manifest["database"]
    if _sha256_path(in_dir / database["file"]) != database["sha256"]:
        raise BackupError(f"{database['file']} does not match its hash in the manifest: the backup is damaged.")
    for name, digest in manifest["files"].items():
        path = _inside(in_dir / "files", name)
        if not path.is_file() or _sha256_path(path) != digest:
            raise BackupError(f"files/{name} is missing or does not match its hash: the backup is damaged.")
    return manifest


def backup_restore(in_dir: Path) -> RestoreReport:
    """Restore a checked backup into this deployment's database and file store, both of which must be empty;
    then check the rows, every file's hash and the audit chain."""
    in_dir = Path(in_dir)
    manifest = backup_check(in_dir)
    if manifest["database"]["engine"] != connection.vendor:
        raise BackupError(
            f"This backup holds a {manifest['database']['engine']} database; this deployment uses {connection.vendor}."
        )
    if connection.vendor == "postgresql" and connection.introspection.table_names():
        raise BackupError(
            "The database already has tables: create a new, empty database (do not migrate it) and restore into it."
        )
    if _has_rows():
        raise BackupError("The database is not empty: restore only into a new, empty database.")
    if _stored_names(""):
        raise BackupError("The file store is not empty: restore only into a new, empty file store.")
    _load_database(in_dir / manifest["database"]["file"])
    for name in manifest["files"]:
        with _inside(in_dir / "files", name).open("rb") as handle:
            saved = default_storage.save(name, handle)
        if saved != name:
            raise BackupError(f"The file store renamed {name} to {saved}; restore into an empty store.")
    return _restore_report(manifest)


def _restore_report(manifest: dict) -> RestoreReport:
    problems = []
    rows = _row_counts()
    for label, count in manifest["rows"].items():
        if rows.get(label) != count:
            problems.append(f"{label}: {rows.get(label)} rows restored, {count} backed up")
    for name, digest in manifest["files"].items():
        with default_storage.open(name, "rb") as handle:
            if _sha256_handle(handle) != digest:
                problems.append(f"{name}: restored file does not match its hash")
    report = audit_chain_verify()
    if not report.ok:
        problems.append(f"audit chain: {report.problem}")
    return RestoreReport(len(manifest["files"]), rows, report.checked, problems)


# ---- database


def _dump_database(out_dir: Path) -> tuple[dict, dict[str, int], int]:
    if connection.vendor == "postgresql":
        return _dump_postgresql(out_dir)
    if connection.vendor == "sqlite":
        return _dump_sqlite(out_dir)
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")


def _dump_postgresql(out_dir: Path) -> tuple[dict, dict[str, int], int]:
    target = out_dir / "database.pgdump"
    # One repeatable-read transaction exports its snapshot; pg_dump dumps exactly that snapshot, and the counts
    # below are read in it too.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            what="pg_dump",
        )
        counts, audit_seq = _row_counts(), _audit_seq()
    return {"engine": "postgresql", "file": target.name, "sha256": _sha256_path(target)}, counts, audit_seq


def _dump_sqlite(out_dir: Path) -> tuple[dict, dict[str, int], int]:
    target = out_dir / "database.sqlite3"
    connection.ensure_connection()
    with transaction.atomic():  # the counts and the copy see the same committed state
        counts, audit_seq = _row_counts(), _audit_seq()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
    return {"engine": "sqlite", "file": target.name, "sha256": _sha256_path(target)}, counts, audit_seq


def _load_database(dump: Path) -> None:
    if connection.vendor == "postgresql":
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--dbname={_pg_env()['PGDATABASE']}",
                str(dump),
            ],
            what="pg_restore",
        )
        return
    source = sqlite3.connect(dump)
    try:
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


def _run(command: list[str], *, what: str) -> None:
    try:
        # A fixed argument list (no shell): the program is pg_dump or pg_restore, the values come from settings.
        result = subprocess.run(  # noqa: S603
            command, env={**os.environ, **_pg_env()}, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BackupError(f"{what} is not installed: install the PostgreSQL client tools.") from error
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[:2000]}")


def _pg_env() -> dict[str, str]:
    settings = connection.settings_dict
    values = {
        "PGHOST": settings.get("HOST") or "",
        "PGPORT": str(settings.get("PORT") or ""),
        "PGUSER": settings.get("USER") or "",
        "PGPASSWORD": settings.get("PASSWORD") or "",
        "PGDATABASE": settings.get("NAME") or "",
    }
    return {key: value for key, value in values.items() if value}


def _models():
    return [model for model in apps.get_models(include_auto_created=True) if model._meta.managed]


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.using("default").count() for model in _models()}


def _has_rows() -> bool:
    # A migrated database has rows in a few tables (content types, permissions, sites): those are rebuilt by
    # migrate and replaced by the restore, so they do not count.
    ignored = {"contenttypes.ContentType", "auth.Permission", "sites.Site", "django_celery_beat.CrontabSchedule"}
    tables = set(connection.introspection.table_names())
    for model in _models():
        if model._meta.db_table in tables and model._meta.label not in ignored and model._base_manager.exists():
            return True
    return False


def _audit_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


# ---- files


def _copy_files(target: Path, *, audit_seq: int) -> dict[str, str]:
    copied: dict[str, str] = {}
    for name in sorted(_stored_names("")):
        if _newer_checkpoint(name, audit_seq):
            continue
        path = _inside(target, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with default_storage.open(name, "rb") as source, path.open("wb") as destination:
                shutil.copyfileobj(source, destination, CHUNK)
        except FileNotFoundError:
            continue  # removed between the listing and the copy: not part of the snapshot
        copied[name] = _sha256_path(path)
    return copied


def _newer_checkpoint(name: str, audit_seq: int) -> bool:
    path = PurePosixPath(name)
    if str(path.parent) != CHECKPOINT_DIR:
        return False
    match = CHECKPOINT_NAME.match(path.name)
    return bool(match) and int(match.group(1)) > audit_seq


def _stored_names(folder: str) -> list[str]:
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names.extend(_stored_names(f"{folder}/{sub}" if folder else sub))
    return names


def _inside(root: Path, name: str) -> Path:
    """`root/name`, refusing names that would leave `root` (a manifest is input too)."""
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()):
        raise BackupError(f"The manifest names a file outside the backup: {name!r}.")
    return path


def _sha256_path(path: Path) -> str:
    with path.open("rb") as handle:
        return _sha256_handle(handle)


def _sha256_handle(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()
