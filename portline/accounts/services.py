"""Account services: sign-up, second factor, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portline.accounts.models import ApiToken, Role, User
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import ApplicationError, Conflict, ValidationFailed
from portline.common.ratelimit import Rate, rate_count, rate_exceeded
from portline.common.validators import _PHONE, normalise_phone

BACKUP_CODE_COUNT = 8
API_TOKEN_DAYS = 30


def login_normalise(raw: str) -> str:
    """An e-mail (lower-cased) or a phone number (+country digits). Raises ValidationFailed."""
    value = (raw or "").strip()
    if "@" in value:
        value = value.lower()
        try:
            validate_email(value)
        except ValidationError as exc:
            raise ValidationFailed(
                _("Enter a valid e-mail address or phone number."),
                errors={"login": [_("Enter a valid e-mail address or phone number.")]},
            ) from exc
        return value
    phone = normalise_phone(value)
    if not _PHONE.match(phone):
        message = _(
            "Enter a valid e-mail address or a phone number with its country code, e.g. +52 55 1234 5678."
        )
        raise ValidationFailed(message, errors={"login": [message]})
    return phone


def _candidate(
    *,
    login: str,
    password: str,
    role: str,
    language: str,
    display_name: str,
    partner=None,
    port=None,
) -> User:
    """An unsaved user with a hashed password, after Django's password validators (length,
    common passwords, similarity to the login and name, variety). Raises ValidationFailed."""
    login = login_normalise(login)
    candidate = User(
        login=login,
        role=role,
        preferred_language=language,
        display_name=display_name,
        partner=partner,
        port=port,
    )
    if "@" in login:
        candidate.email = login
    else:
        candidate.phone = login
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as exc:
        raise ValidationFailed(
            _("Choose a stronger password."), errors={"password": list(exc.messages)}
        ) from exc
    candidate.set_password(password)
    candidate.is_staff = role == Role.PROGRAM_ADMIN
    return candidate


def _save_new(candidate: User, *, actor: User | None) -> User:
    """Raises IntegrityError when the login is taken."""
    with transaction.atomic():
        candidate.save()
        audit_record(
            actor=actor or candidate,
            action="accounts.user.create",
            target=candidate,
            data={"role": candidate.role},
        )
    return candidate


def user_create(
    *,
    login: str,
    password: str,
    role: str = Role.APPLICANT,
    language: str = "en",
    display_name: str = "",
    partner=None,
    port=None,
    actor: User | None = None,
) -> User:
    """Create one person's account (administrators create staff; `applicant_sign_up` is the
    public sign-up). Raises Conflict when the login is taken."""
    candidate = _candidate(
        login=login,
        password=password,
        role=role,
        language=language,
        display_name=display_name,
        partner=partner,
        port=port,
    )
    try:
        return _save_new(candidate, actor=actor)
    except IntegrityError as exc:
        raise Conflict(
            _("An account with this e-mail or phone already exists. Log in instead."), field="login"
        ) from exc


class RateLimited(ApplicationError):
    """Too many attempts; `retry_after` seconds until the next one is counted afresh."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message, *, retry_after: int):
        super().__init__(message, extra={"retry_after": retry_after})
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignUp:
    """What a sign-up may tell the person: the same whether the login was free or taken."""

    login: str
    display_name: str
    preferred_language: str
    role: str = Role.APPLICANT


def sign_up_throttle(*, address: str) -> None:
    """Count one sign-up attempt; RateLimited past the per-address or the overall rate
    (PORTLINE_SIGNUP_RATE_PER_ADDRESS, PORTLINE_SIGNUP_RATE_TOTAL)."""
    per_address = rate_count(
        f"signup:addr:{address}", Rate.parse(settings.PORTLINE_SIGNUP_RATE_PER_ADDRESS)
    )
    overall = rate_count("signup:all", Rate.parse(settings.PORTLINE_SIGNUP_RATE_TOTAL))
    if per_address or overall:
        seconds = max(per_address or 0, overall or 0)
        raise RateLimited(
            ngettext(
                "Too many sign-ups. Wait %(seconds)d second and try again.",
                "Too many sign-ups. Wait %(seconds)d seconds and try again.",
                seconds,
            )
            % {"seconds": seconds},
            retry_after=seconds,
        )


