"""Every environment variable Portline reads, declared once.

`docs/configuration.md` is generated from this table (`portline config docs`).
Nothing else in the code base reads ``os.environ`` for configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Var:
    name: str
    kind: type
    default: Any
    help: str
    secret: bool = False

    def read(self) -> Any:
        raw = os.environ.get(self.name)
        if raw is None or raw == "":
            return self.default
        if self.kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if self.kind is int:
            return int(raw)
        if self.kind is list:
            return [item.strip() for item in raw.split(",") if item.strip()]
        return raw


VARS: tuple[Var, ...] = (
    Var(
        "PORTLINE_ENV",
        str,
        "development",
        "`development`, `test` or `production`. Production refuses to start without a secret key and turns on HTTPS-only cookies and HSTS.",
    ),
    Var("PORTLINE_DEBUG", bool, False, "Django debug pages. Never in production."),
    Var(
        "PORTLINE_SECRET_KEY",
        str,
        "",
        "Signing key for sessions, CSRF and QR tokens. Required in production; in development a random key is created once under `PORTLINE_VAR_DIR`.",
        secret=True,
    ),
    Var(
        "DATABASE_URL",
        str,
        "",
        "Database, e.g. `postgres://postgres@127.0.0.1:5432/portline`. Empty: SQLite at `PORTLINE_VAR_DIR/portline.sqlite3`.",
    ),
    Var(
        "PORTLINE_VAR_DIR",
        str,
        str(BASE_DIR / "var"),
        "Where the SQLite database, the development secret and uploaded files live (outside the web root).",
    ),
    Var(
        "PORTLINE_ALLOWED_HOSTS",
        list,
        ["127.0.0.1", "localhost"],
        "Comma-separated host names this instance answers to.",
    ),
    Var(
        "PORTLINE_CSRF_TRUSTED_ORIGINS",
        list,
        [],
        "Comma-separated origins (scheme://host) trusted for CSRF behind a proxy.",
    ),
    Var(
        "PORTLINE_MAX_UPLOAD_BYTES",
        int,
        10 * 1024 * 1024,
        "Largest evidence file accepted, in bytes.",
    ),
    Var(
        "PORTLINE_MAX_OPEN_DRAFTS",
        int,
        25,
        "Most registrations one account may have open as drafts (not yet submitted) at once; one more is refused until a draft is submitted or deleted.",
    ),
    Var("PORTLINE_SESSION_SECONDS", int, 8 * 3600, "Session lifetime for applicants."),
    Var(
        "PORTLINE_STAFF_SESSION_SECONDS",
        int,
        30 * 60,
        "Idle session lifetime for every staff role (partner staff, officers, supervisors, administrators, analysts): they handle many people's data.",
    ),
    Var(
        "PORTLINE_STAFF_INVITATION_HOURS",
        int,
        72,
        "Hours a partner organization's staff invitation link stays valid; it works once.",
    ),
    Var(
        "PORTLINE_PARTNER_CUTOFFS",
        list,
        ["12:00", "18:00"],
        "Daily submission cut-offs for partner organizations' bulk entries (HH:MM, comma-separated, in PORTLINE_PARTNER_CUTOFF_TIME_ZONE): entries committed before a cut-off form that cut-off's batch.",
    ),
    Var(
        "PORTLINE_PARTNER_CUTOFF_TIME_ZONE",
        str,
        "America/Mexico_City",
        "Time zone in which the partner submission cut-offs are read.",
    ),
    Var(
        "PORTLINE_LOGIN_FAILURE_LIMIT",
        int,
        5,
        "Failed logins (wrong password or wrong second-factor code, from any address) before an account is locked out.",
    ),
    Var(
        "PORTLINE_LOGIN_FAILURE_LIMIT_PER_ADDRESS",
        int,
        20,
        "Failed logins from one client address (whatever the account) before that address is locked out; higher than the per-account limit because shelters share one address.",
    ),
    Var("PORTLINE_LOCKOUT_MINUTES", int, 30, "How long a lock-out lasts."),
    Var(
        "PORTLINE_SIGNUP_RATE_PER_ADDRESS",
        str,
        "20/hour",
        "Sign-up attempts (pages and API) per client address, e.g. `20/hour`.",
    ),
    Var(
        "PORTLINE_SIGNUP_RATE_TOTAL",
        str,
        "300/min",
        "Sign-up attempts from all addresses together (a burst limit), e.g. `300/min`.",
    ),
    Var(
        "PORTLINE_EMAIL_BACKEND",
        str,
        "django.core.mail.backends.console.EmailBackend",
        "Django e-mail backend used for notifications.",
    ),
    Var(
        "PORTLINE_DEFAULT_FROM_EMAIL", str, "portline@localhost", "Sender address of notifications."
    ),
    Var(
        "PORTLINE_SMS_SENDER",
        str,
        "portline.appointments.notifications.ConsoleSmsSender",
        "Dotted path of the SMS sender class (an `SmsSender`); the default writes messages to the log without the number.",
    ),
    Var(
        "PORTLINE_VERIFY_LIMIT",
        int,
        30,
        "Third-party appointment checks allowed per client address per window.",
    ),
    Var("PORTLINE_VERIFY_WINDOW_SECONDS", int, 600, "Length of that window, in seconds."),
    Var(
        "PORTLINE_API_ANONYMOUS_RATE",
        str,
        "20/min",
        "Budget of unauthenticated API calls (sign-up, token) per client address, e.g. `20/min`.",
    ),
    Var(
        "PORTLINE_FACE_COMPARER",
        str,
        "",
        "Dotted path of a `FaceComparer` implementation; empty: none (officers compare visually and check documents).",
    ),
    Var(
        "PORTLINE_DEMO",
        bool,
        False,
        "Demo mode: allows `portline accounts otp-code` for demo logins. Never in production.",
    ),
    Var(
        "PORTLINE_AUDIT_SIGNING_KEY",
        str,
        "",
        "Ed25519 key (32-byte seed, base64; `portline audit keygen` makes one) that signs each day's audit Merkle root. Required to publish roots outside demo mode and tests, which use a fixed, public demo key.",
        secret=True,
    ),
    Var(
        "PORTLINE_AUDIT_CHAIN_LAG",
        int,
        300,
        "Seconds an audit event may stay unchained (written, committed, not yet given its place in the hash chain by the sequencer) before `portline audit verify` reports it.",
    ),
    Var(
        "PORTLINE_AUDIT_CHAIN_AFTER_COMMIT",
        bool,
        True,
        "Chain audit events right after each audited commit, in the writing process (the lock is only tried: a writer never waits for another). Turn off where a dedicated sequencer runs (`portline audit chain --follow`), which chains in larger batches and leaves writers only their INSERT.",
    ),
    Var(
        "PORTLINE_REPORT_LIMIT",
        int,
        20,
        "Reports of extortion or fake appointments (and receipt-code checks) accepted per client address per hour; a shelter's many people may share one address. The address is kept only as a keyed hash in the rate-limit cache, never with a report.",
    ),
    Var("PORTLINE_LOG_LEVEL", str, "INFO", "Log level. Logs never contain personal data."),
    Var(
        "PORTLINE_STATS_THRESHOLD",
        int,
        10,
        "Published statistics hide every count from 1 to this number minus one, and enough others that none can be worked out (docs/statistics.md). At least 1.",
    ),
    Var(
        "PORTLINE_STATS_PARQUET_DIR",
        str,
        "",
        "Folder of the statistics snapshot written by `portline stats snapshot`; when set, statistics are aggregated by DuckDB from it instead of the database.",
    ),
    Var(
        "PORTLINE_STATS_OPEN_MONTH",
        bool,
        False,
        "Also publish the month still running. Off by default: figures that change daily can be compared day to day. The demo turns it on.",
    ),
    # Integrity pattern rules (docs/integrity.md): a pattern is flagged at its threshold.
    Var(
        "PORTLINE_INTEGRITY_ADDRESS_GROUPS",
        int,
        10,
        "Unrelated groups sharing one normalised US address that raise an address flag.",
    ),
    Var(
        "PORTLINE_INTEGRITY_SPONSOR_GROUPS",
        int,
        10,
        "Unrelated groups naming one sponsor that raise a sponsor flag.",
    ),
    Var(
        "PORTLINE_INTEGRITY_PROVIDER_CASES",
        int,
        50,
        "Registrations whose evidence one provider (doctor, psychologist, police station) attested that raise a provider flag.",
    ),
    Var(
        "PORTLINE_INTEGRITY_DOCUMENT_REGISTRATIONS",
        int,
        2,
        "Registrations carrying one identity document number that raise a flag.",
    ),
    Var(
        "PORTLINE_INTEGRITY_PHONE_GROUPS",
        int,
        3,
        "Unrelated groups giving one phone number that raise a flag.",
    ),
    Var(
        "PORTLINE_INTEGRITY_EMAIL_GROUPS",
        int,
        3,
        "Unrelated groups giving one e-mail address that raise a flag.",
    ),
    Var(
        "PORTLINE_INTEGRITY_PHOTO_REGISTRATIONS",
        int,
        2,
        "Registrations carrying the same photograph (equal perceptual hash) that raise a flag.",
    ),
    Var(
        "PORTLINE_INTEGRITY_STAFF_PEOPLE",
        int,
        60,
        "People entered by one partner staff account within the window that raise a flag.",
    ),
    Var(
        "PORTLINE_INTEGRITY_STAFF_WINDOW_MINUTES",
        int,
        60,
        "That window, in minutes.",
    ),
    Var(
        "PORTLINE_LINKAGE_KEY",
        str,
        "",
        "Key of the keyed hashes (HMAC-SHA-256) through which person linkage compares document numbers, phones and e-mail addresses. Required to run linkage; demo mode and tests use a fixed demo key. Changing it makes earlier fingerprints incomparable (the next run recomputes them all).",
        secret=True,
    ),
    Var(
        "PORTLINE_KEK",
        str,
        "",
        "Key-encryption key of evidence files, photos and the most sensitive fields: 32 random bytes in base64 (`portline keys generate`). Required in production; elsewhere (development, demo, tests) a fixed public demo key is used, and `portline check --deploy` warns about it. Keep it outside the database and its backups: losing it loses the encrypted data (docs/encryption.md).",
        secret=True,
    ),
    Var(
        "PORTLINE_KEK_PREVIOUS",
        list,
        [],
        "During a key rotation only: the key-encryption key(s) being replaced, comma-separated, so data not yet re-wrapped stays readable. Remove once `portline keys rotate` has finished; the retired key is then refused.",
        secret=True,
    ),
    Var(
        "PORTLINE_LINKAGE_BACKEND",
        str,
        "duckdb",
        "Engine that scores person links: `duckdb` (one machine) or `spark` (Apache Spark; needs Java 17).",
    ),
    Var(
        "PORTLINE_SPARK_MASTER",
        str,
        "local[2]",
        "Spark master URL for the `spark` linkage backend, e.g. `spark://host:7077`; `local[2]` runs Spark inside the process on two cores.",
    ),
    Var(
        "SPARK_LOCAL_IP",
        str,
        "127.0.0.1",
        "Address Spark binds to (read by Spark itself; Portline sets this default before Spark starts, so local mode never listens beyond the loopback).",
    ),
    Var(
        "PORTLINE_LOG_FORMAT",
        str,
        "json",
        "`json` (one JSON object per line with the request id; for log collectors) or `plain`.",
    ),
    Var(
        "PORTLINE_WEB_WORKERS",
        int,
        2,
        "`portline serve`: application-server processes (gunicorn workers). About one per core.",
    ),
    Var(
        "PORTLINE_WEB_THREADS",
        int,
        8,
        "`portline serve`: threads per process. Applicant requests may use all but `PORTLINE_ADMISSION_STAFF_RESERVE` of them.",
    ),
    Var(
        "PORTLINE_ADMISSION_STAFF_RESERVE",
        int,
        2,
        "Threads per process kept free of applicant traffic, so staff pages and the officer console are never queued behind applicants.",
    ),
    Var(
        "PORTLINE_ADMISSION_RATE",
        int,
        0,
        "Applicant requests per second each process admits (a token bucket with one second of burst); past it, the waiting page or HTTP 503 with Retry-After. 0: no rate limit, only the thread limit.",
    ),
    Var(
        "PORTLINE_ADMISSION_QUEUE_MS",
        int,
        1000,
        "Behind a proxy that sends `X-Request-Start: t=<epoch seconds>` (deploy/nginx): an applicant request that already waited longer than this is turned away (waiting page / 503) instead of served late.",
    ),
    Var(
        "PORTLINE_DB_POOL_SIZE",
        int,
        10,
        "PostgreSQL: connections in each process's pool (psycopg_pool; at least `PORTLINE_WEB_THREADS`). 0: no pool, one connection per thread kept 60 s.",
    ),
    Var(
        "PORTLINE_DB_TIMEOUT_SECONDS",
        int,
        5,
        "Longest wait to connect to the database, for a pooled connection, or for SQLite's write lock; then a clear error instead of a hang.",
    ),
    Var(
        "DATABASE_REPLICA_URL",
        str,
        "",
        "Optional read replica (same form as `DATABASE_URL`); public statistics, round pages and exports are read from it.",
    ),
    Var(
        "REDIS_URL",
        str,
        "",
        "Optional Redis, e.g. `redis://127.0.0.1:6379/1`: cache, rate limits and sessions (written through to the database). Empty: the database cache.",
    ),
    Var(
        "PORTLINE_CACHE_KEY_PREFIX",
        str,
        "portline",
        "Prefix of every key Portline writes to Redis, so several deployments (or test runs) can share one Redis database without sharing rate limits or sessions.",
    ),
    Var(
        "PORTLINE_WORKER_STALE_SECONDS",
        int,
        60,
        "A task worker not seen for this long is gone: `/readyz` fails without a live one, and tasks it was running are queued again.",
    ),
    Var(
        "PORTLINE_TRUSTED_PROXIES",
        list,
        [],
        "Addresses of your reverse proxies (e.g. `127.0.0.1` for nginx on the same machine): a request from one of them is taken to come from the last address in its `X-Forwarded-For`, so per-address limits see the real client. Empty: the connecting address.",
    ),
    Var(
        "PORTLINE_COUNTRIES_FIRST",
        list,
        ["HT", "VE", "MX", "HN", "GT", "CU", "CO", "EC", "SV", "NI", "BR"],
        "Comma-separated ISO 3166-1 codes of the countries applicants choose most often: country lists show them first, in this order, in every language; the rest follow in the reader's alphabetical order.",
    ),
    Var(
        "PORTLINE_METRICS_ALLOWED",
        list,
        ["127.0.0.1", "::1"],
        "Client addresses allowed to read `/metrics` (Prometheus). The shipped nginx configuration also refuses it from outside.",
    ),
    Var(
        "PORTLINE_RETENTION_DRAFT_DAYS",
        int,
        180,
        "Retention: a registration never submitted is deleted this many days after its last change.",
    ),
    Var(
        "PORTLINE_RETENTION_NOT_SELECTED_DAYS",
        int,
        30,
        "Retention: an appointment request that was not selected (or was cancelled) is deleted this many days after its request window; the round keeps its own frozen entries.",
    ),
    Var(
        "PORTLINE_RETENTION_EVIDENCE_DAYS",
        int,
        1095,
        "Retention: evidence files of a registration whose every member has a final decision are deleted this many days after the last decision (default: the longest parole term).",
    ),
    Var(
        "PORTLINE_RETENTION_CONFIRMATION_PHOTO_DAYS",
        int,
        30,
        "Retention: the live photo taken at confirmation is deleted this many days after the appointment date.",
    ),
    Var(
        "PORTLINE_RETENTION_LOCATION_DAYS",
        int,
        90,
        "Retention: the coordinates of location checks and requests are removed this many days after the check (confirmation points are rounded to 0.1 degree); the verdict stays.",
    ),
    Var(
        "PORTLINE_RETENTION_CHECK_IN_SELFIE_DAYS",
        int,
        90,
        "Retention: a released person's check-in selfie and location are removed this many days after the check-in.",
    ),
    Var(
        "PORTLINE_RETENTION_DELETION_REQUEST_DAYS",
        int,
        0,
        "Retention: an applicant's request to delete a registration is carried out this many days after it was made (0: at the next retention run).",
    ),
    Var(
        "PORTLINE_ACCESS_UNUSUAL_READS",
        int,
        20,
        "Unusual access: an officer or supervisor who opened at least this many case files of people who did not arrive at their port is listed for supervisors.",
    ),
    Var(
        "PORTLINE_ACCESS_WINDOW_DAYS",
        int,
        7,
        "Unusual access: the number of past days the supervisors' list counts reads over.",
    ),
)

_BY_NAME = {var.name: var for var in VARS}


def env(name: str) -> Any:
    return _BY_NAME[name].read()


def markdown_table() -> str:
    lines = [
        "# Configuration",
        "",
        "Generated from `config/env.py` by `portline config docs`; do not edit by hand.",
        "",
        "| variable | type | default | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for var in VARS:
        default = "(unset)" if var.secret or var.default in ("", []) else var.default
        if var.name == "PORTLINE_VAR_DIR":
            default = "`./var`"
        elif isinstance(default, list):
            default = "`" + ",".join(default) + "`"
        elif default != "(unset)":
            default = f"`{default}`"
        lines.append(f"| `{var.name}` | {var.kind.__name__} | {default} | {var.help} |")
    return "\n".join(lines) + "\n"
