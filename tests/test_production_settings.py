"""Production settings: required secrets, security headers and cookie flags, the shared-cache check.

Settings are read once per process, so these run a fresh interpreter with a production environment.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, os, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from allauth.account.models import EmailAddress
from accounts.models import User
user = User.objects.create_user(email="probe@example.com", password="probe-passphrase-123", role="account_manager")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
from django.test import Client
client = Client(HTTP_HOST="trust.example.com")
plain = client.get("/accounts/login/")
login_page = client.get("/accounts/login/", secure=True)
signed_in = client.post("/accounts/login/", {"login": user.email, "password": "probe-passphrase-123"}, secure=True)
after = client.get("/", secure=True)
health = client.get("/health/")
cookie = signed_in.cookies.get("__Host-sessionid")
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "headers": dict(login_page.headers),
    "after_headers": dict(after.headers),
    "cookie": None if cookie is None else {k: cookie[k] for k in ("secure", "httponly", "samesite", "path", "domain")},
    "csrf_cookie": sorted(client.cookies.keys()),
    "health_status": health.status_code,
}))
"""


def _production_env(tmp_path: Path, **overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="off",
        SECRET_KEY="test-only-" + "".join(chr(33 + (i * 7) % 90) for i in range(60)),
        AUDIT_HMAC_KEY="test-only-audit-key-" + "".join(chr(48 + (i * 5) % 43) for i in range(40)),
        ALLOWED_HOSTS="trust.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        REDIS_URL="redis://127.0.0.1:6379/15",
        EMAIL_URL="smtp://localhost:25",
    )
    env.update(overrides)
    return env


def _run(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    # Local-memory cache here: the probe checks headers, not Redis (the system check is tested below).
    env = _production_env(tmp_path_factory.mktemp("prod"), REDIS_URL="")
    result = _run(PROBE, env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_plain_http_is_redirected_to_https(probe):
    assert probe["plain_status"] == 301 and probe["plain_location"].startswith("https://")


def test_health_answers_over_plain_http_for_the_load_balancer(probe):
    assert probe["health_status"] == 200


def test_security_headers(probe):
    headers = {k.lower(): v for k, v in probe["headers"].items()}
    hsts = headers["strict-transport-security"]
    assert "includeSubDomains" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 365 * 24 * 3600
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert headers["cross-origin-opener-policy"] == "same-origin"
    csp = {d.strip().split(" ")[0]: d.strip().split(" ")[1:] for d in headers["content-security-policy"].split(";")}
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert csp["script-src"] == ["'self'"]


def test_signed_in_pages_are_not_stored(probe):
    assert "no-store" in {k.lower(): v for k, v in probe["after_headers"].items()}["cache-control"]


def test_session_cookie_flags(probe):
    cookie = probe["cookie"]
    assert cookie is not None, "the session cookie is not __Host- prefixed"
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax" and cookie["path"] == "/" and not cookie["domain"]
    assert "__Host-csrftoken" in probe["csrf_cookie"]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "AUDIT_HMAC_KEY"])
def test_missing_secret_hosts_or_audit_key_is_an_error_outside_debug(tmp_path, missing):
    env = _production_env(tmp_path)
    env[missing] = ""
    result = _run("import django; django.setup()", env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


def test_a_short_audit_key_is_an_error(tmp_path):
    result = _run("import django; django.setup()", _production_env(tmp_path, AUDIT_HMAC_KEY="short"))
    assert result.returncode != 0 and "AUDIT_HMAC_KEY is too short" in result.stderr


def test_local_cache_fails_the_system_check_in_production(tmp_path):
    env = _production_env(tmp_path, REDIS_URL="")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "accounts.E001" in result.stderr


def test_deploy_check_passes_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_oversized_request_bodies_are_refused_before_reading(client, settings, db):
    settings.MAX_REQUEST_BYTES = 1000
    response = client.generic("POST", "/verify/", data=b"x" * 2000, content_type="application/octet-stream")
    assert response.status_code == 413 and b"File too large" in response.content


@pytest.mark.parametrize(
    ("url", "backend", "host", "port", "tls", "ssl"),
    [
        ("smtp://localhost:25", "smtp", "localhost", 25, False, False),
        ("smtp://mail.example.com", "smtp", "mail.example.com", 25, False, False),
        ("smtp+tls://mail.example.com", "smtp", "mail.example.com", 587, True, False),
        ("smtp+tls://mail.example.com:2587", "smtp", "mail.example.com", 2587, True, False),
        ("smtps://mail.example.com", "smtp", "mail.example.com", 465, False, True),  # TLS from the first byte
        ("smtps://mail.example.com:1465", "smtp", "mail.example.com", 1465, False, True),
    ],
)
def test_email_url_selects_the_smtp_connection(settings, url, backend, host, port, tls, ssl):
    from urllib.parse import urlparse

    from django.core.mail import mailers

    from config.settings import _mailer

    settings.MAILERS = {"default": _mailer(urlparse(url))}
    connection = mailers.default
    assert (connection.host, connection.port, connection.use_tls, connection.use_ssl) == (host, port, tls, ssl)
    assert connection.timeout == 10 and connection.username is None


def test_email_url_credentials_are_percent_decoded(settings):
    from urllib.parse import urlparse

    from django.core.mail import mailers

    from config.settings import _mailer

    settings.MAILERS = {"default": _mailer(urlparse("smtp+tls://alerts%40example.com:p%40ss%3Aword@mail.example.com"))}
    connection = mailers.default
    assert (connection.username, connection.password) == ("alerts@example.com", "p@ss:word")


def test_email_url_console_prints_mail(settings):
    from urllib.parse import urlparse

    from django.core.mail import mailers

    from config.settings import _mailer

    settings.MAILERS = {"default": _mailer(urlparse("console://"))}
    assert type(mailers.default).__module__ == "django.core.mail.backends.console"


@pytest.mark.parametrize("url", ["ftp://mail.example.com", "consolemail://", "smtp+ssl://mail.example.com"])
def test_email_url_with_an_undocumented_scheme_is_a_configuration_error(url):
    from urllib.parse import urlparse

    from django.core.exceptions import ImproperlyConfigured

    from config.settings import _mailer

    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme"):
        _mailer(urlparse(url))


def test_debug_without_email_url_prints_mail_and_production_defaults_to_local_smtp(tmp_path):
    code = "import django; django.setup(); from django.conf import settings; print(settings.MAILERS['default'])"
    production = _run(code, {k: v for k, v in _production_env(tmp_path).items() if k != "EMAIL_URL"})
    assert production.returncode == 0, production.stderr
    assert "smtp.EmailBackend" in production.stdout and "'host': 'localhost'" in production.stdout
    development = _run(code, {k: v for k, v in _production_env(tmp_path, DEBUG="on").items() if k != "EMAIL_URL"})
    assert development.returncode == 0, development.stderr
    assert "console.EmailBackend" in development.stdout


def test_a_tls_proxy_without_counted_proxies_is_warned_about(tmp_path):
    def deploy_check(**extra):
        return subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=BASE_DIR,
            env=_production_env(tmp_path, BEHIND_TLS_PROXY="on", **extra),
            capture_output=True,
            text=True,
            timeout=120,
        )

    uncounted = deploy_check()
    assert uncounted.returncode != 0 and "accounts.W001" in uncounted.stderr
    assert deploy_check(TRUSTED_PROXY_COUNT="1").returncode == 0
