"""chiso settings: one module, driven by environment variables (see docs/configuration.md).

Every variable is read through a helper that fails loudly on a malformed value: a typo in
production must stop the process, not silently fall back to a default.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected an integer") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Production unless a developer says otherwise: the safe mode needs no variable, so a
# forgotten variable can never weaken a server. The demo and the tests set CHISO_INSECURE_DEV=1.
INSECURE_DEV = env_bool("CHISO_INSECURE_DEV", False)
PRODUCTION = not INSECURE_DEV
DEV_SECRET_KEY = "insecure-dev-key-do-not-use-in-production"
DEBUG = env_bool("CHISO_DEBUG", False)
SECRET_KEY = env_str("CHISO_SECRET_KEY", "") or (DEV_SECRET_KEY if INSECURE_DEV else "")
ALLOWED_HOSTS = env_list(
    "CHISO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
)


def refuse_unsafe_production(debug: bool, secret_key: str, allowed_hosts: list[str]) -> None:
    """Stop a production process on a configuration that would expose the site (each message
    names the variable to fix). Django's own `check --deploy` only warns, and too late."""
    dev = "(on a development machine set CHISO_INSECURE_DEV=1 instead)"
    if debug:
        raise ImproperlyConfigured(f"CHISO_DEBUG must be off in production {dev}")
    if not secret_key:
        raise ImproperlyConfigured(f"CHISO_SECRET_KEY is required in production {dev}")
    if secret_key == DEV_SECRET_KEY or secret_key.startswith("django-insecure-"):
        raise ImproperlyConfigured("CHISO_SECRET_KEY is a known development key: generate one")
    # Django's own bar for a strong key (security.W009): 50 characters, 5 distinct.
    if len(secret_key) < 50 or len(set(secret_key)) < 5:
        raise ImproperlyConfigured(
            "CHISO_SECRET_KEY is too weak: use at least 50 random characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if not allowed_hosts:
        raise ImproperlyConfigured(
            "CHISO_ALLOWED_HOSTS is empty: name the host(s) the site answers to, "
            "e.g. CHISO_ALLOWED_HOSTS=cds.nghean.gov.vn"
        )


if PRODUCTION:
    refuse_unsafe_production(DEBUG, SECRET_KEY, ALLOWED_HOSTS)

CSRF_TRUSTED_ORIGINS = env_list("CHISO_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("CHISO_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    # Serves the API docs' Swagger UI from our own static files (no CDN, allowed by the CSP).
    "ninja",
    # Django's task interface (backport) and its database queue, run by `chiso worker`.
    "django_tasks",
    "django_tasks_db",
    "chiso.lib",
    "chiso.jobs",
    "chiso.accounts",
    "chiso.org",
    "chiso.frameworks",
    "chiso.collection",
    "chiso.scoring",
    "chiso.plans",
    "chiso.dashboards",
    "chiso.exports",
    "chiso.api",
    "chiso.demo",
    "chiso.ops",
]

MIDDLEWARE = [
    # Outermost: one log line per request, timed over the whole stack (CHISO_REQUEST_LOG).
    "chiso.lib.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (policy below).
    "csp.middleware.CSPMiddleware",
    # Static files from the app server itself (no separate web server needed), compressed
    # and cached forever under hashed names in production.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chiso.lib.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Submitted form fields in NFC, without zero-width or bidi characters (docs/security-files.md).
    "chiso.lib.unicode_safety.CleanInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into a clear 429 page.
    "axes.middleware.AxesMiddleware",
]

# django-csp: scripts and styles only from our own static files, no inline code or style
# attributes (an injected <script> or onclick= does not run); no framing (clickjacking).
# Inline JSON data blocks (<script type="application/json">) are not executed, so allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # the empty favicon (data:,) and Swagger UI's icons
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # counts failures and refuses locked-out logins
    # Django's ModelBackend, reading the per-request user with one plain query.
    "chiso.accounts.backends.ModelBackend",
]
# django-axes: lock a user name from one address after repeated failures, for a while.
AXES_FAILURE_LIMIT = env_int("CHISO_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = env_int("CHISO_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

ROOT_URLCONF = "chiso.urls"
WSGI_APPLICATION = "chiso.wsgi.application"

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
                "django.template.context_processors.i18n",
                "chiso.lib.context_processors.page",
            ],
        },
    }
]

