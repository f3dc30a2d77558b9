"""Pages under load: signed-in staff and customers browsing the dashboard, library, a 261-question review page,
packages and the portal, served by gunicorn with production settings, against a minimal signed-in view (a
questionnaire's import status) served by the same server, through the same middleware, in the same run.

The server and the load generator each get one core of their own (`taskset`), and talk over the loopback only.
The database is PostgreSQL when the local server answers (a fresh `trustpack_load` database, as production
runs), else a throwaway SQLite file; the output says which. Sessions are made by Django's own `login()` after
a second factor, as the sign-in pages make them, so every request passes the whole middleware stack.

Each page is measured alone with 20 users asking as fast as they are answered (its throughput and latency at
20 concurrent users), then all pages together as a mixed crowd of staff and customers. Beside each figure is the
server's CPU time per request (gunicorn's processes, read from the system): requests per second move with
whatever else the machine runs, CPU per request much less. The database runs as its superuser, without the
restricted application role production uses (which changes no query).
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
POSTGRES_DATABASE = "trustpack_load"
REDIS_URL = "redis://127.0.0.1:6379/13"
USERS = 20
PAGE_SECONDS = 8
MIXED_SECONDS = 20
SESSIONS_PER_ROLE = USERS
# Two sync workers, as production runs gunicorn behind the TLS proxy (which buffers slow clients): the pages are
# CPU-bound, so threads would only take turns at one interpreter lock, interleaving a heavy page with light ones;
# two processes on the one core already overlap one's database round trips with the other's Python. (gthread with
# 4 threads measured about a quarter more server CPU per request in the mixed crowd, and a longer tail.)
GUNICORN_WORKERS = 2
# The load target: every main page serves at least this share of the minimal view's requests per second, with
# its 95th percentile under this many milliseconds, at USERS concurrent users.
TARGET_SHARE = 0.5
TARGET_P95_MS = 500


def _postgres_database(*, create: bool) -> bool:
    """Drop the bench's PostgreSQL database and, with `create`, make it afresh; False when the server is not there."""
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return False
    import psycopg

    try:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=2) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")
            if create:
                connection.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
    except psycopg.Error as error:
        print(f"PostgreSQL at 127.0.0.1:5432 is not usable ({error}); falling back to SQLite.")
        return False
    return True


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(workdir: Path) -> tuple[dict, str]:
    """Production settings (DEBUG off, secure cookies behind the TLS proxy, shared cache) on a fresh database."""
    if _postgres_database(create=True):
        database, label = f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}", f"PostgreSQL ({POSTGRES_DATABASE} on 127.0.0.1)"
    else:
        database, label = f"sqlite:///{workdir / 'load.sqlite3'}", "SQLite (temporary file)"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="off",
        SECRET_KEY=f"load-bench-{secrets.token_urlsafe(40)}",
        AUDIT_HMAC_KEY=f"load-bench-{secrets.token_urlsafe(40)}",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database,
        FILES_ROOT=str(workdir / "files"),
        SIGNING_DIR=str(workdir / "signing"),
        STATIC_ROOT=str(workdir / "static"),
        BEHIND_TLS_PROXY="on",
        TRUSTED_PROXY_COUNT="1",
        EMAIL_URL="console://",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(BASE_DIR),
    )
    # Empty rather than unset, so that a development .env cannot fill them in: no worker (the seed's imports and
    # renders run in-process), and the local-memory cache when Redis is not there.
    env["CELERY_BROKER_URL"] = ""
    if _redis_reachable():
        env["REDIS_URL"] = REDIS_URL
    else:
        env["REDIS_URL"] = ""
        label += ", local-memory cache (Redis not reachable)"
    return env, label


def _seed(env: dict, out: Path) -> dict:
    """Migrate, seed and make the sessions in a process of its own, under the server's settings."""
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    for command in (
        [*manage, "migrate", "--noinput", "-v", "0"],
        [*manage, "collectstatic", "--noinput", "-v", "0"],
        [sys.executable, "-m", "bench.load", str(out)],  # prints the seed's mail (console backend): kept quiet
    ):
        done = subprocess.run(command, env=env, cwd=BASE_DIR, capture_output=True, text=True)  # noqa: S603 - ours
        if done.returncode:
            print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
            raise RuntimeError(f"{' '.join(command[1:3])} failed")
    return json.loads(out.read_text())


