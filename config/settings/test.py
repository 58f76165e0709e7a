"""Test settings: the base settings with fast hashing and in-process task execution off."""

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher"
]  # speed only; production uses PBKDF2
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}  # noqa: F405
# Rate-limit counters per test process (tests clear them between tests); production shares
# them through the database cache in base settings.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "portline-tests",
    }
}
