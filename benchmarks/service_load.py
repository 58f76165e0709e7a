"""Shared by the service_* benchmarks: a small asyncio HTTP/1.1 load generator (loopback
only, keep-alive, bounded in time and connections), the servers under test, and the data.

Not a figure by itself. Latency is measured from when a request was due (open-loop mode)
or sent (closed-loop mode) to the last byte of its answer.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PORTLINE = str(Path(sys.executable).parent / "portline")
HOST = "127.0.0.1"  # loopback only


@dataclass
class Outcome:
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: int = 0  # connection failures (no HTTP answer)
    acknowledged: list[str] = field(default_factory=list)  # idempotency keys answered 201/200
    told_to_retry: int = 0  # 503/429 with a Retry-After header
    elapsed: float = 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    def count(self, *codes: int) -> int:
        return sum(self.statuses[c] for c in codes)

    def server_errors(self) -> int:
        return sum(n for code, n in self.statuses.items() if code >= 500 and code != 503)


Request = tuple[bytes, str | None]  # raw bytes, idempotency key (or None)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _sep, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if length:
        await reader.readexactly(length)
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readline()).strip() or b"0", 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers


def client_address(number: int) -> str:
    """A loopback source address per client (127.0.0.2-127.0.0.251): a crowd comes from many
    addresses, and nginx's per-address limits must see it so."""
    return f"127.0.0.{2 + number % 250}"


class Connection:
    def __init__(self, port: int, source: str | None = None) -> None:
        self.port = port
        self.source = source
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, raw: bytes, timeout: float) -> tuple[int, dict[str, str]]:
        for attempt in (1, 2):  # a keep-alive connection the server closed: reconnect once
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(
                        HOST, self.port, local_addr=(self.source, 0) if self.source else None
                    )
                self.writer.write(raw)
                await self.writer.drain()
                status, headers = await asyncio.wait_for(_read_response(self.reader), timeout)
                if headers.get("connection", "").lower() == "close":
                    self.close()
                return status, headers
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _record(outcome: Outcome, key: str | None, status: int, headers: dict, latency: float) -> None:
    outcome.statuses[status] += 1
    outcome.latencies.append(latency)
    if status in (200, 201) and key:
        outcome.acknowledged.append(key)
    if status in (429, 503) and "retry-after" in headers:
        outcome.told_to_retry += 1


async def closed_loop(
    port: int,
    make: Callable[[], Request | None],
    *,
    concurrency: int,
    duration: float,
    timeout=30.0,
) -> Outcome:
    """`concurrency` clients, each sending its next request as soon as the last is answered."""
    outcome = Outcome()
    stop = time.perf_counter() + duration

    async def client(number: int) -> None:
        connection = Connection(port, client_address(number))
        while time.perf_counter() < stop:
            item = make()
            if item is None:
                break
            raw, key = item
            began = time.perf_counter()
            try:
                status, headers = await connection.send(raw, timeout)
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                outcome.errors += 1
                continue
            _record(outcome, key, status, headers, time.perf_counter() - began)
        connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(concurrency)))
    outcome.elapsed = time.perf_counter() - began
    return outcome


async def open_loop(
    port: int,
    make: Callable[[], Request | None],
    *,
    rate: float,
    duration: float,
    max_connections: int = 512,
    timeout: float = 30.0,
) -> Outcome:
    """Requests due at a fixed rate whatever the answers (as a crowd arrives); at most
    `max_connections` open, each from its own loopback address, used in turn (the least
    recently used idle one first); a request waiting for a connection counts that wait."""
    outcome = Outcome()
    idle: deque[Connection] = deque()
    opened = [0]
    available = asyncio.Condition()

    async def one(due: float, raw: bytes, key: str | None) -> None:
        async with available:
            while not idle and opened[0] >= max_connections:
                await available.wait()
            if opened[0] < max_connections:
                connection = Connection(port, client_address(opened[0]))
                opened[0] += 1
            else:
                connection = idle.popleft()
        try:
            status, headers = await connection.send(raw, timeout)
            _record(outcome, key, status, headers, time.perf_counter() - due)
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            outcome.errors += 1
            connection.close()
        async with available:
            idle.append(connection)
            available.notify()

    began = time.perf_counter()
    tasks = []
    sent = 0
    while True:
        due = began + sent / rate
        if due - began >= duration:
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        item = make()
        if item is None:
            break
        tasks.append(asyncio.create_task(one(due, *item)))
        sent += 1
    await asyncio.gather(*tasks)
    outcome.elapsed = time.perf_counter() - began
    for connection in idle:
        connection.close()
    return outcome


