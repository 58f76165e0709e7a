"""Everyone logs in with a second factor; nothing else is reachable until it is done."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from portline.accounts.models import STAFF_ROLES

# Paths a signed-in user may reach before the second factor (set-up, verify, leave, switch language).
_OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/api/", "/healthz", "/public/")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.role in STAFF_ROLES:
                request.session.set_expiry(settings.PORTLINE_STAFF_SESSION_SECONDS)
            if (
                not user.is_verified()
                and not request.path.startswith(_OPEN_PREFIXES)
                and request.path != "/"
            ):
                return redirect(reverse("accounts:second_factor") + "?next=" + request.path)
        return self.get_response(request)
