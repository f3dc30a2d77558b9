"""Trustpack settings, read from the environment (and a development `.env` when present).

Embedded default (no services): SQLite under var/, Celery tasks run eagerly, local-memory cache.
Production is selected by the environment: DATABASE_URL (PostgreSQL), REDIS_URL (shared cache),
CELERY_BROKER_URL (workers). Outside DEBUG, SECRET_KEY, ALLOWED_HOSTS and AUDIT_HMAC_KEY must be given.
"""

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path
from urllib.parse import ParseResult

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    # Real environment variables win over the file.
    env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off.")
    return value


if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY is missing: run `make setup` to write a development .env.")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
else:
    SECRET_KEY = _required("SECRET_KEY")
    ALLOWED_HOSTS = [host.strip() for host in _required("ALLOWED_HOSTS").split(",") if host.strip()]
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# The audit chain's HMAC key lives outside the database, so whoever can write the database cannot
# recompute the chain. It is separate from SECRET_KEY so that rotating SECRET_KEY leaves the trail
# verifiable; changing this key makes every earlier event fail verification.
AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY", default="")
if not AUDIT_HMAC_KEY and DEBUG:
    # A development .env written before this key existed has none. Deriving one from SECRET_KEY (also
    # kept outside the database) under its own label keeps such checkouts working, and is stable
    # across restarts, which a random key would not be.
    AUDIT_HMAC_KEY = hmac.new(SECRET_KEY.encode(), b"trustpack audit chain key", hashlib.sha256).hexdigest()
if not AUDIT_HMAC_KEY:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY must be set when DEBUG is off.")
if len(AUDIT_HMAC_KEY) < 32:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY is too short: use at least 32 random characters.")

INSTALLED_APPS = [
    "accounts.apps.TrustpackAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "allauth",
    "allauth.account",
    "django_ratelimit",
    "accounts",
    "audit",
    "jobs",
    "library",
    "questionnaires",
    "evidence",
    "reports",
    "workspace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "workspace.middleware.RequestSizeLimitMiddleware",
    "workspace.middleware.ControlCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "workspace.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    "accounts.middleware.NoStoreForSignedInMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "workspace.navigation.navigation",
            ],
            "string_if_invalid": env.str("TEMPLATE_STRING_IF_INVALID", default=""),
            # A faster truncatechars with Django's output (workspace/templatetags/text.py).
            "builtins": ["workspace.templatetags.text"],
        },
    }
]

# --- Data -----------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'trustpack.sqlite3'}"),
}
# Connections are kept between requests: opening one costs more than a whole small page (PostgreSQL starts a
# process for each, with cold caches). Each gunicorn thread keeps its own; the health check replaces a connection
# the server dropped before a request uses it.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process keeps its own counts, which is right for the embedded setup; outside DEBUG the
    # accounts.E001 check refuses a local cache anyway, so django-ratelimit need not say so too.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

MEDIA_ROOT = Path(env.str("FILES_ROOT", default=str(VAR_DIR / "files")))
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded questionnaires, evidence, signed PDFs and audit checkpoints go through Django's storage API: the local
# folder FILES_ROOT by default (one machine), or an S3-compatible bucket shared by every app server and worker when
# S3_BUCKET is set. Objects stay private: every download goes through a view that checks who may have it.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    FILE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    FILE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": FILE_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Background jobs ------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Eager tasks still borrow a producer; the in-memory transport keeps that from reaching for a broker.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
# A task is acknowledged when it ends, not when it starts, and handed back to the queue when the process running
# it dies, so a killed worker's task runs again; the job's claim (jobs.services) makes the second run safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands an unacknowledged task to another worker once this has passed since its delivery (a worker killed
# outright never hands it back). Longer than the time limit of every job task (imports, renders), so one still
# running is never delivered twice; the read-only audit check may run longer and is harmless to repeat.
BROKER_VISIBILITY_TIMEOUT = env.int("BROKER_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 5 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT}
# A job with no sign of life for this long is lost for good (its redelivery would have come): the sweeper fails it.
JOB_SILENT_LIMIT = timedelta(seconds=BROKER_VISIBILITY_TIMEOUT) + timedelta(minutes=10)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "jobs.tasks.worker_heartbeat",
        "schedule": timedelta(minutes=1),
        # With no worker running, beats do not pile up in the queue: each is dropped before the next is due.
        "options": {"expires": 55},
    },
    "audit-chain-verify-nightly": {
        "task": "audit.tasks.audit_chain_verify_task",
        "schedule": timedelta(hours=24),
    },
    "evidence-expiry-reminders-daily": {
        "task": "evidence.tasks.evidence_expiry_reminders",
        "schedule": timedelta(hours=24),
    },
    "library-review-reminders-daily": {
        "task": "library.tasks.library_review_reminders",
        "schedule": timedelta(hours=24),
    },
    "questionnaire-imports-sweep": {
        "task": "questionnaires.tasks.questionnaire_imports_sweep_task",
        "schedule": timedelta(minutes=5),
    },
    "package-renders-sweep": {
        "task": "reports.tasks.package_renders_sweep_task",
        "schedule": timedelta(minutes=5),
    },
}

# --- Answer library -------------------------------------------------------------------------------
LIBRARY_REVIEW_INTERVAL_DAYS = env.int("LIBRARY_REVIEW_INTERVAL_DAYS", default=365)
LIBRARY_REVIEW_REMINDER_DAYS = 30