def _wait_ready(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped before it answered")
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 - our own http://127.0.0.1 URL
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _phases(plan: dict) -> list[dict]:
    pages = plan["pages"]
    phases = [{"name": "warm-up", "seconds": 3, "pages": pages, "record": False}]
    phases += [{"name": page["label"], "seconds": PAGE_SECONDS, "pages": [page], "record": True} for page in pages]
    mixed = [page for page in pages if page["label"] != plan["minimal"]]
    phases.append({"name": "mixed", "seconds": MIXED_SECONDS, "pages": mixed, "record": True})
    return phases


def _print_rows(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print(
        f"{'page':<34} {'role':<9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'requests':>9} "
        f"{'failed':>7} {'server CPU ms/req':>18}"
    )
    for row in rows:
        print(
            f"{row['label']:<34} {row['role']:<9} {row['rps']:>7.1f} {row['p50']:>7.0f} {row['p95']:>7.0f} "
            f"{row['p99']:>7.0f} {row['requests']:>9} {row['failures']:>7} {row['cpu_ms']:>18.1f}"
        )


def _report(plan: dict, results: dict) -> None:
    alone = [results[page["label"]][0] for page in plan["pages"] if results[page["label"]]]
    _print_rows(f"Each page alone, {USERS} users asking without pause, {PAGE_SECONDS} s", alone)
    mixed = results["mixed"]
    _print_rows(f"Mixed crowd of staff and customers, {USERS} users, {MIXED_SECONDS} s (CPU: the crowd's mean)", mixed)
    minimal = next(row for row in alone if row["label"] == plan["minimal"])
    print(
        f"\nTarget: each main page alone serves at least {TARGET_SHARE:.0%} of the minimal view's requests per second"
        f" ({minimal['rps']:.1f}), p95 under {TARGET_P95_MS} ms alone and in the crowd. The share is also given from"
        " server CPU per request, which other work on the machine does not skew:"
    )
    all_met = True
    for row in alone:
        if row is minimal:
            continue
        share = row["rps"] / minimal["rps"] if minimal["rps"] else 0.0
        cpu_share = minimal["cpu_ms"] / row["cpu_ms"] if row["cpu_ms"] else 0.0
        crowd = next((other for other in mixed if other["label"] == row["label"]), row)
        met = share >= TARGET_SHARE and max(row["p95"], crowd["p95"]) < TARGET_P95_MS and not row["failures"]
        all_met &= met
        print(
            f"  {row['label']:<34} {share:>4.0%} of minimal (CPU: {cpu_share:>4.0%}), p95 alone {row['p95']:>5.0f} ms, "
            f"in the crowd {crowd['p95']:>5.0f} ms  {'met' if met else 'NOT met'}"
        )
    print(f"Load target: {'met' if all_met else 'NOT met'}")


def run() -> None:
    """Seed a fresh database, serve it with gunicorn on one core, load it with locust from the other, and print
    each page's requests per second and p50/p95/p99 next to the minimal view's, then whether the target is met."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        print("Skipped: the server and the load generator need a core each, and this process may use only one.")
        return
    server_core, load_core = str(cores[0]), str(cores[1])
    workdir = Path(tempfile.mkdtemp(prefix="trustpack-load-"))
    env = {}
    try:
        env, database = _server_env(workdir)
        started = time.monotonic()
        plan = _seed(env, workdir / "plan.json")
        print(f"Database: {database}; seeded in {time.monotonic() - started:.0f} s ({plan['seed']})")
        port = _free_port()
        server_cmd = [
            "taskset", "-c", server_core, str(Path(sys.executable).parent / "gunicorn"), "config.wsgi",
            "--bind", f"127.0.0.1:{port}", "--workers", str(GUNICORN_WORKERS), "--worker-class", "sync",
            "--access-logfile", "/dev/null", "--error-logfile", str(workdir / "gunicorn.log"),
        ]  # fmt: skip
        server = subprocess.Popen(server_cmd, env=env, cwd=BASE_DIR)  # noqa: S603 - a fixed command
        try:
            plan.update(host=f"http://127.0.0.1:{port}", users=USERS, phases=_phases(plan), server_pid=server.pid)
            (workdir / "plan.json").write_text(json.dumps(plan))
            _wait_ready(f"{plan['host']}/health/", server)
            print(
                f"gunicorn: {GUNICORN_WORKERS} sync workers on core {server_core}; "
                f"locust on core {load_core}; 127.0.0.1 only"
            )
            load_cmd = ["taskset", "-c", load_core, sys.executable, "-m", "bench.locustfile"]
            subprocess.run(  # noqa: S603 - a fixed command
                [*load_cmd, str(workdir / "plan.json"), str(workdir / "results.json")], check=True, cwd=BASE_DIR
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        _report(plan, json.loads((workdir / "results.json").read_text()))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if env.get("DATABASE_URL", "").startswith("postgres"):
            _postgres_database(create=False)


# --- Seeding, run under the server's settings by _seed ---------------------------------------------------------


def _signed_in_cookie(user) -> str:
    """A session as sign-in leaves it after the password and a second factor: Django's login(), then the device."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.services import SESSION_MFA_VERIFIED_AT

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )
    client = Client()
    client.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[0])
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_MFA_VERIFIED_AT] = time.time()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _review_questionnaire(manager, lead, organisation):
    """The CAIQ v4.0.3 (261 questions) imported and auto-filled as an upload is; a generated one of the same
    size when the shared files are absent."""
    from bench.autofill import shared_dir
    from bench.review import _questionnaire
    from library.models import LibraryEntryVersion, VersionStatus
    from questionnaires.services import questionnaire_create, questionnaire_import

    caiq = next(iter(sorted((shared_dir() / "questionnaires").glob("CAIQv4.0.3_*.xlsx"))), None)
    if caiq is None:
        version = LibraryEntryVersion.objects.filter(status=VersionStatus.APPROVED).first()
        return _questionnaire(261, owner=manager, approver=lead, version=version), "generated, 261 questions"
    questionnaire = questionnaire_create(
        actor=manager, filename=caiq.name, data=caiq.read_bytes(), organisation=organisation, queue_import=False
    )
    questionnaire = questionnaire_import(questionnaire_id=questionnaire.pk)
    return questionnaire, f"{caiq.name}, {questionnaire.questions.count()} questions"


