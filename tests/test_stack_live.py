"""Service tests through the production stack: HTTPS through nginx (the shipped server block) to two gunicorn app
servers sharing PostgreSQL, Redis and an S3-compatible bucket (tests/stack.py starts them).

They skip, saying why, unless the suite runs on PostgreSQL with Redis and the stack's programs are installed (as
`.ci/run` makes sure); with TRUSTPACK_REQUIRE_SERVICES set they fail instead.
"""

import hashlib
import json
import os
import socket
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from accounts.models import Role
from audit.models import AuditEvent
from evidence.models import DocumentVersion
from library.models import LibraryEntry
from tests.conftest import enrol_totp, run_manage, totp_code
from tests.evidence.pdfs import clean_pdf
from tests.factories import PASSWORD, UserFactory

from .stack import Stack, database_url, missing_components, plain_get, skip_unless_available

pytestmark = [pytest.mark.service, pytest.mark.django_db(transaction=True)]


def _unavailable_reason() -> str | None:
    if connection.vendor != "postgresql":
        return "stack test: needs PostgreSQL (run with DATABASE_URL=postgres://…, as .ci/run does)"
    if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        return "stack test: needs Redis as cache and broker (REDIS_URL, CELERY_BROKER_URL, as .ci/run sets)"
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    except OSError as error:
        return f"stack test: Redis unreachable ({error})"
    return missing_components()


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        reason = _unavailable_reason()
        db = connection.settings_dict
    skip_unless_available(reason)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(db),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "AUDIT_HMAC_KEY": settings.AUDIT_HMAC_KEY,
        "SIGNING_DIR": str(tmp_path_factory.getbasetemp() / "signing"),
    }
    running = Stack(tmp_path_factory.mktemp("stack"))
    try:
        running.start_object_store()
        running.start_app_servers(env)
        running.start_proxy()
        yield running
    finally:
        running.stop()


def person(role: str):
    """A user the app servers can sign in: the suite's fast test hasher is not one they accept."""
    user = UserFactory(role=role)
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return user


def sign_in(client, user) -> None:
    """Password, then an authenticator code, as a browser does; each step may reach either app server."""
    device = enrol_totp(user)
    assert client.get("/accounts/login/").status == 200
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status == 302, response.text[response.text.find("<main") :][:1500]
    response = client.get("/")
    assert response.status == 302 and "/mfa/verify/" in response.header("Location")
    client.get(urlsplit(response.header("Location")).path)
    response = client.post("/mfa/verify/", {"code": totp_code(device)})
    assert response.status == 302, response.text[:500]


def test_one_session_and_its_mfa_hold_across_both_app_servers(stack):
    manager = person(Role.ACCOUNT_MANAGER)
    client = stack.client()
    sign_in(client, manager)
    pages = [client.get(path) for path in ("/", "/library/", "/", "/questionnaires/", "/evidence/", "/")]
    assert [page.status for page in pages] == [200] * len(pages)
    assert all(manager.email in page.text or manager.full_name in page.text for page in pages)
    assert {page.upstream for page in pages} == {f"127.0.0.1:{port}" for port in stack.app_ports}
    client.post("/accounts/logout/")
    assert all(client.get("/").status == 302 for _ in range(2))  # signed out on both


def test_the_client_address_is_the_one_the_proxy_saw_never_one_the_client_wrote(stack):
    lead = person(Role.SECURITY_LEAD)
    client = stack.client(source="127.0.0.2")
    forged = {"X-Forwarded-For": "198.51.100.7"}
    client.get("/accounts/login/", **forged)
    response = client.post("/accounts/login/", {"login": lead.email, "password": PASSWORD}, headers=forged)
    assert response.status == 302
    addresses = set(AuditEvent.objects.filter(actor_id=lead.pk).values_list("ip", flat=True))
    assert addresses == {"127.0.0.2"}