# --- Accounts, sessions, MFA ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "workspace:dashboard"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_MAX_EMAIL_ADDRESSES = 1  # the address is the login: one per account, set by the invitation
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_RATE_LIMITS = {
    # Per client address only: a per-account ("key") limit would let anyone lock an account out without
    # its password. accounts.login_throttle adds the account-and-address and account-wide limits.
    "login_failed": "10/m/ip",
}
# Failed sign-ins for one account from one address before that address must wait (for that account).
LOGIN_FAILURES_PER_ADDRESS = 5
LOGIN_FAILURES_PER_ADDRESS_WINDOW_SECONDS = 15 * 60
# Failed sign-ins for one account from all addresses before every address that has failed for it must wait;
# an address with no failures for the account (its owner's, usually) may still sign in, as may a reset link.
LOGIN_FAILURES_PER_ACCOUNT = 100
LOGIN_FAILURES_PER_ACCOUNT_WINDOW_SECONDS = 60 * 60
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Trustpack] "

OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Trustpack")
# django-otp's own back-off refuses even the right code for a while after a single typo; Trustpack
# throttles per account instead: a few free tries, then a doubling wait (accounts.services.mfa_verify).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
MFA_FREE_ATTEMPTS = 5
MFA_MAX_WAIT_SECONDS = 15 * 60
MFA_STEP_UP_SECONDS = 5 * 60
MFA_RECOVERY_CODE_COUNT = 10

SESSION_COOKIE_AGE = 30 * 60  # idle timeout: the expiry moves on with every request
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_LIFETIME_SECONDS = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
INVITATION_VALID_DAYS = 7
# The largest upload (25 MB evidence documents, fileformats.uploads.EVIDENCE) plus the form around it.
MAX_REQUEST_BYTES = 26 * 1024 * 1024

# --- Packages: vendor identity, signing, verification --------------------------------------------
TRUSTPACK_VENDOR_NAME = env.str("TRUSTPACK_VENDOR_NAME", default="Kestrel Industrial Sensors")
SIGNING_DIR = Path(env.str("SIGNING_DIR", default=str(VAR_DIR / "signing")))
SIGNING_PKCS12_PATH = env.str("SIGNING_PKCS12_PATH", default="")
SIGNING_PKCS12_PASSPHRASE = env.str("SIGNING_PKCS12_PASSPHRASE", default="")
SIGNING_TIMESTAMP_URL = env.str("SIGNING_TIMESTAMP_URL", default="")
SIGNING_TRUST_ROOTS = env.list("SIGNING_TRUST_ROOTS", default=[])
VERIFY_RATE_LIMIT = "20/h"  # checks per client address (IPv6: per /64), counted by django-ratelimit
ACCESS_REQUEST_RATE_LIMIT = "5/h"  # trust-page access requests per client address
RATELIMIT_VIEW = "workspace.errors.too_many_requests"
# How many reverse proxies sit in front (load balancer, TLS terminator). 0: REMOTE_ADDR is the client and
# X-Forwarded-For is ignored; N: the client is the X-Forwarded-For entry N-th from the right, the peer the
# outermost proxy saw. Every rate limit and the audit trail take the address from audit.services.client_ip.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
RATELIMIT_IP_META_KEY = "audit.services.client_ip"

# --- Security headers -----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

if DEBUG:
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False
else:
    # __Host- cookies must be Secure, host-only and Path=/; browsers refuse them otherwise.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer probes the app directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])

# --- Mail -----------------------------------------------------------------------------------------


# EMAIL_URL: console://, smtp://user:pass@host:port, smtp+tls://… (STARTTLS, port 587), smtps://… (TLS from the
# first byte, port 465). django-environ parses it; its names for two of these differ, and its own "smtps" means
# STARTTLS, so the documented schemes are translated first.
_EMAIL_SCHEMES = {"console": "consolemail", "smtp": "smtp", "smtp+tls": "smtp+tls", "smtps": "smtp+ssl"}


def _mailer(url: ParseResult) -> dict:
    """EMAIL_URL as a MAILERS entry (the SMTP port follows the TLS mode when the URL leaves it out)."""
    if url.scheme not in _EMAIL_SCHEMES:
        raise ImproperlyConfigured(f"EMAIL_URL scheme {url.scheme!r} is not one of {', '.join(_EMAIL_SCHEMES)}.")
    config = environ.Env.email_url_config(url._replace(scheme=_EMAIL_SCHEMES[url.scheme]))
    if url.scheme == "console":
        return {"BACKEND": config["EMAIL_BACKEND"]}
    options = {
        "host": config["EMAIL_HOST"] or "localhost",
        "use_tls": bool(config.get("EMAIL_USE_TLS")),
        "use_ssl": bool(config.get("EMAIL_USE_SSL")),
        "timeout": 10,
    }
    if config["EMAIL_PORT"]:
        options["port"] = config["EMAIL_PORT"]
    if config["EMAIL_HOST_USER"]:
        options["username"] = config["EMAIL_HOST_USER"]
        options["password"] = config["EMAIL_HOST_PASSWORD"] or ""
    return {"BACKEND": config["EMAIL_BACKEND"], "OPTIONS": options}


MAILERS = {"default": _mailer(env.url("EMAIL_URL", default="console://" if DEBUG else "smtp://localhost:25"))}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Trustpack <trustpack@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_error_one_line": {"()": "config.log_filters.ClientErrorWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint reports progress per page at INFO: a line for every page of every package.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Django logs a 403 or 404 with the exception's traceback; a refusal is not a fault.
        "django.request": {"filters": ["client_error_one_line"]},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # In-process tasks would log "Task … succeeded" into the output of the command or request that ran them.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
