"""Account services: sign-up, second factor, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Callable
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

from portline.accounts.models import PARTNER_ROLES, ApiToken, Role, StaffInvitation, User
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from portline.common.ratelimit import Rate, rate_count, rate_exceeded
from portline.common.validators import _PHONE, normalise_phone
from portline.partners.models import PartnerOrganization
from portline.partners.selectors import partner_organization_is_active

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
    if (
        token is None
        or token.revoked_at
        or token.expires_at <= now
        or not account_in_good_standing(token.user)
    ):
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


# Partner organizations' staff: invitations and suspension ------------------------------------


def _invitation_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _require_partner_manager(actor: User, partner_id: int | None) -> None:
    """Only the organization's own administrator or the program administrator manage its staff."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Only an organization's administrator can manage its staff."))
    if actor.role == Role.PROGRAM_ADMIN:
        return
    if actor.role == Role.PARTNER_ADMIN and actor.partner_id and actor.partner_id == partner_id:
        if not partner_organization_is_active(actor.partner_id):
            raise PermissionDenied(_("This organization is suspended."))
        return
    raise PermissionDenied(_("Only an organization's administrator can manage its staff."))


@dataclass(frozen=True)
class Invitation:
    invitation: StaffInvitation
    secret: str  # shown once, in the link; only its hash is stored


def staff_invite(
    *,
    actor: User,
    login: str,
    display_name: str = "",
    role: str = Role.PARTNER_STAFF,
    partner: PartnerOrganization | None = None,
    link_for: Callable[[str], str] | None = None,
) -> Invitation:
    """Invite one person by e-mail or phone to create their own staff account in the actor's
    organization (a program administrator names the organization). The link works once and
    expires after PORTLINE_STAFF_INVITATION_HOURS. With `link_for` (secret -> the link's
    address) the link is sent to the e-mail address or phone once the invitation is stored."""
    partner_id = partner.pk if partner is not None else actor.partner_id
    _require_partner_manager(actor, partner_id)
    if partner_id is None:
        raise PermissionDenied(_("Only an organization's administrator can manage its staff."))
    if role not in (Role.PARTNER_STAFF, Role.PARTNER_ADMIN):
        raise ValidationFailed(
            _("Choose a role from the list."), errors={"role": [_("Choose a role from the list.")]}
        )
    login = login_normalise(login)
    display_name = (display_name or "").strip()[:150]
    if User.objects.filter(login=login).exists():
        raise Conflict(
            _("This e-mail or phone already has a Portline account; invite another one."),
            field="login",
        )
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        invitation = StaffInvitation.objects.create(
            partner_id=partner_id,
            role=role,
            login=login,
            display_name=display_name,
            key_hash=_invitation_hash(raw),
            created_by=actor,
            created_at=now,
            expires_at=now + dt.timedelta(hours=settings.PORTLINE_STAFF_INVITATION_HOURS),
        )
        audit_record(
            actor=actor,
            action="accounts.invitation.create",
            target=invitation,
            data={"partner": partner_id, "role": role},
        )
    if link_for is not None:
        staff_invitation_send(invitation=invitation, link=link_for(raw))
    return Invitation(invitation=invitation, secret=raw)


def staff_invitation_send(*, invitation: StaffInvitation, link: str) -> str:
    """Send the link to the invited e-mail address or phone; returns "email" or "sms".
    The message carries the link and the organization's name only."""
    from django.core.mail import send_mail

    from portline.common.sms import sms_sender

    hours = settings.PORTLINE_STAFF_INVITATION_HOURS
    text = _(
        "You are invited to join %(organization)s on Portline with your own account. "
        "Open this link within %(hours)s hours to choose your password: %(link)s"
    ) % {"organization": invitation.partner.name, "hours": hours, "link": link}
    if "@" in invitation.login:
        send_mail(
            _("Your Portline staff account"), text, settings.DEFAULT_FROM_EMAIL, [invitation.login]
        )
        return "email"
    sms_sender().send(to=invitation.login, body=text)
    return "sms"


def staff_invitation_open(*, secret: str) -> StaffInvitation:
    """The invitation a link's secret belongs to, if it is unused and unexpired; else NotFound
    (an expired, used, cancelled or unknown link all answer the same)."""
    invitation = (
        StaffInvitation.objects.select_related("partner")
        .filter(key_hash=_invitation_hash(secret or ""))
        .first()
    )
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.cancelled_at is not None
        or invitation.expires_at <= clock.now()
        or not invitation.partner.active
    ):
        raise NotFound(
            _("This invitation link has expired or has already been used. Ask for a new one.")
        )
    return invitation


