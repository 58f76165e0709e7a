"""A log filter that strips personal data before anything is written.

Portline code logs identifiers (ids, codes), never names, dates of birth, contacts or
addresses. This filter is the second line: it masks e-mail addresses, phone numbers and
dates that slip into a message or its arguments, and drops request bodies.
"""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[email]"),
    (re.compile(r"\+?\d[\d\s().-]{7,}\d"), "[number]"),
    (re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b"), "[date]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep the template only
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if hasattr(record, "request"):
            record.request = None  # Django attaches the request (with POST data) to errors
        return True
