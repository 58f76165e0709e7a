"""Faults for real: kill -9 the server and the worker mid-load, restart, count.

Each test starts `portline serve` (gunicorn, two processes) or `portline worker` as a process
group against the test database (see tests/ops/live.py), on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid

import pytest

from portline.accounts.services import api_token_create
from tests.conftest import open_window_all_day
from tests.factories import UserFactory
from tests.factories.appointments import TIJUANA, submitted_registration
from tests.ops.live import kill9, live_database, request
from tests.ops.tasks import slow_answer
from tests.ports import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

(SERVER_PORT,) = free_ports(1)
REQUESTS = 24


def test_every_acknowledged_write_survives_kill_9_of_the_server(tmp_path):
    open_window_all_day()
    owner = UserFactory()
    references = [submitted_registration(owner=owner).reference for _ in range(REQUESTS)]
    _token, raw = api_token_create(user=owner, name="load")
    live = live_database(tmp_path)
    log = tmp_path / "serve.log"
    work: queue.Queue[tuple[str, str]] = queue.Queue()
    for reference in references:
        work.put((reference, str(uuid.uuid4())))
    acknowledged: dict[str, int] = {}
    lost_connections = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + 60

    def client() -> None:
        while time.monotonic() < deadline:
            try:
                reference, key = work.get_nowait()
            except queue.Empty:
                return
            while time.monotonic() < deadline:  # the same key until an answer: a safe retry
                try:
                    status, body = request(
                        SERVER_PORT,
                        "POST",
                        "/api/v1/requests",
                        {
                            "registration": reference,
                            "first_port": "SYS",
                            "latitude": TIJUANA[0],
                            "longitude": TIJUANA[1],
                        },
                        {"Authorization": f"Bearer {raw}", "Idempotency-Key": key},
                    )
                except OSError:
                    with lock:
                        lost_connections[0] += 1
                    time.sleep(0.2)
                    continue
                if status in (200, 201):
                    with lock:
                        acknowledged[key] = body["id"]
                    break
                assert status == 503, (status, body)  # turned away: told when to retry
                time.sleep(0.2)

    try:
        server = live.serve(SERVER_PORT, log=log)
        threads = [threading.Thread(target=client) for _ in range(6)]
        for thread in threads:
            thread.start()
        while len(acknowledged) < REQUESTS // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        acked_before_kill = dict(acknowledged)
        kill9(server)  # master and workers, mid-load
        live.serve(SERVER_PORT, log=log)
        for thread in threads:
            thread.join()
    finally:
        live.stop_all()
    assert acked_before_kill, "the kill came before any write"
    assert len(acknowledged) == REQUESTS, log.read_text()[-3000:]
    stored = dict(
        live.rows(
            "SELECT idempotency_key, id FROM registrations_appointmentrequest WHERE requested_by_id = %s",
            (owner.pk,),
        )
    )
    # every write the client was told about is there, once; retries created nothing more
    assert stored == acknowledged
    assert all(stored[key] == value for key, value in acked_before_kill.items())
    audited = live.scalar(
        "SELECT count(*) FROM audit_auditrecord WHERE action = %s",
        ("registrations.request.submit",),
    )
    assert audited == REQUESTS


def test_a_task_left_running_by_a_killed_worker_runs_again(tmp_path):
    result = slow_answer.enqueue(seconds=2)
    live = live_database(tmp_path)
    task_id = str(result.id) if live.sqlite_file is None else result.id.replace("-", "")
    log = tmp_path / "worker.log"

    def state() -> tuple[str, str]:
        return live.rows(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = %s",
            (task_id,),
        )[0]

    def wait(status: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while state()[0] != status:
            assert time.monotonic() < deadline, (state(), log.read_text()[-2000:])
            time.sleep(0.1)

    try:
        worker = live.start("worker", "--interval", "0.2", "--heartbeat", "0.5", log=log)
        wait("RUNNING", 20)
        kill9(worker)
        time.sleep(0.5)
        assert state()[0] == "RUNNING"  # what a kill -9 leaves behind
        live.start("worker", "--interval", "0.2", "--heartbeat", "0.5", log=log)
        wait("SUCCESSFUL", 30)  # queued again once the dead worker's heartbeat went stale
    finally:
        live.stop_all()
    worker_ids = state()[1]
    assert (
        len(worker_ids if isinstance(worker_ids, list) else __import__("json").loads(worker_ids))
        == 2
    )
