"""Operators' view: health, readiness, metrics, request ids, redacted JSON logs, replica routing."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from portline.common import clock
from portline.ops import router as replica_router
from portline.ops.logs import JsonFormatter, RequestIdFilter
from portline.ops.models import WorkerHeartbeat
from portline.ops.views import server_error


@pytest.fixture
def access_lines():
    """What the access logger writes, formatted as in production."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("portline.access")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"


@pytest.mark.django_db
def test_readyz_needs_a_live_worker(client, settings):
    settings.PORTLINE_WORKER_STALE_SECONDS = 60
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok" and body["checks"]["migrations"] == "ok"
    assert "portline worker" in body["checks"]["worker"]
    now = clock.now()
    WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="h", pid=1, started_at=now, seen_at=now - dt.timedelta(seconds=90)
    )
    assert client.get("/readyz").status_code == 503  # seen too long ago
    WorkerHeartbeat.objects.filter(worker_id="w1").update(seen_at=now)
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "ready"


@pytest.mark.django_db
def test_metrics_count_requests_by_route_group_for_the_local_scraper_only(client):
    client.get("/healthz")
    client.get("/rounds/")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'portline_http_requests_total{group="ops",method="GET",status="2xx"}' in text
    assert 'portline_http_request_duration_seconds_bucket{group="public",le="0.15"}' in text
    assert "portline_task_queue_depth 0.0" in text
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_the_log_line_has_it(client, access_lines):
    mine = client.get("/healthz", headers={"X-Request-ID": "proxy-abc-12345"})
    assert mine["X-Request-ID"] == "proxy-abc-12345"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\n"})
    assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"] != "bad id"
    entries = [json.loads(line) for line in access_lines]
    assert entries[0]["request_id"] == "proxy-abc-12345"
    assert entries[0]["status"] == 200 and entries[0]["group"] == "ops"


@pytest.mark.django_db
def test_access_log_never_holds_a_searched_name(client, access_lines):
    client.get("/partner/", {"q": "María Pérez", "page": "2"})
    line = access_lines[-1]
    assert "Mar" not in line and "P%C3%A9rez" not in line and "rez" not in line
    assert json.loads(line)["path"] == "/partner/?q=-&page=-"


def test_json_log_lines_mask_personal_data_that_slips_into_a_message():
    from portline.common.logging import RedactPersonalData

    record = logging.makeLogRecord(
        {"name": "x", "levelname": "INFO", "msg": "mail %s", "args": ("ana@example.org",)}
    )
    RedactPersonalData().filter(record)
    RequestIdFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "mail [email]" and entry["request_id"] == "-"


def test_an_unreachable_database_is_a_clear_503_not_a_bare_500():
    request = RequestFactory().post("/api/v1/requests")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert json.loads(response.content)["error"]["code"] == "database_unavailable"
    page = RequestFactory().get("/apply/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(page)
    assert response.status_code == 503 and b"cannot reach its database" in response.content


def test_public_pages_read_from_the_replica_when_one_is_configured(settings, monkeypatch):
    router = replica_router.ReplicaRouter()
    assert router.db_for_read(None) is None
    with replica_router.replica_reads():
        assert router.db_for_read(None) is None  # no replica configured: default
    monkeypatch.setattr(
        replica_router,
        "settings",
        type("S", (), {"DATABASES": {"default": {}, "replica": {}}})(),
    )
    with replica_router.replica_reads():
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) is None
    monkeypatch.undo()
    assert replica_router.replica_path("/rounds/2026-11-20/")
    assert not replica_router.replica_path("/apply/")


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(client, settings):
    settings.PORTLINE_TRUSTED_PROXIES = ["127.0.0.1"]
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    assert client.get("/metrics", headers=forwarded).status_code == 403  # not the proxy itself
    settings.PORTLINE_TRUSTED_PROXIES = []
    assert client.get("/metrics", headers=forwarded).status_code == 200  # the header is ignored
