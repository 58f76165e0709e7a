#!/usr/bin/env python3
"""The applicant journey through the API, as a phone app would do it, against a running
Portline (e.g. through the proxy): sign up, authenticator (its confirmation brings the
API token), registration, person, photo, submit, request, status. Standard library only.

    python3 deploy/journey.py http://127.0.0.1:8180 [--count N]

Prints one line per applicant and exits non-zero on the first unexpected answer. A request
turned away by admission control (503 + Retry-After) is retried with the same key. When
nginx replayed a POST on the other server (X-Portline-Replayed: the first server died with
it), an "already done" answer is read as the first try having taken, and the line says
which calls were replayed.

Every create carries its own `Idempotency-Key` (the registration, each person, each
document, the appointment request): a replay of one whose first try had committed answers
200 with what that try made, and nothing is made twice; the journey checks that it ends with
one draft, one person and one photo.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import secrets
import struct
import sys
import time
import uuid
import zlib
from urllib.parse import urlsplit

PASSWORD = "a-long-and-unusual-passphrase-" + "x" * 4
PERSON = {
    "given_names": "Journey",
    "family_names": "Tester",
    "date_of_birth": "1990-05-17",
    "city_of_birth": "Tegucigalpa",
    "country_of_birth": "HN",
    "nationality": "HN",
    "country_of_residence": "MX",
    "gender": "female",
    "preferred_language": "es",
    "foreign_address": "Calle 5 de Mayo 12, Tijuana, BC",
    "travel_history": "HN - GT - MX (2024)",
    "height_cm": 160,
    "weight_kg": 60,
    "eye_colour": "brown",
    "phone": "+525512345678",
}
IN_AREA = {"latitude": 32.5149, "longitude": -117.0382, "accuracy_m": 25.0}  # Tijuana


def totp(secret: str, *, step_offset: int = 0) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(time.time() // 30) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def png(width: int = 32, height: int = 32) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes((200, 30, 30)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Api:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.token = ""
        self.replayed = False  # the last answer came from a replay on another server
        self.replays: list[str] = []

    def call(self, method: str, path: str, body=None, *, headers=None, raw=None, ctype=None):
        for _attempt in range(20):
            conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            sent = {"Accept-Language": "es", **(headers or {})}
            if self.token:
                sent["Authorization"] = f"Bearer {self.token}"
            payload = raw
            if body is not None:
                payload = json.dumps(body).encode()
                sent["Content-Type"] = "application/json"
            elif ctype:
                sent["Content-Type"] = ctype
            conn.request(method, f"/api/v1{path}", body=payload, headers=sent)
            response = conn.getresponse()
            data = response.read()
            self.replayed = bool(response.getheader("X-Portline-Replayed"))
            if self.replayed:
                self.replays.append(f"{method} {path} {response.status}")
            conn.close()
            if response.status == 503 and response.getheader("Retry-After"):
                time.sleep(min(2.0, float(response.getheader("Retry-After"))))
                continue  # turned away: nothing was saved; the same call again
            return response.status, (json.loads(data) if data else {})
        raise SystemExit(f"{method} {path}: still turned away after 20 tries")


def expect(status: int, body: dict, wanted: int, what: str) -> dict:
    if status != wanted:
        raise SystemExit(f"FAILED {what}: HTTP {status} {json.dumps(body)[:300]}")
    return body


def _code(body: dict) -> str:
    return (body.get("error") or {}).get("code", "")


def created(api: Api, status: int, body: dict, what: str) -> dict:
    """A keyed create answers 201, or 200 when the proxy replayed it after the first try had
    taken (the same row again, nothing new made)."""
    return expect(status, body, 200 if status == 200 and api.replayed else 201, what)


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _token(api: Api, login: str, secret: str) -> str:
    """An API token with the newest authenticator code: the way back in when the
    confirmation's own answer (which carries a token) was lost and the proxy's replay found
    the set-up done. The confirmation spent its code, so the newest code may be that one:
    "not right", says the server, "try the newest code from your app"; a person waits for
    the next code and types it, and so does this client."""
    body = {"login": login, "password": PASSWORD, "code": totp(secret), "name": "journey"}
    status, answer = api.call("POST", "/auth/token", body)
    if status == 401 and _code(answer) == "invalid_second_factor":
        # the next code, and at least the second a wrong code holds the device for
        time.sleep(max(30 - time.time() % 30, 1.0) + 0.5)
        status, answer = api.call("POST", "/auth/token", body | {"code": totp(secret)})
    return expect(status, answer, 201, "token")["token"]


def journey(base: str) -> str:
    api = Api(base)
    try:
        return _journey(api)
    except SystemExit as failed:
        if api.replays:
            raise SystemExit(
                f"{failed}; replayed by the proxy before: {', '.join(api.replays)}"
            ) from None
        raise


def _journey(api: Api) -> str:
    login = f"journey-{secrets.token_hex(4)}@example.org"
    expect(
        *api.call("POST", "/auth/signup", {"login": login, "password": PASSWORD, "language": "es"}),
        201,
        "signup",
    )
    secret = expect(
        *api.call("POST", "/auth/totp/start", {"login": login, "password": PASSWORD}),
        200,
        "totp start",
    )["secret"]
    status, body = api.call(
        "POST", "/auth/totp/confirm", {"login": login, "password": PASSWORD, "code": totp(secret)}
    )
    if status == 409 and _code(body) == "no_enrolment" and api.replayed:
        # the proxy replayed a confirmation whose first answer (and its token) was lost:
        # the set-up had taken; log in as the app would
        api.token = _token(api, login, secret)
    else:
        api.token = expect(status, body, 200, "totp confirm")["token"]
    reference = created(
        api,
        *api.call(
            "POST",
            "/registrations",
            {
                "basis": "safety",
                "us_address_line1": "1200 Main St",
                "us_city": "Houston",
                "us_state": "TX",
                "us_zip": "77002",
            },
            headers=key(),
        ),
        "registration",
    )["reference"]
    position = created(
        api,
        *api.call("POST", f"/registrations/{reference}/people", PERSON, headers=key()),
        "person",
    )["position"]
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nphoto\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="person"\r\n\r\n{position}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="me.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
        + png()
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    created(
        api,
        *api.call(
            "POST",
            f"/registrations/{reference}/evidence",
            raw=b"".join(parts),
            ctype=f"multipart/form-data; boundary={boundary}",
            headers=key(),
        ),
        "evidence",
    )
    # Nothing was made twice, replayed or not: one draft, one person, one photo.
    drafts = expect(*api.call("GET", "/registrations"), 200, "registrations")["count"]
    people = len(expect(*api.call("GET", f"/registrations/{reference}/people"), 200, "people"))
    photos = expect(*api.call("GET", f"/registrations/{reference}/evidence"), 200, "photos")
    if (drafts, people, photos["count"]) != (1, 1, 1):
        raise SystemExit(
            f"FAILED made twice: {drafts} registrations, {people} people, {photos['count']} documents"
        )
    status, body = api.call("POST", f"/registrations/{reference}/submit")
    if not (status == 409 and _code(body) == "not_draft" and api.replayed):
        expect(status, body, 200, "submit")
    request_key = key()
    body = {"registration": reference, "first_port": "SYS", **IN_AREA}
    status, answer = api.call("POST", "/requests", body, headers=request_key)
    if status == 400 and answer.get("error", {}).get("code") == "window_closed":
        # outside the daily request window the service must say so, and store nothing
        return f"OK {login} registration {reference} submitted; request refused: window closed, opens {answer['error']['details']['opens_at']}"
    # 200 is the same request again: the proxy replayed a POST whose first answer was lost
    first = created(api, status, answer, "request")
    again = expect(*api.call("POST", "/requests", body, headers=request_key), 200, "request retry")
    if again != first:
        raise SystemExit("FAILED the retry answered differently")
    status = expect(*api.call("GET", f"/requests/{first['id']}"), 200, "status")
    replays = f"; replayed by the proxy: {', '.join(api.replays)}" if api.replays else ""
    return f"OK {login} registration {reference} request {status['id']} {status['status']}{replays}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="e.g. http://127.0.0.1:8180")
    parser.add_argument("--count", type=int, default=1)
    args = parser.parse_args(argv)
    for _ in range(args.count):
        print(journey(args.base), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
