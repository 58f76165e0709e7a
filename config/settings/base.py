"""Portline settings: one module; environments differ only by config/env.py variables."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, env
from config.languages import bidi_languages, offered_languages
from portline.common.encryption import KeyConfigurationError, kek_parse

PORTLINE_ENV = env("PORTLINE_ENV")
PRODUCTION = PORTLINE_ENV == "production"
DEBUG = env("PORTLINE_DEBUG") and not PRODUCTION
DEMO = env("PORTLINE_DEMO") and not PRODUCTION


# Encryption at rest (docs/encryption.md). Checked before anything is written: a missing or
# malformed key-encryption key stops every command here. Losing the key loses the data.
DEMO_KEK = "cG9ydGxpbmUtZGVtby1rZXktcHVibGljLW5vLXNlY3I="  # public: demo and tests only


def _kek() -> str:
    key = env("PORTLINE_KEK")
    if not key and PRODUCTION:
        raise ImproperlyConfigured(
            "PORTLINE_KEK must be set in production: the key-encryption key of evidence, "
            "photos and sensitive fields (docs/encryption.md). Nothing was written."
        )
    if not key:  # development, demo and tests: the public demo key (`check --deploy` warns)
        key = DEMO_KEK
    for name, value in [("PORTLINE_KEK", key)] + [
        ("PORTLINE_KEK_PREVIOUS", p) for p in env("PORTLINE_KEK_PREVIOUS")
    ]:
        if value:
            try:
                kek_parse(value, name)
            except KeyConfigurationError as exc:
                raise ImproperlyConfigured(f"{exc} Nothing was written.") from None
    return key


KEK = _kek()
KEK_PREVIOUS = env("PORTLINE_KEK_PREVIOUS")

VAR_DIR = Path(env("PORTLINE_VAR_DIR"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env("PORTLINE_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("PORTLINE_SECRET_KEY must be set in production.")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        # Servers and workers may start at the same moment: each writes its key to a file of
        # its own (mode 600) and links it into place, so the first key wins and no process
        # reads a file another is still writing (an empty key failed every request once).
        fd, temporary = tempfile.mkstemp(dir=VAR_DIR, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(50))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

# Person linkage (portline/linkage): the fingerprint key never has a production default.
LINKAGE_KEY = env("PORTLINE_LINKAGE_KEY") or (
    "portline-demo-linkage-key" if DEMO or PORTLINE_ENV == "test" else ""
)
LINKAGE_BACKEND = env("PORTLINE_LINKAGE_BACKEND")
SPARK_MASTER = env("PORTLINE_SPARK_MASTER")
os.environ.setdefault("SPARK_LOCAL_IP", env("SPARK_LOCAL_IP"))  # Spark reads it itself
ALLOWED_HOSTS = env("PORTLINE_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("PORTLINE_CSRF_TRUSTED_ORIGINS")

PORTLINE_APPS = [
    "portline.common",
    "portline.keys",
    "portline.accounts",
    "portline.audit",
    "portline.scheduling",
    "portline.partners",
    "portline.registrations",
    "portline.intake",
    "portline.geofence",
    "portline.allocation",
    "portline.appointments",
    "portline.screening",
    "portline.inspection",
    "portline.transport",
    "portline.stats",
    "portline.synthetic",
    "portline.complaints",
    "portline.integrity",
    "portline.linkage",
    "portline.privacy",
    "portline.portals.accounts",
    "portline.portals.applicant",
    "portline.portals.partner",
    "portline.portals.officer",
    "portline.portals.public",
    "portline.portals.analysis",
    "portline.portals.complaints",
    "portline.portals.privacy",
    "portline.portals.transport",
    "portline.api",
    "portline.ops",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks",
    "django_tasks_db",
    *PORTLINE_APPS,
]

MIDDLEWARE = [
    # request id, JSON access log, metrics; then admission control before any session work
    "portline.ops.middleware.RequestContextMiddleware",
    # Pages and the API compressed when the client accepts it (static files come precompressed
    # from whitenoise); Django's GZip adds random padding against BREACH-style guessing.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portline.ops.middleware.AdmissionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portline.api.middleware.ApiErrorBodyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portline.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portline.common.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portline" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

PORTLINE_DB_TIMEOUT_SECONDS = _DB_TIMEOUT = env("PORTLINE_DB_TIMEOUT_SECONDS")


def _database(url: str) -> dict:
    """PostgreSQL from a URL, with a connection pool per process (psycopg_pool) and timeouts
    that turn an unreachable or restarting database into a clear error, not a hang."""
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", _DB_TIMEOUT)
        pool_size = env("PORTLINE_DB_POOL_SIZE")
        if pool_size:
            # Django hands the pool `check=ConnectionPool.check_connection`: a connection
            # broken by a database restart is replaced, not handed out.
            config["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django must not
            options["pool"] = {
                "min_size": 1,
                "max_size": pool_size,
                "timeout": _DB_TIMEOUT,
                "max_idle": 60,
            }
    return config


_database_url = env("DATABASE_URL")
DATABASES = {
    "default": _database(_database_url)
    if _database_url
    else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "portline.sqlite3",
        "OPTIONS": {
            # WAL and a busy timeout let the web processes and task workers share the file;
            # synchronous=NORMAL in WAL mode keeps every commit through a process crash
            # (kill -9); only an operating-system crash may lose the last ones.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": _DB_TIMEOUT,
            "transaction_mode": "IMMEDIATE",
        },
    }
}
_replica_url = env("DATABASE_REPLICA_URL")
if _replica_url:
    # Public statistics, round pages and exports read from the replica (portline.ops.router).
    DATABASES["replica"] = {**_database(_replica_url), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["portline.ops.router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("login", "email", "phone", "display_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portline.accounts.passwords.VarietyValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "applicant:home"

# Sessions: applicants keep a working day; staff sessions are shorter (set at login).
SESSION_COOKIE_AGE = env("PORTLINE_SESSION_SECONDS")
PORTLINE_STAFF_SESSION_SECONDS = env("PORTLINE_STAFF_SESSION_SECONDS")
PORTLINE_STAFF_INVITATION_HOURS = env("PORTLINE_STAFF_INVITATION_HOURS")
PORTLINE_PARTNER_CUTOFFS = env("PORTLINE_PARTNER_CUTOFFS")
PORTLINE_PARTNER_CUTOFF_TIME_ZONE = env("PORTLINE_PARTNER_CUTOFF_TIME_ZONE")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"

# django-axes: lock an account after repeated failures from any address; one address is
# limited separately (PORTLINE_LOGIN_FAILURE_LIMIT_PER_ADDRESS, portline.accounts.services).
AXES_FAILURE_LIMIT = env("PORTLINE_LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = env("PORTLINE_LOCKOUT_MINUTES") / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for ip_address among those parameters: the address has its own, higher
# limit instead (a shelter's people share one address), counted in portline.accounts.services.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
PORTLINE_LOGIN_FAILURE_LIMIT_PER_ADDRESS = env("PORTLINE_LOGIN_FAILURE_LIMIT_PER_ADDRESS")
PORTLINE_SIGNUP_RATE_PER_ADDRESS = env("PORTLINE_SIGNUP_RATE_PER_ADDRESS")
PORTLINE_SIGNUP_RATE_TOTAL = env("PORTLINE_SIGNUP_RATE_TOTAL")
# A login succeeds when the second factor passes, not at the password: failures are cleared
# then (portline.accounts.services.login_succeeded), so wrong codes add up across sessions.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "portline.portals.accounts.views.lockout"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Portline"

# Internationalisation: the languages are the folders of portline/locale/ (config/languages.py);
# a language Django does not know (Haitian Creole) is added to LANG_INFO from its language.json.
LANGUAGE_CODE = "en"
LANGUAGES = offered_languages()
LANGUAGES_BIDI = bidi_languages()
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LOCALE_PATHS = [BASE_DIR / "portline" / "locale"]
PORTLINE_COUNTRIES_FIRST = env("PORTLINE_COUNTRIES_FIRST")

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"  # filled by `portline manage collectstatic` in production
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION  # development and tests serve straight from the apps
WHITENOISE_MAX_AGE = 3600  # unversioned names; versioned (manifest) names are cached forever
STORAGES = {
    # Evidence and photos: outside the web root, encrypted (docs/encryption.md), served only
    # through access-checked views.
    "default": {
        "BACKEND": "portline.common.storage.EncryptedFileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private"), "base_url": None},
    },
    # Debug off: hashed names and gzip copies, served by whitenoise with a one-year lifetime
    # (`portline serve` runs collectstatic first). Debug and tests: plain names from the apps.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "private"
PORTLINE_MAX_UPLOAD_BYTES = env("PORTLINE_MAX_UPLOAD_BYTES")
PORTLINE_MAX_OPEN_DRAFTS = env("PORTLINE_MAX_OPEN_DRAFTS")
DATA_UPLOAD_MAX_MEMORY_SIZE = PORTLINE_MAX_UPLOAD_BYTES + 1024 * 1024
# Uploads up to the limit stay in memory: never a plaintext temporary file on disk before
# the encrypted storage seals them (docs/encryption.md).
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

EMAIL_BACKEND = env("PORTLINE_EMAIL_BACKEND")
DEFAULT_FROM_EMAIL = env("PORTLINE_DEFAULT_FROM_EMAIL")

PORTLINE_SMS_SENDER = env("PORTLINE_SMS_SENDER")
PORTLINE_VERIFY_LIMIT = env("PORTLINE_VERIFY_LIMIT")
PORTLINE_VERIFY_WINDOW_SECONDS = env("PORTLINE_VERIFY_WINDOW_SECONDS")
PORTLINE_API_ANONYMOUS_RATE = env("PORTLINE_API_ANONYMOUS_RATE")
PORTLINE_FACE_COMPARER = env("PORTLINE_FACE_COMPARER")
STATS_THRESHOLD = env("PORTLINE_STATS_THRESHOLD")
if STATS_THRESHOLD < 1:
    raise ImproperlyConfigured(
        "PORTLINE_STATS_THRESHOLD must be at least 1: a threshold of 0 would publish every count."
    )
STATS_OPEN_MONTH = env("PORTLINE_STATS_OPEN_MONTH") or DEMO
STATS_PARQUET_DIR = env("PORTLINE_STATS_PARQUET_DIR")
PORTLINE_AUDIT_SIGNING_KEY = env("PORTLINE_AUDIT_SIGNING_KEY")
PORTLINE_AUDIT_CHAIN_LAG = env("PORTLINE_AUDIT_CHAIN_LAG")
PORTLINE_AUDIT_CHAIN_AFTER_COMMIT = env("PORTLINE_AUDIT_CHAIN_AFTER_COMMIT")
PORTLINE_AUDIT_DEMO_KEY = DEMO  # the fixed demo key signs only in demo mode (and tests)
PORTLINE_REPORT_LIMIT = env("PORTLINE_REPORT_LIMIT")

# Rate limits and throttles live in a shared cache, so every process sees them: Redis when
# REDIS_URL is set (sessions then live there too, written through to the database), else the
# database cache table.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("PORTLINE_CACHE_KEY_PREFIX"),
            "OPTIONS": {"socket_connect_timeout": _DB_TIMEOUT, "socket_timeout": _DB_TIMEOUT},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portline_cache",
        }
    }

# Production serving (portline.ops): `portline serve` runs gunicorn with threads.
PORTLINE_WEB_THREADS = env("PORTLINE_WEB_THREADS")
PORTLINE_ADMISSION_STAFF_RESERVE = env("PORTLINE_ADMISSION_STAFF_RESERVE")
PORTLINE_ADMISSION_RATE = env("PORTLINE_ADMISSION_RATE")
PORTLINE_ADMISSION_QUEUE_MS = env("PORTLINE_ADMISSION_QUEUE_MS")
# Paths never queued behind applicants (staff pages, officer console, operators' endpoints).
PORTLINE_ADMISSION_EXEMPT = (
    "/officer/",
    "/partner/",
    "/admin/",
    "/accounts/login/",
    "/accounts/verify/",
    "/accounts/logout/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/static/",
)
# Public, read-only paths served from DATABASE_REPLICA_URL when it is set.
PORTLINE_REPLICA_PATHS = ("/rounds/", "/stats/", "/api/v1/rounds")
PORTLINE_WORKER_STALE_SECONDS = env("PORTLINE_WORKER_STALE_SECONDS")
PORTLINE_METRICS_ALLOWED = env("PORTLINE_METRICS_ALLOWED")
PORTLINE_TRUSTED_PROXIES = env("PORTLINE_TRUSTED_PROXIES")

# Background work: django-tasks with its database backend (a worker: `portline worker`).
# Integrity pattern rules: a pattern is flagged when its count reaches the threshold.
PORTLINE_INTEGRITY_THRESHOLDS = {
    "address_hub": env("PORTLINE_INTEGRITY_ADDRESS_GROUPS"),
    "sponsor_hub": env("PORTLINE_INTEGRITY_SPONSOR_GROUPS"),
    "provider_hub": env("PORTLINE_INTEGRITY_PROVIDER_CASES"),
    "document_reuse": env("PORTLINE_INTEGRITY_DOCUMENT_REGISTRATIONS"),
    "phone_reuse": env("PORTLINE_INTEGRITY_PHONE_GROUPS"),
    "email_reuse": env("PORTLINE_INTEGRITY_EMAIL_GROUPS"),
    "photo_reuse": env("PORTLINE_INTEGRITY_PHOTO_REGISTRATIONS"),
    "staff_burst_people": env("PORTLINE_INTEGRITY_STAFF_PEOPLE"),
    "staff_burst_window_s": 60 * env("PORTLINE_INTEGRITY_STAFF_WINDOW_MINUTES"),
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Security headers (manage.py check --deploy is clean with PORTLINE_ENV=production).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "portline.common.logging.RedactPersonalData"},
        "request_id": {"()": "portline.ops.logs.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "portline.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("PORTLINE_LOG_FORMAT"),
            "filters": ["redact", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("PORTLINE_LOG_LEVEL")},
    "loggers": {
        # Django's request logger prints full URLs and POST data on errors; keep it to our filter.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # One line per request (portline.ops.middleware): route, status, time; query redacted.
        "portline.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Retention schedule: days per kind of record (docs/data-protection.md, `portline retention run`).
PORTLINE_RETENTION_DAYS = {
    "drafts": env("PORTLINE_RETENTION_DRAFT_DAYS"),
    "requests_not_selected": env("PORTLINE_RETENTION_NOT_SELECTED_DAYS"),
    "evidence_after_decision": env("PORTLINE_RETENTION_EVIDENCE_DAYS"),
    "confirmation_photos": env("PORTLINE_RETENTION_CONFIRMATION_PHOTO_DAYS"),
    "location_points": env("PORTLINE_RETENTION_LOCATION_DAYS"),
    "check_in_selfies": env("PORTLINE_RETENTION_CHECK_IN_SELFIE_DAYS"),
    "deletion_requests": env("PORTLINE_RETENTION_DELETION_REQUEST_DAYS"),
}
if any(days < 0 for days in PORTLINE_RETENTION_DAYS.values()):
    raise ImproperlyConfigured("PORTLINE_RETENTION_*_DAYS must be 0 or more.")
PORTLINE_ACCESS_UNUSUAL_READS = env("PORTLINE_ACCESS_UNUSUAL_READS")
PORTLINE_ACCESS_WINDOW_DAYS = env("PORTLINE_ACCESS_WINDOW_DAYS")
