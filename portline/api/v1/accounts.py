"""Sign-up, authenticator set-up, API tokens and the caller's own account.

The anonymous operations take the login and password in the body, go through django-axes
(failures count; a locked-out login answers 429) and share a rate limit per address.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from portline.accounts import services as accounts
from portline.accounts.models import User
from portline.api.v1.errors import ApiRefusal, responses
from portline.api.v1.schemas import (
    CredentialsIn,
    MeIn,
    SignUpIn,
    SignUpOut,
    TokenIn,
    TokenOut,
    TotpConfirmIn,
    TotpConfirmOut,
    TotpStartOut,
    UserOut,
)
from portline.api.v1.security import AnonymousRateThrottle
from portline.common.errors import Conflict, ValidationFailed

router = Router(tags=["accounts"])
anonymous = {"auth": None, "throttle": [AnonymousRateThrottle()]}


def _locked_out(request: HttpRequest) -> ApiRefusal:
    # Answer in the API's own error body; stop AxesMiddleware from replacing it with the page.
    request.axes_locked_out = False  # type: ignore[attr-defined]
    return ApiRefusal(
        _("Too many failed attempts. Try again later."),
        code="locked_out",
        http_status=429,
    )


def _check_password(request: HttpRequest, login: str, password: str) -> User:
    """The user these credentials name, through django-axes (per account) and the limit per
    client address, or a refusal."""
    wait = accounts.login_address_wait(address=request.META.get("REMOTE_ADDR", ""))
    if wait:
        raise ApiRefusal(
            _("Too many failed attempts. Try again later."),
            code="locked_out",
            http_status=429,
            retry_after=wait,
        )
    try:
        login = accounts.login_normalise(login)
    except ValidationFailed:  # an unreadable login is just a wrong login here
        login = login.strip().lower()
    user = authenticate(request=request, login=login, password=password)
    if getattr(request, "axes_locked_out", False):
        raise _locked_out(request)
    if user is None or not user.is_active:
        accounts.login_failure_count(request=request, login=login, second_factor=False)
        raise ApiRefusal(
            _("The login or password is not right."), code="invalid_credentials", http_status=401
        )
    return user


def _second_factor_failed(request: HttpRequest, login: str) -> ApiRefusal:
    # A wrong code counts as a failed login, so codes cannot be guessed without limit.
    accounts.login_failure_count(request=request, login=login, second_factor=True)
    if getattr(request, "axes_locked_out", False):
        return _locked_out(request)
    return ApiRefusal(
        _("That code is not right. Try the newest code from your app."),
        code="invalid_second_factor",
        http_status=401,
    )


@router.post(
    "/signup",
    response=responses({201: SignUpOut}, 422),
    summary="Create an applicant account",
    **anonymous,
)
def signup(request: HttpRequest, payload: SignUpIn):
    """Create your own applicant account. Next: set up the authenticator (`/auth/totp/start`).

    The answer is the same whether or not the login already had an account (nothing is
    created then): use `/auth/totp/start` with the password to continue. Sign-ups are
    limited per client address and overall (429 `rate_limited`)."""
    done = accounts.applicant_sign_up(
        login=payload.login,
        password=payload.password,
        language=payload.language,
        display_name=payload.display_name,
        address=request.META.get("REMOTE_ADDR", ""),
    )
    return Status(201, done)


@router.post(
    "/totp/start",
    response=responses({200: TotpStartOut}, 409, 422),
    summary="Start authenticator set-up",
    **anonymous,
)
def totp_start(request: HttpRequest, payload: CredentialsIn):
    """For an account without a confirmed authenticator: returns the secret and otpauth URI."""
    user = _check_password(request, payload.login, payload.password)
    if accounts.user_has_second_factor(user):
        raise Conflict(_("This account already has an authenticator."), code="already_enrolled")
    enrolment = accounts.totp_enrol_start(user=user)
    return {"secret": enrolment.secret_base32, "otpauth_uri": enrolment.uri}


@router.post(
    "/totp/confirm",
    response=responses({200: TotpConfirmOut}, 400, 409, 422),
    summary="Confirm the authenticator (completes sign-up with an API token)",
    **anonymous,
)
def totp_confirm(request: HttpRequest, payload: TotpConfirmIn):
    """Send the first code the app shows; returns one-time backup codes (shown once) and an
    API token: the code has just proved the second factor, so one fresh code completes the
    sign-up (as the web page logs the person in). `/auth/token` issues further tokens."""
    user = _check_password(request, payload.login, payload.password)
    if accounts.user_has_second_factor(user):
        raise Conflict(_("This account already has an authenticator."), code="already_enrolled")
    if not accounts.totp_enrolment_pending(user):
        raise Conflict(_("Start the authenticator set-up again."), code="no_enrolment")
    codes, token, raw = accounts.totp_enrol_confirm_with_token(
        user=user, code=payload.code, token_name=payload.name
    )
    return {"backup_codes": codes, "token": raw, "expires_at": token.expires_at}


@router.post(
    "/token",
    response=responses({201: TokenOut}, 422),
    summary="Issue an API token",
    **anonymous,
)
def token_issue(request: HttpRequest, payload: TokenIn):
    """Login, password and the second factor's code; returns a bearer token (shown once)."""
    user = _check_password(request, payload.login, payload.password)
    if not accounts.user_has_second_factor(user):
        raise ApiRefusal(
            _("Set up the authenticator first."),
            code="second_factor_not_set_up",
            http_status=403,
        )
    if accounts.second_factor_verify(user=user, code=payload.code) is None:
        raise _second_factor_failed(request, user.login)
    accounts.login_succeeded(user=user)
    token, raw = accounts.api_token_create(user=user, name=payload.name)
    return Status(201, {"token": raw, "expires_at": token.expires_at})


@router.post("/token/revoke", response=responses({204: None}), summary="Revoke this API token")
def token_revoke(request: HttpRequest):
    """Revokes the token that authenticates this call. (Session callers: nothing to revoke.)"""
    raw = getattr(request, "api_token", None)
    if raw:
        accounts.api_token_revoke(user=request.auth, raw=raw)
    return Status(204, None)


@router.get("/me", response=responses({200: UserOut}), summary="Your account")
def me(request: HttpRequest):
    return request.auth


@router.patch("/me", response=responses({200: UserOut}), summary="Change your language")
def me_update(request: HttpRequest, payload: MeIn):
    """The account's language: used for answers when a call sends no Accept-Language."""
    return accounts.user_language_set(user=request.auth, language=payload.language)
