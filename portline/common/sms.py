"""Sending a text message: a small interface, the provider chosen by PORTLINE_SMS_SENDER."""

from __future__ import annotations

import sys
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_SMS_SENDER = "portline.common.sms.ConsoleSmsSender"


class SmsSender(Protocol):
    """An SMS provider. Implementations raise on failure so the task can be retried."""

    def send(self, *, to: str, body: str) -> None: ...


class ConsoleSmsSender:
    """Development: writes the message to standard error instead of sending it."""

    def send(self, *, to: str, body: str) -> None:
        sys.stderr.write(f"SMS to {to}:\n{body}\n\n")


class LocmemSmsSender:
    """Tests: keeps messages in `LocmemSmsSender.outbox`, like Django's locmem e-mail backend."""

    outbox: list[dict[str, str]] = []

    def send(self, *, to: str, body: str) -> None:
        type(self).outbox.append({"to": to, "body": body})


def sms_sender() -> SmsSender:
    path = settings.PORTLINE_SMS_SENDER or DEFAULT_SMS_SENDER
    return import_string(path)()
