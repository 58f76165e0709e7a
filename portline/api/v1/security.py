"""Who is calling: a bearer token or a session cookie; and the limit on anonymous calls."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import SimpleRateThrottle
from ninja.utils import check_csrf

from portline.accounts.models import STAFF_ROLES, User
from portline.accounts.services import api_token_authenticate, user_has_second_factor
from portline.api.v1.errors import ApiRefusal

# Anonymous endpoints (sign-up, authenticator set-up, token issue) share one budget per
# client address, kept in Django's cache. Override with settings.PORTLINE_API_ANONYMOUS_RATE.
DEFAULT_ANONYMOUS_RATE = "20/min"


class BearerToken(HttpBearer):
    """`Authorization: Bearer pl_…`, issued by POST /auth/token after password and second factor."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is None:
            return None
        if user.role in STAFF_ROLES and not user_has_second_factor(user):
            return None  # staff tokens work only while the staff member has an authenticator
        request.api_token = token  # type: ignore[attr-defined]  # for POST /auth/token/revoke
        request.user = user
        _use_account_language(request, user)
        return user


def _use_account_language(request: HttpRequest, user: User) -> None:
    """Apps that send no Accept-Language get answers in the account's language."""
    if request.META.get("HTTP_ACCEPT_LANGUAGE") or request.COOKIES.get(
        settings.LANGUAGE_COOKIE_NAME
    ):
        return
    if user.preferred_language in {code for code, _name in settings.LANGUAGES}:
        translation.activate(user.preferred_language)
        request.LANGUAGE_CODE = user.preferred_language  # type: ignore[attr-defined]


class VerifiedSession(APIKeyCookie):
    """Django's session cookie, for pages that call the API. The user must have passed the
    second factor in this session, and unsafe methods need the CSRF token (X-CSRFToken)."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if not key or user is None or not user.is_authenticated:
            return None
        if not user.is_verified():
            raise ApiRefusal(
                _("Finish logging in with your second factor first."),
                code="second_factor_required",
                http_status=401,
            )
        if check_csrf(request) is not None:
            raise ApiRefusal(
                _("The security token (CSRF) is missing or wrong. Reload the page and try again."),
                code="csrf_failed",
                http_status=403,
            )
        return user


class AnonymousRateThrottle(SimpleRateThrottle):
    """A simple fixed budget per client address (REMOTE_ADDR; a proxy must set it right)."""

    scope = "api_anonymous"

    def __init__(self) -> None:
        super().__init__(rate=DEFAULT_ANONYMOUS_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        # Read the rate on each call so settings can change it without a restart of this object.
        self.rate = settings.PORTLINE_API_ANONYMOUS_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return f"throttle_{self.scope}_{request.META.get('REMOTE_ADDR', '')}"


bearer_token = BearerToken()
verified_session = VerifiedSession()
AUTH = [bearer_token, verified_session]