def applicant_sign_up(
    *, login: str, password: str, language: str, address: str, display_name: str = ""
) -> SignUp:
    """The public sign-up, for pages and API alike. Rate limited per client address and
    overall; input errors are reported as usual. Whether the login already had an account
    is not told (no account enumeration): the answer, and the work done, are the same; a
    taken login stores nothing, and its owner logs in as always."""
    sign_up_throttle(address=address)
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationFailed(
            _("Choose a language from the list."),
            errors={"language": [_("Choose a language from the list.")]},
        )
    candidate = _candidate(
        login=login,
        password=password,
        role=Role.APPLICANT,
        language=language,
        display_name=display_name,
    )
    try:
        _save_new(candidate, actor=None)
    except IntegrityError:
        pass  # taken: nothing stored, nothing told
    return SignUp(
        login=candidate.login,
        display_name=candidate.display_name,
        preferred_language=candidate.preferred_language,
    )


@dataclass(frozen=True)
class TotpEnrolment:
    device: TOTPDevice
    secret_base32: str
    uri: str


def totp_enrol_start(*, user: User) -> TotpEnrolment:
    """Create (or restart) an unconfirmed authenticator for the user."""
    import base64

    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        audit_record(actor=user, action="accounts.totp.enrol_start", target=user)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return TotpEnrolment(device=device, secret_base32=secret, uri=device.config_url)


def totp_enrol_confirm(*, user: User, code: str) -> list[str]:
    """Confirm the authenticator with a first code; returns one-time backup codes (shown once)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise ApplicationError(_("Start the authenticator set-up again."), code="no_enrolment")
    never_used = device.last_t
    if not device.verify_token((code or "").strip().replace(" ", "")):
        raise ValidationFailed(
            _("That code is not right. Check the time on your phone and try the newest code."),
            errors={"code": [_("That code is not right.")]},
        )
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODE_COUNT)]
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        # Confirming proves the app works; it is not a login. The code shown now may log in
        # once (an app asks for its token right after), and then, as always, never again.
        device.last_t = never_used
        device.save(update_fields=["confirmed", "last_t"])
        StaticDevice.objects.filter(user=user).delete()
        static = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
        StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
        audit_record(actor=user, action="accounts.totp.enrol_confirm", target=user)
    return codes


class SecondFactorWait(ApplicationError):
    """Codes were wrong just before: the authenticator is not checked again for a few seconds
    (django-otp's growing back-off). Said plainly, instead of calling a right code wrong."""

    code = "second_factor_wait"
    http_status = 429

    def __init__(self, *, retry_after: int):
        super().__init__(
            ngettext(
                "Too many wrong codes in a row. Wait %(seconds)d second, then enter the newest code.",
                "Too many wrong codes in a row. Wait %(seconds)d seconds, then enter the newest code.",
                retry_after,
            )
            % {"seconds": retry_after},
            field="code",
            extra={"retry_after": retry_after},
        )
        self.retry_after = retry_after


def second_factor_verify(*, user: User, code: str):
    """Return the device that accepts `code` (the authenticator's 6-digit code, or an unused
    8-digit backup code), or None. Raises SecondFactorWait while django-otp's back-off after
    wrong codes holds the device (the code is then not checked, and not counted)."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return None
    now = clock.now()
    wait = 0
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            if isinstance(device, TOTPDevice) and len(code) != device.digits:
                continue  # a backup code: do not count it as a wrong authenticator code
            allowed, info = device.verify_is_allowed()
            if not allowed:
                until = (info or {}).get("locked_until")
                wait = max(wait, math.ceil((until - now).total_seconds()) if until else 1)
                continue
            if device.verify_token(code):
                return device
    if wait:
        raise SecondFactorWait(retry_after=max(1, wait))
    return None


def login_address_wait(*, address: str) -> int | None:
    """Seconds until `address` may try logging in again after too many failed logins from it
    (PORTLINE_LOGIN_FAILURE_LIMIT_PER_ADDRESS within the lock-out time), or None."""
    return rate_exceeded(f"login-failures:{address}", _address_failure_rate())


def login_failure_count(*, request, login: str, second_factor: bool) -> None:
    """Count one failed login (wrong password or wrong second-factor code) for the account
    (django-axes, across addresses) and for the client address. A wrong password is already
    reported to django-axes by `authenticate()`; a wrong code is reported here."""
    if second_factor:
        user_login_failed.send(sender=__name__, credentials={"login": login}, request=request)
    rate_count(f"login-failures:{request.META.get('REMOTE_ADDR', '')}", _address_failure_rate())


def login_succeeded(*, user: User) -> None:
    """Both factors passed: the account's failed logins no longer count toward its lock-out
    (those of the client address still do)."""
    axes_reset(username=user.login)


def _address_failure_rate() -> Rate:
    return Rate(
        limit=settings.PORTLINE_LOGIN_FAILURE_LIMIT_PER_ADDRESS,
        seconds=max(1, round(settings.AXES_COOLOFF_TIME * 3600)),
    )


def user_has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_enrolment_pending(user: User) -> bool:
    """Whether an authenticator set-up was started and waits for its first code."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).exists()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    raw = "pl_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            prefix=raw[3:11],
            key_hash=_token_hash(raw),
            name=name[:100],
            expires_at=clock.now() + dt.timedelta(days=API_TOKEN_DAYS),
        )
        audit_record(actor=user, action="accounts.api_token.create", target=token)
    return token, raw


