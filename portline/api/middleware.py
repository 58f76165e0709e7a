"""Every answer under /api/ that is an error is the API's JSON error body.

The API's own handlers (portline/api/v1/errors.py) cover what its operations raise. What
happens before an operation runs is answered by Django or django-ninja with an HTML or plain
page: a path that matches no operation (404), a method the path does not take (405), a body
Django cannot parse, such as multipart without a boundary (400), a body over Django's size
limits (400/413). This middleware replaces those pages with the documented body, in the
request's language, and keeps the status and headers such as `Allow`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
_DOCS_PREFIX = "/api/v1/docs"  # the Swagger page and its assets are HTML and files


def _code_and_message(status: int) -> tuple[str, str]:
    if status == 404:
        return "not_found", _("Not found.")
    if status == 405:
        return "method_not_allowed", _("This operation does not take this HTTP method.")
    if status == 413:
        return "too_large", _("The request is too large.")
    if status == 403:
        return "forbidden", _("You may not do this.")
    if status >= 500:
        return "server_error", _("Something went wrong on our side. Try again later.")
    return "bad_request", _("The request could not be read. Send valid JSON or form data.")


class ApiErrorBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or request.path.startswith(_DOCS_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        code, message = _code_and_message(response.status_code)
        replacement = JsonResponse(
            {"error": {"code": code, "message": message, "fields": {}}},
            status=response.status_code,
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement
