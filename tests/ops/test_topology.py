"""Scale-out on this machine: deploy/topology.sh (two servers and two workers behind nginx,
PostgreSQL, Redis; the journey through the proxy; a worker and a server killed mid-way)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid

import pytest
from django.db import connection

from portline.registrations.models import AppointmentRequest
from tests.conftest import open_window_all_day
from tests.ops.live import REPO
from tests.ports import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def _forget(url: str, prefix: str) -> None:
    """Delete the run's keys (the waiting line's counters never expire)."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def test_redis_keys_carry_the_deployment_prefix(tmp_path):
    """PORTLINE_CACHE_KEY_PREFIX reaches the keys a process writes to Redis, so deployments
    (and test runs) sharing one Redis database keep their rate limits apart."""
    if not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"portline-prefix-{uuid.uuid4().hex}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PORTLINE_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "PORTLINE_VAR_DIR": str(tmp_path / "var"),
        "REDIS_URL": "redis://127.0.0.1:6379/2",
        "PORTLINE_CACHE_KEY_PREFIX": prefix,
    }
    code = "import django; django.setup(); from django.core.cache import cache; cache.set('probe', 1, 60)"
    try:
        subprocess.run(  # noqa: S603 - this interpreter, our code
            [sys.executable, "-c", code], cwd=REPO, env=env, check=True, timeout=60
        )
        import redis

        keys = list(redis.Redis.from_url(env["REDIS_URL"]).scan_iter(match=f"{prefix}:*"))
    finally:
        _forget(env["REDIS_URL"], prefix)
    assert keys == [f"{prefix}:1:probe".encode()]


def test_two_servers_two_workers_behind_nginx_survive_a_kill(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("several servers and workers share one PostgreSQL (run with DATABASE_URL)")
    if not os.path.exists(NGINX):
        pytest.skip("Debian's nginx is not installed (make nginx)")
    if not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    open_window_all_day()
    settings_dict = connection.settings_dict
    prefix = f"portline-topology-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}",
        "REDIS_URL": "redis://127.0.0.1:6379/2",
        # A run of its own in Redis: another suite running at once keeps its rate limits.
        "PORTLINE_CACHE_KEY_PREFIX": prefix,
        "BASE_PORT": str(free_ports(3)[0]),  # nginx, then the two servers
        "WORKDIR": str(tmp_path),
        "PORTLINE_VAR_DIR": str(tmp_path / "var"),
        "SKIP_MIGRATE": "1",
        "SKIP_COLLECTSTATIC": "1",
        "NGINX": NGINX,
    }
    try:
        run = subprocess.run(
            ["bash", "deploy/topology.sh"],  # noqa: S607 - bash from PATH
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        _forget(env["REDIS_URL"], prefix)
    assert run.returncode == 0 and "TOPOLOGY OK" in run.stdout, run.stdout + run.stderr
    assert run.stdout.count("OK journey-") == 2
    assert AppointmentRequest.objects.count() == 2