def totp_enrol_confirm_with_token(
    *, user: User, code: str, token_name: str = ""
) -> tuple[list[str], ApiToken, str]:
    """Sign-up through the API in one step: confirm the authenticator with its first code and
    issue an API token with it (the code proves the second factor, and is then spent, as a
    log-in spends it). Returns (backup codes, token, raw token)."""
    with transaction.atomic():
        codes = totp_enrol_confirm(user=user, code=code)
        device = totp_device_get(user=user)
        if device is not None:
            device.verify_token((code or "").strip().replace(" ", ""))  # spent: it logged in
        token, raw = api_token_create(user=user, name=token_name)
    login_succeeded(user=user)
    return codes, token, raw


def api_token_authenticate(raw: str) -> User | None:
    if not raw or not raw.startswith("pl_"):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_token_hash(raw)).first()
    now = clock.now()
    if token is None or token.revoked_at or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(
            last_used_at=now
        )  # bookkeeping, not a state change
    return token.user


def api_token_revoke(*, user: User, raw: str) -> None:
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update()
            .filter(user=user, key_hash=_token_hash(raw), revoked_at=None)
            .first()
        )
        if token is None:
            return
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=user, action="accounts.api_token.revoke", target=token)


# Added for the account pages (portals/accounts) ---------------------------------------------


def _totp_secret(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_enrolment_current(*, user: User) -> TotpEnrolment | None:
    """The set-up already started and not yet confirmed (so a reload shows the same QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        return None
    return TotpEnrolment(device=device, secret_base32=_totp_secret(device), uri=device.config_url)


def totp_device_get(*, user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def user_language_set(*, user: User, language: str) -> User:
    """Remember the language the person reads the site in (used at every log-in)."""

    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationFailed(
            _("Choose a language from the list."),
            errors={"language": [_("Choose a language from the list.")]},
        )
    if user.preferred_language == language:
        return user
    with transaction.atomic():
        previous = user.preferred_language
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
        audit_record(
            actor=user,
            action="accounts.user.language_set",
            target=user,
            data={"from": previous, "to": language},
        )
    return user