def http_request(method: str, path: str, *, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# Servers under test ---------------------------------------------------------------------


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM the process group started with start_new_session; SIGKILL after 20 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def healthy_within(port: int, seconds: float, interval: float) -> bool:
    """Whether GET /healthz on the port answers 200 within the given seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            time.sleep(interval)
    return False


class Server:
    def __init__(self, args: list[str], *, port: int, env: dict[str, str], log: Path) -> None:
        self.port = port
        with log.open("ab") as handle:
            self.process = subprocess.Popen(  # noqa: S603 - our own entry point
                [PORTLINE, *args],
                cwd=REPO,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if not healthy_within(port, 60, 0.2):
            self.stop()
            raise SystemExit(f"no server on {port}: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        stop_group(self.process)


class Background:
    """A helper process that is not an HTTP server (the audit sequencer)."""

    def __init__(self, args: list[str], *, env: dict[str, str], log: Path) -> None:
        with log.open("ab") as handle:
            self.process = subprocess.Popen(  # noqa: S603 - our own entry point
                [PORTLINE, *args],
                cwd=REPO,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        stop_group(self.process)


def audit_sequencer(env: dict[str, str], log: Path) -> Background:
    """`portline audit chain --follow`: the production arrangement docs/audit.md recommends
    (writers only INSERT their audit rows; run servers with PORTLINE_AUDIT_CHAIN_AFTER_COMMIT=0)."""
    return Background(["audit", "chain", "--follow"], env=env, log=log)


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    """Debian's nginx with the repository's deploy/nginx/portline.conf, on loopback."""

    def __init__(
        self, port: int, upstreams: list[int], *, inflight: int, env: dict[str, str], work: Path
    ) -> None:
        from portline.ops.proxy import nginx_config_render, nginx_main_config

        if not Path(NGINX).exists():
            raise SystemExit("nginx is not installed: `make nginx` (Debian's package)")
        prefix = work / f"nginx-{port}"
        (prefix / "spool").mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 - our own entry point
            [PORTLINE, "nginx", "pages", str(prefix / "pages")],
            cwd=REPO,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        site = prefix / "portline.conf"
        site.write_text(
            nginx_config_render(
                (REPO / "deploy" / "nginx" / "portline.conf").read_text(),
                listen=f"{HOST}:{port}",
                upstreams=[f"{HOST}:{upstream}" for upstream in upstreams],
                inflight=inflight,
                pages=prefix / "pages",
                access_log=prefix / "access.log",
            )
        )
        (prefix / "nginx.conf").write_text(nginx_main_config(prefix=prefix, site=site))
        with (prefix / "stderr.log").open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - Debian's nginx
                [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        if not healthy_within(port, 20, 0.1):
            self.stop()
            raise SystemExit(f"nginx did not start: {(prefix / 'error.log').read_text()[-2000:]}")

    def stop(self) -> None:
        stop_group(self.process)


def production_server(
    port: int, env: dict[str, str], log: Path, *, workers: int, threads: int
) -> Server:
    return Server(
        [
            "serve",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--no-collectstatic",
        ],
        port=port,
        env=env,
        log=log,
    )


def development_server(port: int, env: dict[str, str], log: Path) -> Server:
    """The baseline: Django's development server, as `make run` served before."""
    return Server(
        ["manage", "runserver", f"{HOST}:{port}", "--noreload"], port=port, env=env, log=log
    )


def row(label: str, outcome: Outcome) -> str:
    rate = outcome.answered / outcome.elapsed if outcome.elapsed else 0.0
    return (
        f"{label:<46} {rate:>8.0f}/s  p50 {outcome.percentile(50) * 1000:>6.1f} ms"
        f"  p95 {outcome.percentile(95) * 1000:>7.1f} ms  answers {outcome.answered:>6}"
        f"  5xx(non-503) {outcome.server_errors()}  503 {outcome.count(503)}  conn-errors {outcome.errors}"
    )


# Data -------------------------------------------------------------------------------------


def fresh_database(url: str, var_dir: Path) -> dict[str, str]:
    """Drop and re-create the PostgreSQL database in `url`, migrate it; return the env."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": url,
        "PORTLINE_VAR_DIR": str(var_dir),
        "PORTLINE_LOG_LEVEL": "WARNING",
    }
    for args in (
        ["migrate", "--no-input", "-v0"],
        ["manage", "createcachetable"],
        ["manage", "collectstatic", "--no-input", "-v0"],
    ):
        subprocess.run([PORTLINE, *args], cwd=REPO, env=env, check=True)  # noqa: S603
    return env


def django_setup(env: dict[str, str]) -> None:
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PORTLINE_VAR_DIR", "PORTLINE_LOG_LEVEL"):
        os.environ[key] = env[key]
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def seed_applicants(*, users: int, registrations: int) -> list[tuple[str, str]]:
    """`users` applicants with an API token each and `registrations` submitted registrations
    among them; the request window open all day. Returns (reference, token) pairs."""
    import datetime as dt

    from django.contrib.auth.hashers import make_password

    from portline.accounts.models import Role, User
    from portline.accounts.services import api_token_create
    from portline.common import clock
    from portline.registrations.models import Registration, RegistrationStatus
    from portline.scheduling.models import ProgramSettings

    ProgramSettings.objects.filter(pk=1).update(
        request_window_opens=dt.time(0, 0), request_window_closes=dt.time(23, 59)
    )
    password = make_password("benchmark-password-not-used")
    owners = User.objects.bulk_create(
        User(
            login=f"bench{i}@example.org",
            email=f"bench{i}@example.org",
            role=Role.APPLICANT,
            password=password,
        )
        for i in range(users)
    )
    tokens = [api_token_create(user=owner, name="bench")[1] for owner in owners]
    now = clock.now()
    Registration.objects.bulk_create(
        (
            Registration(
                reference=f"BENCH{i:09d}",
                owner=owners[i % users],
                created_by=owners[i % users],
                status=RegistrationStatus.SUBMITTED,
                basis="safety",
                us_address_line1="1 Main St",
                us_city="Houston",
                us_state="TX",
                us_zip="77002",
                created_at=now,
                updated_at=now,
                submitted_at=now,
            )
            for i in range(registrations)
        ),
        batch_size=5000,
    )
    return [(f"BENCH{i:09d}", tokens[i % users]) for i in range(registrations)]