def staff_invitation_accept(
    *, secret: str, password: str, display_name: str = "", language: str = "en"
) -> User:
    """Create the invited person's own account (their second factor is set up at first
    sign-in, as for every staff account). The link is spent in the same transaction."""
    invitation = staff_invitation_open(secret=secret)
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = "en"
    candidate = _candidate(
        login=invitation.login,
        password=password,
        role=invitation.role,
        language=language,
        display_name=(display_name or invitation.display_name).strip()[:150],
        partner=invitation.partner,
    )
    with transaction.atomic():
        locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.used_at is not None or locked.cancelled_at is not None:
            raise NotFound(
                _("This invitation link has expired or has already been used. Ask for a new one.")
            )
        try:
            with transaction.atomic():
                candidate.save()
        except IntegrityError as exc:
            raise Conflict(
                _("An account with this e-mail or phone already exists. Log in instead."),
                field="login",
            ) from exc
        locked.used_at = clock.now()
        locked.user = candidate
        locked.save(update_fields=["used_at", "user"])
        audit_record(
            actor=candidate,
            action="accounts.invitation.accept",
            target=locked,
            data={"user": candidate.pk, "partner": locked.partner_id, "role": locked.role},
        )
    return candidate


def staff_invitation_cancel(*, actor: User, invitation: StaffInvitation) -> None:
    _require_partner_manager(actor, invitation.partner_id)
    with transaction.atomic():
        locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.used_at is not None or locked.cancelled_at is not None:
            return
        locked.cancelled_at = clock.now()
        locked.save(update_fields=["cancelled_at"])
        audit_record(actor=actor, action="accounts.invitation.cancel", target=locked)


def _tokens_revoke_all(users) -> int:
    """Revoke every live API token of `users` (inside the caller's transaction)."""
    return ApiToken.objects.filter(user__in=users, revoked_at=None).update(revoked_at=clock.now())


def staff_suspend(*, actor: User, user: User) -> User:
    """Suspend one staff member at once: their open sessions stop at their next request
    (an inactive account is no longer a signed-in user) and their API tokens are revoked."""
    if user.role not in PARTNER_ROLES:
        raise PermissionDenied(_("Only an organization's administrator can manage its staff."))
    _require_partner_manager(actor, user.partner_id)
    if user.pk == actor.pk:
        raise Conflict(_("You cannot suspend your own account."), code="self_suspend")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            return locked
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        revoked = _tokens_revoke_all([locked])
        audit_record(
            actor=actor,
            action="accounts.user.suspend",
            target=locked,
            data={"partner": locked.partner_id, "tokens_revoked": revoked},
        )
    return locked


def staff_reinstate(*, actor: User, user: User) -> User:
    """Let a suspended staff member sign in again (their revoked tokens stay revoked)."""
    if user.role not in PARTNER_ROLES:
        raise PermissionDenied(_("Only an organization's administrator can manage its staff."))
    _require_partner_manager(actor, user.partner_id)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            return locked
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="accounts.user.reinstate",
            target=locked,
            data={"partner": locked.partner_id},
        )
    return locked


def partner_organization_suspend(
    *, actor: User, organization: PartnerOrganization
) -> PartnerOrganization:
    """Suspend a whole organization at once: none of its staff can sign in or use the API,
    their open sessions end at their next request, every API token is revoked, and open
    invitations stop working. Its administrator or the program administrator may do it;
    only the program administrator lifts it (`partner_organization_reinstate`)."""
    _require_partner_manager(actor, organization.pk)
    with transaction.atomic():
        locked = PartnerOrganization.objects.select_for_update().get(pk=organization.pk)
        if not locked.active:
            return locked
        locked.active = False
        locked.save(update_fields=["active"])
        revoked = _tokens_revoke_all(User.objects.filter(partner=locked))
        audit_record(
            actor=actor,
            action="partners.organization.suspend",
            target=locked,
            data={"tokens_revoked": revoked},
        )
    return locked


def partner_organization_reinstate(
    *, actor: User, organization: PartnerOrganization
) -> PartnerOrganization:
    if actor.role != Role.PROGRAM_ADMIN or not actor.is_active:
        raise PermissionDenied(_("Only the program administrator can lift a suspension."))
    with transaction.atomic():
        locked = PartnerOrganization.objects.select_for_update().get(pk=organization.pk)
        if locked.active:
            return locked
        locked.active = True
        locked.save(update_fields=["active"])
        audit_record(actor=actor, action="partners.organization.reinstate", target=locked)
    return locked


def account_in_good_standing(user: User) -> bool:
    """Active, and for partner roles, in an organization that is not suspended."""
    if not user.is_active:
        return False
    if user.role in PARTNER_ROLES:
        return partner_organization_is_active(user.partner_id)
    return True
