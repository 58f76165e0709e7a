"""Admission at the proxy: deploy/nginx/portline.conf in a real nginx (Debian's package)
answers applicant requests past the in-flight limit itself, at once, with Retry-After and
Portline's own translated answers (`portline nginx pages`), and never lets them reach an
application server. The application server here is a small HTTP server that holds each
request until the test lets it go, which is what a busy one does."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from portline.ops.proxy import (
    BUSY_SECONDS,
    SLOW_SECONDS,
    WAITING_SECONDS,
    nginx_config_render,
    nginx_main_config,
    nginx_pages_write,
)
from tests.ports import free_ports

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REPO = Path(__file__).resolve().parents[2]
PROXY_PORT, APP_PORT, DYING_PORT = free_ports(3)

pytestmark = pytest.mark.xdist_group("nginx")


class HeldApp:
    """Answers 200 {"ok": true}; a request to a path under /hold/ (or with `X-Hold: 1`)
    waits until `release()`. Counts what reached it."""

    def __init__(self, port: int) -> None:
        self.seen: list[str] = []
        self.gate = threading.Event()
        app = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                app.seen.append(f"{self.command} {self.path}")
                if self.headers.get("X-Hold"):
                    app.gate.wait(20)
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def release(self) -> None:
        self.gate.set()

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def _nginx(tmp_path, upstreams: list[str]):
    """deploy/nginx/portline.conf in a real nginx on PROXY_PORT, in front of `upstreams`."""
    if not os.path.exists(NGINX):
        pytest.skip("Debian's nginx is not installed (make nginx)")
    pages = tmp_path / "pages"
    nginx_pages_write(folder=pages)
    (tmp_path / "spool").mkdir()
    site = tmp_path / "portline.conf"
    site.write_text(
        nginx_config_render(
            (REPO / "deploy" / "nginx" / "portline.conf").read_text(),
            listen=f"127.0.0.1:{PROXY_PORT}",
            upstreams=upstreams,
            inflight=1,
            pages=pages,
            access_log=tmp_path / "access.log",
        )
    )
    (tmp_path / "nginx.conf").write_text(nginx_main_config(prefix=tmp_path, site=site))
    with (tmp_path / "stderr.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - Debian's nginx
            [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
            stderr=log,
        )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:  # answered by nginx itself (refused from outside), not by an upstream
                if _send("GET", "/metrics")[0] == 403:
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError((tmp_path / "stderr.log").read_text()) from None
                time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def proxy(tmp_path):
    app = HeldApp(APP_PORT)
    try:
        with _nginx(tmp_path, [f"127.0.0.1:{APP_PORT}"]):
            assert _send("GET", "/healthz")[0] == 200
            app.seen.clear()
            yield app
    finally:
        app.stop()


def _close_listener(listener: socket.socket) -> None:
    """Close a listening socket whose accept() another thread is blocked in: on Linux a plain
    close() leaves it listening until that accept() returns, and the port stays taken for the
    next test."""
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    listener.close()


def _send(method, path, *, headers=None, body=b"", source="127.0.0.2"):
    connection = http.client.HTTPConnection(
        "127.0.0.1", PROXY_PORT, timeout=15, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def _hold(path: str) -> threading.Thread:
    """One applicant request that the application holds: the in-flight limit (1) is full."""
    thread = threading.Thread(target=_send, args=("GET", path), kwargs={"headers": {"X-Hold": "1"}})
    thread.start()
    return thread


def _while_held(app: HeldApp, path: str = "/api/v1/ports"):
    thread = _hold(path)
    deadline = time.monotonic() + 5
    while not app.seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert app.seen, "the held request never reached the application"
    return thread


def test_an_api_write_past_the_in_flight_limit_gets_503_json_with_retry_after_at_once(proxy):
    held = _while_held(proxy)
    began = time.monotonic()
    status, headers, body = _send(
        "POST",
        "/api/v1/requests",
        headers={"Content-Type": "application/json", "Accept-Language": "es-MX,es;q=0.9"},
        body=b'{"registration": "X"}',
    )
    elapsed = time.monotonic() - began
    proxy.release()
    held.join()

    assert status == 503
    assert headers["Retry-After"] == str(BUSY_SECONDS)
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Content-Language"] == "es"
    error = json.loads(body)["error"]
    assert error["code"] == "over_capacity"
    assert error["details"]["retry_after"] == BUSY_SECONDS
    with translation.override("es"):
        expected = gettext(
            "The service is busy. Nothing was saved. Try again in %(seconds)s seconds."
        ) % {"seconds": BUSY_SECONDS}
    assert error["message"] == expected
    assert "ocupado" in error["message"]
    assert elapsed < 2, "answered by nginx without waiting for the held request"
    assert proxy.seen == ["GET /api/v1/ports"], "the turned-away write never reached the app"


def test_an_applicant_page_past_the_limit_gets_the_translated_waiting_page(proxy):
    held = _while_held(proxy, "/apply/")
    get_status, get_headers, get_body = _send(
        "GET", "/apply/", headers={"Cookie": "django_language=fr", "Accept-Language": "es"}
    )
    post_status, post_headers, post_body = _send(
        "POST",
        "/apply/registration/",
        headers={"Accept-Language": "pt-BR,pt;q=0.8", "Content-Type": "text/plain"},
        body=b"x=1",
    )
    proxy.release()
    held.join()

    assert get_status == post_status == 503
    assert get_headers["Retry-After"] == post_headers["Retry-After"] == str(WAITING_SECONDS)
    assert get_headers["Content-Type"].startswith("text/html")
    assert get_headers["Content-Language"] == "fr"  # the cookie wins over Accept-Language
    assert post_headers["Content-Language"] == "pt"
    with translation.override("fr"):
        title = gettext("Many people are using Portline right now")
    with translation.override("pt"):
        not_saved = gettext(
            "What you sent was not saved. When the page opens again, please send it again."
        )
    assert title in get_body.decode()
    assert f'content="{WAITING_SECONDS}"' in get_body.decode()  # reloads by itself
    assert not_saved in post_body.decode()
    assert not_saved.split(".")[0] not in get_body.decode()
    assert proxy.seen == ["GET /apply/"]


def test_staff_pages_are_not_counted_against_the_applicants_limit(proxy):
    held = _while_held(proxy)
    status, _headers, _body = _send("GET", "/officer/")
    proxy.release()
    held.join()
    assert status == 200
    assert proxy.seen == ["GET /api/v1/ports", "GET /officer/"]


def test_a_flood_from_one_address_gets_429_json_and_other_addresses_do_not(proxy):
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: _send("GET", "/api/v1/ports", source="127.0.0.3"), range(150))
        )
    statuses = [status for status, _headers, _body in answers]
    assert 429 in statuses and 200 in statuses
    _status, headers, body = next(answer for answer in answers if answer[0] == 429)
    assert headers["Retry-After"] == str(SLOW_SECONDS)
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == "rate_limited"
    assert _send("GET", "/api/v1/ports", source="127.0.0.4")[0] == 200


def test_a_post_replayed_on_the_next_server_says_so_and_a_direct_answer_does_not(tmp_path):
    """An application server that takes a request and dies before answering: nginx replays
    the POST on the other server (proxy_next_upstream ... non_idempotent) and marks that
    answer `X-Portline-Replayed: yes`, so a client can read "already done" as its first try
    having taken (deploy/journey.py). An answer from the first server tried has no mark."""
    dying = socket.create_server(("127.0.0.1", DYING_PORT))
    taken: list[bytes] = []

    def take_and_die() -> None:
        while True:
            try:
                conn, _ = dying.accept()
            except OSError:
                return
            taken.append(conn.recv(65536))
            conn.close()  # no answer: the server died with the request

    threading.Thread(target=take_and_die, daemon=True).start()
    app = HeldApp(APP_PORT)
    try:
        with _nginx(tmp_path, [f"127.0.0.1:{DYING_PORT}", f"127.0.0.1:{APP_PORT}"]):
            answers = [
                _send("POST", "/api/v1/requests", body=b"{}", headers={"X-Try": str(n)})
                for n in range(2)
            ]
    finally:
        app.stop()
        _close_listener(dying)
    assert [status for status, _headers, _body in answers] == [200, 200]
    marks = sorted(str(headers.get("X-Portline-Replayed")) for _s, headers, _b in answers)
    assert marks == ["None", "yes"]  # one replayed after the dying server, one straight through
    assert app.seen == ["POST /api/v1/requests", "POST /api/v1/requests"]
    assert any(b"POST /api/v1/requests" in request for request in taken)


class CommitThenDie:
    """An application server that takes a request, has it carried out by a real one (`target`,
    Django's live server) and dies before answering: the first try committed, and nginx never
    saw its answer."""

    def __init__(self, port: int, target: str) -> None:
        self.target = target.split("//", 1)[1]
        self.taken: list[str] = []
        self.server = socket.create_server(("127.0.0.1", port))
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, body = data.split(b"\r\n\r\n", 1)
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, path, _version = request_line.split(" ")
                headers = dict(line.split(": ", 1) for line in lines)
                while len(body) < int(headers.get("Content-Length") or 0):
                    body += conn.recv(65536)
                host, port = self.target.rsplit(":", 1)
                forward = http.client.HTTPConnection(host, int(port), timeout=15)
                forward.request(method, path, body=body, headers=headers)
                forward.getresponse().read()  # done and committed
                forward.close()
                self.taken.append(f"{method} {path}")
            # closed without an answer: the server died with the request

    def stop(self) -> None:
        _close_listener(self.server)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_keyed_create_replayed_after_its_first_try_committed_makes_one_row(tmp_path, live_server):
    """The fault of issue 11: nginx replays `POST /registrations` on the other server after the
    first server committed it and died. With an Idempotency-Key the replay answers 200 with
    the registration the first try made (marked replayed), and there is one, not two."""
    from portline.accounts.services import api_token_create
    from portline.audit.models import AuditRecord
    from portline.registrations.models import Registration
    from tests.factories import UserFactory

    applicant = UserFactory()
    _token, raw = api_token_create(user=applicant, name="replay")
    dying = CommitThenDie(DYING_PORT, live_server.url)
    body = json.dumps({"basis": "safety", "us_city": "Houston"}).encode()
    try:
        with _nginx(tmp_path, [f"127.0.0.1:{DYING_PORT}", live_server.url.split("//", 1)[1]]):
            answers = [
                _send(
                    "POST",
                    "/api/v1/registrations",
                    body=body,
                    headers={
                        "Authorization": f"Bearer {raw}",
                        "Content-Type": "application/json",
                        "Idempotency-Key": f"create-{n}",
                    },
                )
                for n in range(2)
            ]
    finally:
        dying.stop()
    assert dying.taken == ["POST /api/v1/registrations"]
    by_mark = {str(headers.get("X-Portline-Replayed")): (s, b) for s, headers, b in answers}
    assert set(by_mark) == {"None", "yes"}  # one replayed after the dying server
    assert by_mark["None"][0] == 201
    replayed_status, replayed_body = by_mark["yes"]
    assert replayed_status == 200, replayed_body  # the first try's registration, again
    references = {json.loads(b)["reference"] for _s, b in by_mark.values()}
    assert set(Registration.objects.values_list("reference", flat=True)) == references
    assert AuditRecord.objects.filter(action="registrations.registration.create").count() == 2