def _seed_main(out: Path) -> None:
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from accounts.models import Role, User
    from evidence.selectors import current_nda
    from evidence.services_nda import nda_accept
    from reports.models import Package, Share

    os.environ.setdefault("DEMO_PASSWORD", secrets.token_urlsafe(16))
    call_command("seed_demo", stdout=io.StringIO())
    lead = User.objects.get(email="lead@example.com")
    manager = User.objects.get(email="manager@example.com")
    customer = User.objects.get(email="customer@example.com")
    nda = current_nda()
    nda_accept(user=customer, nda_sha256=nda.sha256, full_name="Casey Customer", title="CISO")
    questionnaire, described = _review_questionnaire(manager, lead, customer.organisation)
    package = Package.objects.get()
    share = Share.objects.get(package=package)
    staff = [lead, manager] * (SESSIONS_PER_ROLE // 2)
    cookies = {"staff": [_signed_in_cookie(user) for user in staff]}
    cookies["customer"] = [_signed_in_cookie(customer) for _ in range(SESSIONS_PER_ROLE)]
    assert customer.role == Role.CUSTOMER
    minimal = "minimal view (import status JSON)"
    pages = [
        ("staff dashboard", "staff", reverse("workspace:dashboard")),
        ("library", "staff", reverse("library:entry-list")),
        (
            "review page (261 questions)",
            "staff",
            reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk]),
        ),
        ("package list", "staff", reverse("reports:package-list")),
        ("package detail", "staff", reverse("reports:package-detail", args=[package.reference])),
        ("customer dashboard", "customer", reverse("workspace:dashboard")),
        ("portal", "customer", reverse("reports:portal-share-list")),
        ("portal share", "customer", reverse("reports:portal-share-detail", args=[share.pk])),
        (minimal, "staff", reverse("questionnaires:questionnaire-status", args=[questionnaire.pk])),
    ]
    plan = {
        "seed": described,
        "minimal": minimal,
        "cookies": cookies,
        "pages": [{"label": label, "role": role, "path": path} for label, role, path in pages],
    }
    out.write_text(json.dumps(plan))


if __name__ == "__main__":
    sys.path.insert(0, str(BASE_DIR))
    _seed_main(Path(sys.argv[1]))
