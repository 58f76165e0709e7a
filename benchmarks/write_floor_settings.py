"""Settings for benchmarks/service_write_floor.py only: the product's settings (middleware,
token auth, database, logs, admission control) with one more URLconf that adds the floor
endpoints under /api/floor/. Never used by a deployment."""

from config.settings.base import *  # noqa: F403  # the product's settings, unchanged

ROOT_URLCONF = "write_floor_urls"
