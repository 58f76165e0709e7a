"""Domain errors. Interfaces map them to responses once (pages: form errors; API: error body)."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refusal the user can act on. `message` is already translated (lazy)."""

    code = "invalid"
    http_status = 400

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        field: str | None = None,
        extra: dict | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    """Input is wrong; `errors` maps field names to lists of messages."""

    code = "validation_error"
    http_status = 422

    def __init__(self, message: Any, *, errors: dict[str, list[Any]] | None = None):
        super().__init__(message)
        self.errors = errors or {}


class NotFound(ApplicationError):
    """Also raised when the object exists but the actor may not see it: no existence leak."""

    code = "not_found"
    http_status = 404


class PermissionDenied(ApplicationError):
    code = "forbidden"
    http_status = 403


class Conflict(ApplicationError):
    code = "conflict"
    http_status = 409