def test_the_verify_limit_is_shared_by_both_servers_and_counts_per_client(stack):
    client = stack.client(source="127.0.0.3")
    client.get("/verify/")
    limit = int(settings.VERIFY_RATE_LIMIT.split("/")[0])
    statuses = [
        client.post("/verify/", {}, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status for n in range(limit + 1)
    ]
    assert 429 not in statuses[:limit] and statuses[limit] == 429
    other = stack.client(source="127.0.0.4")
    other.get("/verify/")
    assert other.post("/verify/", {}).status != 429


def test_a_library_file_previewed_on_one_server_is_imported_on_the_other_through_the_bucket(stack):
    manager = person(Role.ACCOUNT_MANAGER)
    client = stack.client()
    sign_in(client, manager)
    client.get("/library/import/")
    rows = "key,question,answer,short_answer,category,classification,aliases\n" + (
        "stack-mfa,Is MFA enforced for staff?,Yes: every staff account signs in with a second factor.,Yes,"
        "identity,public,\n"
    )
    preview = client.post("/library/import/", files={"file": ("entries.csv", rows.encode(), "text/csv")})
    assert preview.status == 200, preview.text[preview.text.find("<main") :][:3000]
    assert stack.object_names("imports/"), "the upload waits in the bucket between preview and confirm"
    token = preview.text.split('name="confirm" value="', 1)[1].split('"', 1)[0]
    confirm = client.post("/library/import/", {"confirm": token})
    assert confirm.status == 302 and confirm.upstream != preview.upstream
    assert LibraryEntry.objects.filter(key="stack-mfa").exists()
    assert stack.object_names("imports/") == []
    assert not any((stack.folder / "no-local-files").rglob("*")), "nothing is written to an app server's disk"


def test_evidence_uploaded_through_one_server_downloads_identically_from_both(stack):
    lead = person(Role.SECURITY_LEAD)
    client = stack.client()
    sign_in(client, lead)
    client.get("/evidence/new/")
    content = clean_pdf()
    created = client.post(
        "/evidence/new/",
        {"title": "Penetration test 2026", "kind": "pentest", "classification": "nda", "owner": lead.pk},
        files={"file": ("pentest.pdf", content, "application/pdf")},
    )
    assert created.status == 302, created.text[:800]
    version = DocumentVersion.objects.get(document__title="Penetration test 2026")
    assert version.file.name in stack.object_names("evidence/")
    path = f"/evidence/{version.document_id}/v{version.number}/download/"
    downloads = [client.get(path) for _ in range(2)]
    assert {d.upstream for d in downloads} == {f"127.0.0.1:{port}" for port in stack.app_ports}
    assert [hashlib.sha256(d.body).hexdigest() for d in downloads] == [hashlib.sha256(content).hexdigest()] * 2


def test_health_answers_over_plain_http_and_no_response_names_the_server_software(stack):
    status, headers, body = plain_get(stack.http_port, "/health/")
    assert status == 200
    assert json.loads(body)["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert "server" not in headers
    status, headers, _ = plain_get(stack.http_port, "/accounts/login/")
    assert status == 301 and headers["location"] == f"https://localhost:{stack.https_port}/accounts/login/"
    assert "server" not in headers
    client = stack.client()
    for response in (client.get("/accounts/login/"), client.get("/no-such-page/"), client.get("/static/missing.css")):
        assert response.header("Server") is None
        assert response.header("Strict-Transport-Security")


def test_a_questionnaire_uploaded_through_the_proxy_is_imported_by_a_worker_from_the_bucket(stack):
    from questionnaires.models import Questionnaire, QuestionnaireStatus
    from tests.factories import library_entry

    manager, lead = person(Role.ACCOUNT_MANAGER), person(Role.SECURITY_LEAD)
    library_entry(
        author=manager,
        approver=lead,
        key="mfa-enforced",
        question="Is multi-factor authentication enforced for all users?",
        answer="Yes, for every user.",
    )
    stack.start_worker()
    client = stack.client()
    sign_in(client, manager)
    client.get("/questionnaires/new/")
    data = b"ID,Question,Answer\r\nQ1,Is multi-factor authentication enforced for every user?,\r\n"
    created = client.post(
        "/questionnaires/new/", {"title": "Stack review"}, files={"file": ("review.csv", data, "text/csv")}
    )
    assert created.status == 302, created.text[created.text.find("<main") :][:1500]
    questionnaire = Questionnaire.objects.get(title="Stack review")
    assert questionnaire.source_file.name in stack.object_names("questionnaires/")
    deadline = time.monotonic() + 60
    while (status := client.get(f"/questionnaires/{questionnaire.pk}/status.json")).status == 200 and json.loads(
        status.body
    ).get("status") == QuestionnaireStatus.IMPORTING:
        assert time.monotonic() < deadline, "the worker did not import the questionnaire"
        time.sleep(0.5)
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.IN_PROGRESS
    assert questionnaire.questions.get().response.suggested_entry.key == "mfa-enforced"
    pages = [client.get(f"/questionnaires/{questionnaire.pk}/") for _ in range(2)]
    assert {page.upstream for page in pages} == {f"127.0.0.1:{port}" for port in stack.app_ports}
    assert all(page.status == 200 and "Is multi-factor authentication enforced" in page.text for page in pages)


def test_a_backup_taken_while_people_upload_restores_into_an_empty_database_and_bucket(stack, tmp_path, empty_database):
    """The drill: `manage.py backup` with the app servers' settings while evidence is being uploaded through the
    proxy, then `manage.py restore` into a new database and a new bucket; rows, every file's hash and the audit
    chain must match, checked by the restore and again here from outside."""
    lead = person(Role.SECURITY_LEAD)
    client = stack.client()
    sign_in(client, lead)
    client.get("/evidence/new/")
    stop, uploaded = threading.Event(), []

    def workload():
        while not stop.is_set() and len(uploaded) < 40:
            response = client.post(
                "/evidence/new/",
                {"title": f"Report {len(uploaded)}", "kind": "policy", "classification": "nda", "owner": lead.pk},
                files={"file": (f"report-{len(uploaded)}.pdf", clean_pdf(), "application/pdf")},
            )
            uploaded.append(response.status)

    busy = threading.Thread(target=workload)
    busy.start()
    try:
        while len(uploaded) < 2:
            stop.wait(0.05)
        backup = run_manage("backup", "--out", str(tmp_path / "backup"), env=stack.app_env)
    finally:
        stop.set()
        busy.join()
    assert backup.returncode == 0, backup.stderr
    assert set(uploaded) == {302}
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    evidence = [name for name in manifest["files"] if name.startswith("evidence/")]
    # Files stored after the dump are copied too (no row points at them); every dumped row's file is there.
    assert len(evidence) >= manifest["rows"]["evidence.DocumentVersion"] >= 2

    new_bucket = f"restore-{uuid.uuid4().hex[:8]}"
    stack.s3_client().create_bucket(Bucket=new_bucket)
    fresh = {**stack.app_env, "DATABASE_URL": empty_database, "S3_BUCKET": new_bucket}
    restored = run_manage("restore", str(tmp_path / "backup"), env=fresh)
    assert restored.returncode == 0, restored.stderr
    assert run_manage("audit_verify", env=fresh).returncode == 0
    s3 = stack.s3_client()
    for name, digest in manifest["files"].items():
        body = s3.get_object(Bucket=new_bucket, Key=name)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == digest, name
    print(  # the drill's figures, for `pytest -s`
        f"backup drill: {len(uploaded)} uploads during the backup; {sum(manifest['rows'].values())} rows,"
        f" {len(manifest['files'])} files and audit trail to seq {manifest['audit_seq']} restored and verified"
    )


def test_a_password_spray_through_the_proxy_slows_the_sprayer_and_never_the_owner(stack):
    lead = person(Role.SECURITY_LEAD)
    attacker = stack.client(source="127.0.0.5")
    attacker.get("/accounts/login/")
    wrong = {"login": lead.email, "password": "not-the-password-1"}
    for _ in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        assert attacker.post("/accounts/login/", wrong).status == 200  # the form again, with an error
    right = attacker.post("/accounts/login/", {"login": lead.email, "password": PASSWORD})
    assert right.status != 302, "the spraying address waits, even with the right password"
    owner = stack.client(source="127.0.0.6")
    owner.get("/accounts/login/")
    assert owner.post("/accounts/login/", {"login": lead.email, "password": PASSWORD}).status == 302


def test_two_leads_approving_one_version_at_once_on_both_servers_approve_it_once(stack):
    from concurrent.futures import ThreadPoolExecutor

    from tests.factories import library_entry

    manager = person(Role.ACCOUNT_MANAGER)
    entry = library_entry(author=manager, key="stack-race")
    leads = [stack.client(), stack.client()]
    for client in leads:
        sign_in(client, person(Role.SECURITY_LEAD))
        client.get(f"/library/entries/{entry.key}/")
    path = f"/library/entries/{entry.key}/v1/approve/"
    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(lambda client: client.post(path), leads))
    assert [r.status for r in responses] == [302, 302]
    assert {r.upstream for r in responses} == {f"127.0.0.1:{port}" for port in stack.app_ports}
    approvals = AuditEvent.objects.filter(action="library.version_approved", object_id=str(entry.pk))
    assert approvals.count() == 1
