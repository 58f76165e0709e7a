"""Structured logs: one JSON object per line, each carrying the request id.

The request id comes from `X-Request-ID` (set by the proxy; see deploy/nginx) or is made
here, is sent back in the response, and is stamped on every log line written while the
request runs (a context variable, so threads do not mix them up). Messages pass the
personal-data filter (portline.common.logging) before they get here.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("portline_request_id", default="")

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def request_id_get() -> str:
    return _request_id.get()


def request_id_set(value: str) -> contextvars.Token[str]:
    return _request_id.set(value)


def request_id_reset(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", "request_id", ...extra fields}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _request_id.get() or None,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key != "request":
                entry[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
