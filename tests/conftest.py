"""Fixtures: users of each role, clients at each stage of sign-in, TOTP codes, and an empty database to restore
into with `manage.py` run as a separate process."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.template import engines
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from accounts.services import SESSION_MFA_VERIFIED_AT

from .factories import OrganisationFactory, UserFactory


class InvalidTemplateVariable(str):
    """Makes a template that reads a missing variable fail the test instead of printing nothing."""

    def __mod__(self, other):
        raise AssertionError(f"Template variable missing: {other!r}")


@pytest.fixture(autouse=True)
def _strict_templates():
    engine = engines["django"].engine
    previous = engine.string_if_invalid
    engine.string_if_invalid = InvalidTemplateVariable("%s")
    yield
    engine.string_if_invalid = previous


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hash strength is Django's business, not what these tests check; PBKDF2 would dominate their time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Tasks run in-process, except in service tests, which send them to a real worker on Redis."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = request.node.get_closest_marker("service") is None
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    # Uploaded and generated files go to a per-test folder, never into the checkout's var/.
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture(autouse=True)
def _private_signing_keys(settings, tmp_path_factory):
    # One throwaway signing CA for the whole run, never the checkout's var/signing.
    settings.SIGNING_DIR = tmp_path_factory.getbasetemp() / "signing"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Acme Manufacturing")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Globex Logistics")


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN, email="admin@example.com")


@pytest.fixture
def lead(db):
    return UserFactory(role=Role.SECURITY_LEAD, email="lead@example.com")


@pytest.fixture
def manager(db):
    return UserFactory(role=Role.ACCOUNT_MANAGER, email="manager@example.com")


@pytest.fixture
def customer(db, organisation):
    return UserFactory(role=Role.CUSTOMER, organisation=organisation, email="customer@example.com")


@pytest.fixture
def other_customer(db, other_organisation):
    return UserFactory(role=Role.CUSTOMER, organisation=other_organisation, email="other@example.com")


def enrol_totp(user) -> TOTPDevice:
    """A confirmed authenticator for `user`."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The 6-digit code the device's app would show at `at` (zero-padded: totp() returns an int)."""
    if at is None:
        return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    generator.time = at
    return f"{generator.token():06d}"


@pytest.fixture
def password_only_client(client):
    """Returns a function: client signed in with the password only (no second factor yet)."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def mfa_client(client):
    """Returns a function: client signed in with password and a just-verified second factor."""

    def sign_in(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol_totp(user)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[SESSION_MFA_VERIFIED_AT] = time.time()
        session.save()
        return client

    return sign_in


@pytest.fixture
def empty_database(tmp_path):
    """A URL for a new, empty database of the kind the tests run on (a new SQLite file, or a new PostgreSQL
    database on the same server, dropped afterwards)."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    params = connection.settings_dict
    name = f"trustpack_restore_{uuid.uuid4().hex[:12]}"
    admin = {"host": params["HOST"], "port": params["PORT"] or 5432, "user": params["USER"], "dbname": "postgres"}
    if params.get("PASSWORD"):
        admin["password"] = params["PASSWORD"]
    with psycopg.connect(**admin, autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{name}"')
    auth = f"{params['USER']}:{params['PASSWORD']}@" if params.get("PASSWORD") else f"{params['USER']}@"
    yield f"postgres://{auth}{params['HOST']}:{admin['port']}/{name}"
    with psycopg.connect(**admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py ARGS` in a new process with `env` over this one's environment."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
