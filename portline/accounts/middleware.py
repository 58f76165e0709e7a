"""Everyone logs in with a second factor; nothing else is reachable until it is done."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from portline.accounts.models import PARTNER_ROLES, STAFF_ROLES
from portline.partners.selectors import partner_organization_is_active

# Paths a signed-in user may reach before the second factor (set-up, verify, leave, switch language).
_OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/api/", "/healthz", "/public/")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.role in PARTNER_ROLES
            and not partner_organization_is_active(user.partner_id)
        ):
            # The organization was suspended: its staff's open sessions end now.
            logout(request)
            user = request.user
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
