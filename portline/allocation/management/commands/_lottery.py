"""Shared parsing for the `portline lottery ...` commands."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def parse_round(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"ROUND is the round's date, YYYY-MM-DD (got {value!r})") from exc


def fail(exc: Exception) -> CommandError:
    message = getattr(exc, "message", exc)
    errors = getattr(exc, "errors", None)
    if errors:
        details = "; ".join(
            f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in errors.items()
        )
        return CommandError(f"{message} ({details})")
    return CommandError(str(message))
