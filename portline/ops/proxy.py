"""What nginx answers by itself when it turns a request away (deploy/nginx/portline.conf).

nginx decides admission before a request reaches a server's queue, so it cannot ask Portline
for the answer: `nginx_pages_write` renders Portline's own answers into a folder once, in
every offered language, and nginx serves them from there:

- `waiting-<language>-get.html` / `-posted.html`: the waiting page (templates/ops/waiting.html,
  the one the application's admission control shows), reloading after WAITING_SECONDS;
- `busy-<language>.json`: the API's 503 `over_capacity` body (as portline.ops.middleware);
- `slow-<language>.json`: the API's 429 `rate_limited` body (as portline.api.v1.errors);
- `languages.map`: the lines of nginx's map from the language cookie and Accept-Language
  to a language code, included by the configuration.
"""

from __future__ import annotations

import json
import os
import pwd
import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

# The Retry-After nginx sends with each answer (written in the configuration, and in the
# bodies rendered here).
WAITING_SECONDS = 5
BUSY_SECONDS = 2
SLOW_SECONDS = 60


def _body(code: str, message: str, details: dict) -> str:
    return json.dumps(
        {"error": {"code": code, "message": message, "fields": {}, "details": details}}
    )


def _language_map(codes: list[str]) -> str:
    """Key: "<cookie>:<Accept-Language>". The cookie wins; then the first language named.
    Quoted: nginx would end a directive at the regular expression's `;`."""
    lines = ["# written by `portline nginx pages`", f"default  {settings.LANGUAGE_CODE};"]
    for code in codes:
        lines.append(f'"~^{re.escape(code)}:"  {code};')
    for code in codes:
        lines.append(f'"~*^:{re.escape(code)}([-_;,]|$)"  {code};')
    return "\n".join(lines) + "\n"


def nginx_pages_write(*, folder: Path) -> list[Path]:
    """Render the answers nginx gives by itself into `folder`; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    codes = [code for code, _name in settings.LANGUAGES]
    written: list[Path] = []
    for code in codes:
        with translation.override(code):
            for kind, posted in (("get", False), ("posted", True)):
                page = render_to_string(
                    "ops/waiting.html",
                    {"seconds": WAITING_SECONDS, "place": None, "posted": posted},
                )
                written.append(folder / f"waiting-{code}-{kind}.html")
                written[-1].write_text(page, encoding="utf-8")
            busy = _(
                "The service is busy. Nothing was saved. Try again in %(seconds)s seconds."
            ) % {"seconds": BUSY_SECONDS}
            written.append(folder / f"busy-{code}.json")
            written[-1].write_text(
                _body(
                    "over_capacity",
                    busy,
                    {"retry_after": BUSY_SECONDS, "place": None, "ticket": None},
                ),
                encoding="utf-8",
            )
            slow = _("Too many requests. Wait a minute and try again.")
            written.append(folder / f"slow-{code}.json")
            written[-1].write_text(
                _body("rate_limited", str(slow), {"retry_after": SLOW_SECONDS}), encoding="utf-8"
            )
    written.append(folder / "languages.map")
    written[-1].write_text(_language_map(codes), encoding="utf-8")
    return written


def nginx_config_render(
    template: str,
    *,
    listen: str,
    upstreams: list[str],
    inflight: int,
    pages: Path,
    access_log: Path,
) -> str:
    """deploy/nginx/portline.conf with its marked lines and @NAMES@ filled in, as
    deploy/topology.sh does with sed (the benchmarks and the tests use this)."""
    servers = " ".join(f"server {address} max_fails=1 fail_timeout=5s;" for address in upstreams)
    text = re.sub(r"# @UPSTREAMS@.*", servers, template)
    text = re.sub(r"# @LISTEN@.*", f"listen {listen};", text)
    return (
        text.replace("@ACCESS_LOG@", str(access_log))
        .replace("@INFLIGHT@", str(inflight))
        .replace("@PAGES@", str(pages))
    )


def nginx_main_config(*, prefix: Path, site: Path) -> str:
    """A whole nginx.conf for one nginx under `prefix` that includes `site`, its workers
    running as the user who starts it (they read the pages under `prefix`)."""
    user = "" if os.geteuid() else f"user {pwd.getpwuid(os.geteuid()).pw_name};\n"
    return f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  client_body_temp_path {prefix}/spool/body;
  proxy_temp_path {prefix}/spool/proxy;
  fastcgi_temp_path {prefix}/spool/fastcgi;
  uwsgi_temp_path {prefix}/spool/uwsgi;
  scgi_temp_path {prefix}/spool/scgi;
  include {site};
}}
"""
