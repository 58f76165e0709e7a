"""Every applicant page weighs under 100 KB on a first visit, as the production server sends it.

`portline serve` (gunicorn, debug off, static files collected and precompressed by whitenoise)
runs as a real process on the demo data. A client that accepts gzip, as every phone browser
does, logs in as the demo applicant through the real pages and walks every page reachable from
the applicant's home, and the public pages those link to (the service-area map is linked from
every page). For each page it adds up what goes over the wire on a first visit, with nothing
cached: the page's response (headers and compressed body) and each stylesheet, script and image
it loads, each counted once.
"""

from __future__ import annotations

import http.client
import re
from html import unescape
from http.cookies import SimpleCookie
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django_otp.oath import TOTP

from portline.synthetic.load import DEMO_DOMAIN, demo_totp_key
from tests.ops.live import live_database

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SERVER_PORT = 8147
LIMIT = 100 * 1024
APPLICANT = f"applicant@{DEMO_DOMAIN}"
# Where the walk goes: the applicant's pages and what they link to (public pages, the
# account pages). Not: downloads (PDF, evidence files), log-out, other roles' areas, the API.
FOLLOW = re.compile(r"^/(apply/|accounts/(?!logout)|area/|rounds/|report/|statistics/|$)")
SKIP = re.compile(r"\.pdf$|\.py$|/documents/\d+/$|/export|\.csv$|\.json$|\.zip$|/logout/")
SUBRESOURCE = re.compile(
    rb"<(?:link[^>]+rel=\"stylesheet\"[^>]*href|script[^>]+src|img[^>]+src)=\"([^\"]+)\""
)
LINK = re.compile(rb"<a\s[^>]*href=\"([^\"#][^\"]*)\"")


class Browser:
    """A first-visit client: keeps cookies, accepts gzip, counts bytes as received."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def fetch(self, method: str, path: str, body: bytes | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(
                method,
                path,
                body=body,
                headers={
                    "Accept-Encoding": "gzip",
                    "Accept-Language": "en",
                    **({"Cookie": cookie} if cookie else {}),
                    **(headers or {}),
                },
            )
            response = conn.getresponse()
            raw = response.read()  # http.client does not decompress: these are the wire bytes
            header_bytes = sum(len(k) + len(v) + 4 for k, v in response.getheaders()) + 17
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return response, raw, header_bytes
        finally:
            conn.close()

    def text(self, response, raw: bytes) -> bytes:
        if response.getheader("Content-Encoding") == "gzip":
            import gzip

            return gzip.decompress(raw)
        return raw

    def post_form(self, path: str, fields: dict[str, str], *, action: str | None = None):
        from urllib.parse import urlencode

        page, raw, _ = self.fetch("GET", path)
        token = re.search(
            rb'name="csrfmiddlewaretoken" value="([^"]+)"', self.text(page, raw)
        ).group(1)
        return self.fetch(
            "POST",
            action or path,
            urlencode({"csrfmiddlewaretoken": token.decode(), **fields}).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}{path}",
            },
        )


def _log_in(browser: Browser) -> None:
    response, _raw, _ = browser.post_form(
        "/accounts/login/", {"login": APPLICANT, "password": "demo-applicant-portline"}
    )
    assert response.status == 302, response.status
    key = bytes.fromhex(demo_totp_key(APPLICANT))
    code = f"{TOTP(key).token():06d}"
    response, _raw, _ = browser.post_form("/accounts/verify/", {"code": code})
    assert response.status == 302 and "/accounts/" not in response.getheader("Location", "")


def _walk(browser: Browser, *starts: str, limit: int = 80) -> dict[str, tuple[int, dict]]:
    """Every page reachable from `starts` within FOLLOW: its first-visit bytes and their parts."""
    seen: dict[str, tuple[int, dict]] = {}
    queue = list(starts)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response, raw, headers = browser.fetch("GET", path)
        if response.status in (301, 302, 303):
            target = urlsplit(urljoin(path, response.getheader("Location"))).path
            seen[path] = (0, {})
            if FOLLOW.match(target) and not SKIP.search(target):
                queue.append(target)
            continue
        assert response.status == 200, (path, response.status)
        parts = {path: len(raw) + headers}
        html = browser.text(response, raw)
        if response.getheader("Content-Type", "").startswith("text/html"):
            assert response.getheader("Content-Encoding") == "gzip", path
            for src in {unescape(m.decode()) for m in SUBRESOURCE.findall(html)}:
                if src.startswith("data:"):
                    continue
                sub, sub_raw, sub_headers = browser.fetch("GET", urljoin(path, src))
                assert sub.status == 200, (path, src, sub.status)
                parts[src] = len(sub_raw) + sub_headers
            for href in LINK.findall(html):
                target = urldefrag(urljoin(path, unescape(href.decode())))[0]
                split = urlsplit(target)
                if split.netloc or split.query:
                    continue
                if FOLLOW.match(split.path) and not SKIP.search(split.path):
                    queue.append(split.path)
        seen[path] = (sum(parts.values()), parts)
    return seen


def test_every_applicant_page_weighs_under_100_kb_on_a_first_visit(tmp_path):
    live = live_database(tmp_path)
    loaded = live.command(
        "demo", "load", "--registrations", "20", timeout=300, extra_env={"PORTLINE_DEMO": "1"}
    )
    assert loaded.returncode == 0, loaded.stderr
    log = tmp_path / "serve.log"
    try:
        served = live.start(
            "serve", f"127.0.0.1:{SERVER_PORT}", "--workers", "1", "--threads", "4", log=log
        )
        from tests.ops.live import wait_for

        wait_for(SERVER_PORT, "/healthz", log=log, timeout=120)
        assert served.poll() is None
        browser = Browser(SERVER_PORT)
        _log_in(browser)
        # A draft of the applicant's own, so the wizard's pages (the person form) are walked too.
        started, _raw, _headers = browser.post_form("/apply/", {}, action="/apply/start/")
        assert started.status == 302, started.status
        pages = _walk(browser, "/apply/", "/accounts/authenticator/")
    finally:
        live.stop_all()

    weighed = {path: total for path, (total, _parts) in pages.items() if total}
    # The walk reached the applicant's pages and the public pages they link to.
    for expected in ("/apply/", "/area/", "/accounts/authenticator/"):
        assert expected in weighed, sorted(weighed)
    assert any(re.match(r"^/apply/r/[^/]+/request/$", p) for p in weighed), sorted(weighed)
    assert any(re.match(r"^/apply/r/[^/]+/people/add/$", p) for p in weighed), sorted(weighed)
    assert any(p.startswith("/apply/appointments/") for p in weighed), sorted(weighed)
    heavy = {path: (total, pages[path][1]) for path, total in weighed.items() if total > LIMIT}
    assert not heavy, f"pages over {LIMIT:,} bytes on a first visit: {heavy}"