DATA_DIR = Path(env_str("CHISO_DATA_DIR", str(BASE_DIR.parent / "var")))
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'chiso.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL={DATABASE_URL!r}: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default needs its folder; creating it here keeps `chiso demo` one step.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers proceed while one writer saves; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    # Persistent connections: opening one runs the PRAGMAs above, ~3 ms a request otherwise.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, its per-request health check without a round trip (lib/postgresql).
    DATABASES["default"]["ENGINE"] = "chiso.lib.postgresql"
else:
    raise ImproperlyConfigured(
        f"DATABASE_URL={DATABASE_URL!r}: only sqlite:// and postgres:// are supported"
    )
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Hot reads as prepared statements on PostgreSQL (chiso/lib/pgquery.py); 0 behind a pooler in
# transaction mode, where a prepared statement does not survive.
CHISO_PG_PREPARE = env_bool("CHISO_PG_PREPARE", True)
# Scoring: how much of each process's memory the cohorts kept between re-scores may take
# (chiso/scoring/store.py; a national cohort is ~30 MB).
CHISO_SCORING_CACHE_MB = env_int("CHISO_SCORING_CACHE_MB", 256)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("CHISO_SESSION_AGE", 8 * 3600)
# Sessions live in the database only, read on every request (~0.3 ms). The cached_db backend
# was tried and withdrawn: with Django's default per-process cache, a logout deletes the
# session from one worker's cache only, and the other workers keep serving it as logged in
# for up to the session age. A read cache in front is safe only with a cache every worker
# shares (Redis, memcached); see test_a_logout_reaches_every_worker.
SESSION_ENGINE = "chiso.accounts.sessions"  # the db backend, its read without the ORM
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("CHISO_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS (docs/deployment.md). Behind nginx, which ends TLS, Django learns the scheme from the
# X-Forwarded-Proto header nginx sets; trusted only when the operator says a proxy is there,
# since a client talking to gunicorn directly could send it too.
if env_bool("CHISO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Login lockouts per client address, not per proxy (see chiso/lib/proxy.py).
    AXES_CLIENT_IP_CALLABLE = "chiso.lib.proxy.client_ip"
SECURE_SSL_REDIRECT = env_bool("CHISO_SSL_REDIRECT", PRODUCTION)
# Health probes come over plain HTTP from the machine itself (systemd, Docker, a balancer).
SECURE_REDIRECT_EXEMPT = [r"^health/"]
# HSTS pins browsers to HTTPS for this long: a commitment, so off until the operator sets it.
SECURE_HSTS_SECONDS = env_int("CHISO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("CHISO_HSTS_PRELOAD", False)
# Preloading also needs the domain submitted to the browsers' list: the domain owner's decision,
# not a defect of the configuration, so `check --deploy` need not warn about it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("CHISO_TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# In production `chiso serve` collects the static files here before it starts the workers.
STATIC_ROOT = Path(env_str("CHISO_STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from it in production


def file_storage() -> dict[str, Any]:
    """Where uploaded files live: the local MEDIA_ROOT, or an S3-compatible bucket.

    Code reads and writes them through Django's storage API only, so with `s3` no web worker
    keeps a file on its own disk. Objects are written without an ACL (private, like the
    bucket) and served only through the permission-checked views, never by a bucket URL.
    """
    kind = env_str("CHISO_STORAGE", "local").strip().lower()
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"CHISO_STORAGE={kind!r}: expected local or s3")
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured(
            "CHISO_STORAGE=s3 needs django-storages: pip install 'chiso[s3]'"
        )
    bucket = env_str("CHISO_S3_BUCKET", "")
    if not bucket:
        raise ImproperlyConfigured("CHISO_STORAGE=s3 needs CHISO_S3_BUCKET")
    options = {
        "bucket_name": bucket,
        "location": env_str("CHISO_S3_PREFIX", ""),
        # Empty means boto3's own lookup (AWS_* variables, instance role).
        "endpoint_url": env_str("CHISO_S3_ENDPOINT_URL", "") or None,
        "access_key": env_str("CHISO_S3_ACCESS_KEY", "") or None,
        "secret_key": env_str("CHISO_S3_SECRET_KEY", "") or None,
        "region_name": env_str("CHISO_S3_REGION", "") or None,
        "default_acl": None,  # no ACL header: objects stay as private as the bucket
        "querystring_auth": True,  # any URL ever made would be signed and expiring
        "file_overwrite": False,  # a name already taken gets a new one, never overwritten
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": file_storage(),
    # Production: hashed names (cached by browsers forever), compressed copies, from
    # STATIC_ROOT. Development: the plain names, so a changed file shows on the next reload.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
# Serve files straight from the apps' static/ folders, so `chiso demo` needs no collectstatic.
WHITENOISE_USE_FINDERS = INSECURE_DEV
MEDIA_ROOT = Path(env_str("CHISO_MEDIA_ROOT", str(DATA_DIR / "media")))
# Evidence files larger than this are refused before they are stored.
CHISO_EVIDENCE_MAX_MB = env_int("CHISO_EVIDENCE_MAX_MB", 20)
# Hostile files (docs/security-files.md): checked before any file is parsed or stored.
CHISO_UPLOAD_MAX_MB = env_int("CHISO_UPLOAD_MAX_MB", 25)  # any file: further bytes dropped
CHISO_IMPORT_MAX_MB = env_int("CHISO_IMPORT_MAX_MB", 5)  # xlsx/csv imports, framework files
CHISO_ZIP_MAX_MB = env_int("CHISO_ZIP_MAX_MB", 100)  # total uncompressed size of a zip
CHISO_ZIP_MAX_RATIO = env_int("CHISO_ZIP_MAX_RATIO", 200)  # per member of more than 1 MB
CHISO_ZIP_MAX_MEMBERS = env_int("CHISO_ZIP_MAX_MEMBERS", 2000)
FILE_UPLOAD_HANDLERS = [
    "chiso.lib.safe_files.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger files go to a temporary file, not memory
# Form fields without files: a pasted directive of 1,000,000 characters must still arrive.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CHISO_FORM_MAX_MB", 10) * 1024 * 1024

# Background work (reports, big imports, national re-scores) waits in the database until a
# `chiso worker` runs it (docs/jobs.md). "immediate" runs it inside the request instead: for
# a machine that runs no worker, at the cost of slow pages.
TASKS_BACKEND = env_str("CHISO_TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"CHISO_TASKS_BACKEND={TASKS_BACKEND!r}: expected one of {', '.join(_TASK_BACKENDS)}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
# A web sheet import with at least this many rows is committed by the worker, with a
# progress page; smaller ones (a unit's sheet: ~50–200 rows, well under a second) commit in
# the request, where a job would only add a page.
CHISO_BACKGROUND_IMPORT_ROWS = env_int("CHISO_BACKGROUND_IMPORT_ROWS", 1000)

EMAIL_HOST = env_str("CHISO_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = env_int("CHISO_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("CHISO_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("CHISO_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CHISO_SMTP_TLS", False)
DEFAULT_FROM_EMAIL = env_str("CHISO_FROM_EMAIL", "chiso@localhost")

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# Logs: JSON lines on stdout in production (one object per line, for journald, Docker and log
# shippers), readable text on stderr on a developer's machine. python-json-logger formats.
LOG_FORMAT = env_str("CHISO_LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"CHISO_LOG_FORMAT={LOG_FORMAT!r}: expected json or text")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "stream": "ext://sys.stdout" if LOG_FORMAT == "json" else "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("CHISO_LOG_LEVEL", "WARNING")},
    # One line per request (chiso.lib.requestlog), on by default in production only.
    "loggers": {
        "chiso.request": {
            "level": "INFO" if env_bool("CHISO_REQUEST_LOG", PRODUCTION) else "WARNING"
        }
    },
}
