"""One error body for the whole API, and the exception handlers that produce it.

Every refusal answers `{"error": {"code": ..., "message": ..., "fields": {...}}}` with the
message in the request's language (Accept-Language; LocaleMiddleware activates it).
Operations declare these responses with `responses(...)` so they are in the OpenAPI schema.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import Field

from portline.common.errors import ApplicationError, ValidationFailed
from portline.common.lists import join_or


class ErrorDetail(Schema):
    code: str = Field(..., description="Stable, machine-readable reason, e.g. `not_found`.")
    message: str = Field(..., description="What went wrong, in the request's language.")
    fields: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Messages per input field; `__all__` holds those about the whole input.",
    )
    details: dict[str, Any] | None = Field(
        None,
        description="Extra facts about some refusals, e.g. `opens_at` when the request window is closed.",
    )


class ErrorOut(Schema):
    error: ErrorDetail


# Every operation may answer these: unreadable or invalid input, authentication, CSRF, rate limits.
COMMON_ERRORS = (400, 401, 403, 422, 429)


def responses(ok: dict[int, Any] | None = None, *codes: int) -> dict[int, Any]:
    """`response=` for an operation: its success schemas plus the error body for `codes`,
    always including COMMON_ERRORS."""
    declared: dict[int, Any] = dict(ok or {})
    for code in (*codes, *COMMON_ERRORS):
        declared.setdefault(code, ErrorOut)
    return declared


class ApiRefusal(ApplicationError):
    """A refusal raised by the API layer itself (authentication, rate limits)."""

    def __init__(
        self, message: Any, *, code: str, http_status: int, retry_after: int | None = None
    ):
        super().__init__(message, code=code)
        self.http_status = http_status
        self.retry_after = retry_after


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: Any,
    fields: dict[str, list[Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> HttpResponse:
    error: dict[str, Any] = {
        "code": code,
        "message": str(message),
        "fields": {
            str(name): [str(m) for m in messages] for name, messages in (fields or {}).items()
        },
    }
    if details:
        error["details"] = details
    body = {"error": error}
    return api.create_response(request, body, status=status)


# Pydantic error types mapped to messages we translate (pydantic's own are English only).
def _pydantic_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"string_too_long", "too_long"}:
        return _("Too long: at most %(max)s characters.") % {
            "max": ctx.get("max_length", ctx.get("actual_length", "?"))
        }
    if kind in {"string_too_short", "too_short"}:
        return _("This field cannot be empty.")
    if kind == "string_pattern_mismatch":
        return _("This value is not in the expected format.")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Must be at least %(min)s.") % {"min": ctx.get("ge", ctx.get("gt"))}
    if kind in {"less_than_equal", "less_than"}:
        return _("Must be at most %(max)s.") % {"max": ctx.get("le", ctx.get("lt"))}
    if kind == "enum" or kind == "literal_error":
        return _("Choose one of: %(choices)s.") % {"choices": _expected_values(ctx)}
    if kind.startswith(("date", "datetime")):
        return _("Enter a valid date (YYYY-MM-DD).")
    if kind.startswith(("int", "float", "decimal")):
        return _("Enter a number.")
    if kind.startswith("bool"):
        return _("Enter true or false.")
    if kind == "extra_forbidden":
        return _("This field does not exist.")
    return _("Enter a valid value.")


def _expected_values(ctx: dict[str, Any]) -> str:
    """Pydantic's "'a', 'b' or 'c'" (English "or") as a list in the request's language."""
    expected = str(ctx.get("expected", ""))
    values = re.findall(r"'((?:[^'\\]|\\.)*)'", expected)
    return join_or(values) if values else expected


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ("body", "payload", "given_names") -> "given_names"; ("query", "page") -> "page"
    parts = [str(p) for p in loc[1:] if str(p) not in {"payload", "data"}]
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        fields: dict[str, list[Any]] = {}
        if isinstance(exc, ValidationFailed):
            fields = dict(exc.errors)
        elif exc.field:
            fields = {exc.field: [exc.message]}
        response = error_response(
            api,
            request,
            status=exc.http_status,
            code=exc.code,
            message=exc.message,
            fields=fields,
            details=exc.extra,
        )
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, list[Any]] = {}
        for error in exc.errors:
            fields.setdefault(_field_name(error.get("loc", ())), []).append(
                _pydantic_message(error)
            )
        return error_response(
            api,
            request,
            status=422,
            code="validation_error",
            message=_("Please correct the marked fields."),
            fields=fields,
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = error_response(
            api,
            request,
            status=401,
            code="not_authenticated",
            message=_(
                "Log in first: send an API token (Authorization: Bearer …) or a session cookie."
            ),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = error_response(
            api,
            request,
            status=429,
            code="rate_limited",
            message=_("Too many requests. Wait a minute and try again."),
        )
        if exc.wait:
            response["Retry-After"] = str(math.ceil(exc.wait))
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            return error_response(
                api,
                request,
                status=400,
                code="bad_request",
                message=_("The request could not be read. Send valid JSON or form data."),
            )
        if exc.status_code == 403:
            return error_response(
                api, request, status=403, code="forbidden", message=_("You may not do this.")
            )
        return error_response(
            api,
            request,
            status=exc.status_code,
            code="error",
            message=_("The request was refused."),
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, status=404, code="not_found", message=_("Not found."))
