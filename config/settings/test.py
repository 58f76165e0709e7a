"""Test settings: the base settings with fast hashing and in-process task execution off."""

from config.settings.base import *  # noqa: F403

# speed only; production uses PBKDF2
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,  # noqa: F405 - defined by the star import of base settings
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Rate-limit counters per test process (tests clear them between tests); production shares
# them through the database cache in base settings.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "portline-tests",
    }
}
# Audit roots are signed with the fixed, public demo key in tests (docs/audit.md).
PORTLINE_AUDIT_DEMO_KEY = True
# Audit events are chained by the sequencer where a test needs the chain (tests/audit run
# the post-commit pass on purpose), so the commit callbacks other tests count stay theirs.
PORTLINE_AUDIT_CHAIN_AFTER_COMMIT = False
# Person linkage fingerprints in tests use a fixed key (never a production default).
LINKAGE_KEY = "portline-test-linkage-key"
# The suite's own connections stay plain (pytest-django creates and drops test databases);
# the tests that start `portline serve` as a process use the pool as production does.
if DATABASES["default"].get("OPTIONS", {}).get("pool"):  # noqa: F405
    DATABASES["default"]["OPTIONS"].pop("pool")  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Encryption at rest in tests uses the fixed, public demo key-encryption key.
KEK = DEMO_KEK  # noqa: F405
KEK_PREVIOUS: list[str] = []
