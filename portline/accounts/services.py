"""Account services: sign-up, second factor, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portline.accounts.models import ApiToken, Role, User
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import ApplicationError, Conflict, ValidationFailed
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
    """Create one person's own account. Applicants create their own; staff are created by an administrator."""
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
    try:
        with transaction.atomic():
            candidate.save()
            audit_record(
                actor=actor or candidate,
                action="accounts.user.create",
                target=candidate,
                data={"role": role},
            )
    except IntegrityError as exc:
        raise Conflict(
            _("An account with this e-mail or phone already exists. Log in instead."), field="login"
        ) from exc
    return candidate


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
    if not device.verify_token((code or "").strip().replace(" ", "")):
        raise ValidationFailed(
            _("That code is not right. Check the time on your phone and try the newest code."),
            errors={"code": [_("That code is not right.")]},
        )
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODE_COUNT)]
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=user).delete()
        static = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
        StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
        audit_record(actor=user, action="accounts.totp.enrol_confirm", target=user)
    return codes


def second_factor_verify(*, user: User, code: str):
    """Return the device that accepts `code` (authenticator or a backup code), or None."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return None
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
    return None


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
    from django.conf import settings

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
