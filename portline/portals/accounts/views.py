"""Account pages: sign-up, authenticator set-up, log-in with a second factor, log-out, language.

Everyone logs in with a password and then a second factor (an authenticator code or a
one-time backup code). Until the second factor is done, the middleware keeps a signed-in
person on these pages. Views parse input, call one account service, and render.
"""

from __future__ import annotations

import base64
import io
import math
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from portline.accounts.models import STAFF_ROLES, Role
from portline.accounts.services import (
    RateLimited,
    SecondFactorWait,
    applicant_sign_up,
    login_address_wait,
    login_failure_count,
    login_normalise,
    login_succeeded,
    second_factor_verify,
    totp_device_get,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_enrolment_current,
    user_has_second_factor,
    user_language_set,
)
from portline.common.errors import ApplicationError, ValidationFailed
from portline.portals.accounts.forms import CodeForm, LanguageForm, LogInForm, SignUpForm

# Wrong second-factor codes allowed in one session before the person must log in again
# (on top of django-otp's growing delay after each wrong code).
SECOND_FACTOR_MAX_FAILURES = 5
_FAILURES_KEY = "portline_second_factor_failures"
_SIGNED_UP_KEY = "portline_signed_up_login"  # fills in the log-in form after sign-up
# The language chosen before logging in: it wins over the account's at log-in, and the account
# remembers it once the second factor has passed.
_CHOSEN_LANGUAGE_KEY = "portline_language_chosen"
_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# Helpers -------------------------------------------------------------------------------------


def home_url_for(user) -> str:
    """Where a person lands after logging in, by role."""
    if user.role == Role.APPLICANT:
        return reverse("applicant:home")
    if user.role == Role.PARTNER_STAFF:
        return reverse("partner:home")
    if user.role == Role.PARTNER_ADMIN:
        return reverse("partner:staff")
    if user.role in (Role.OFFICER, Role.SUPERVISOR):
        return reverse("officer:home")
    if user.role == Role.PROGRAM_ADMIN:
        return reverse("admin:index")
    if user.role == Role.ANALYST:
        return reverse("analysis:home")
    if user.role == Role.OVERSIGHT:
        return reverse("complaints:queue")
    if user.role == Role.TRANSPORT_COORDINATOR:
        return reverse("transport:home")
    return "/"


def safe_next(request: HttpRequest) -> str:
    """The ?next= target if it is a path on this site, else ''."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts=set(), require_https=request.is_secure()
        )
    ):
        return target
    return ""


def _with_next(url: str, target: str) -> str:
    return f"{url}?{urlencode({'next': target})}" if target else url


def _after_login_url(request: HttpRequest) -> str:
    return safe_next(request) or home_url_for(request.user)


def _start_session(request: HttpRequest, user) -> None:
    """Log in after the password (the second factor is still to come) with the role's session length."""
    auth_login(request, user, backend=getattr(user, "backend", _MODEL_BACKEND))
    if user.role in STAFF_ROLES:
        request.session.set_expiry(settings.PORTLINE_STAFF_SESSION_SECONDS)
    else:
        request.session.set_expiry(settings.SESSION_COOKIE_AGE)


def _remember_language(response: HttpResponse, language: str) -> HttpResponse:
    if language in {code for code, _name in settings.LANGUAGES}:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def _keep_chosen_language(request: HttpRequest, user) -> None:
    """After the second factor: a language chosen before logging in becomes the account's."""
    chosen = request.session.pop(_CHOSEN_LANGUAGE_KEY, None)
    if chosen and chosen != user.preferred_language:
        user_language_set(user=user, language=chosen)


def _qr_data_uri(text: str) -> str:
    import qrcode

    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _errors_to_form(form, exc: ApplicationError) -> None:
    if isinstance(exc, ValidationFailed) and exc.errors:
        for name, messages_ in exc.errors.items():
            form.add_error(name if name in form.fields else None, list(messages_))
    else:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)


# Pages ---------------------------------------------------------------------------------------


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """/accounts/: the right place for whoever asks."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if not user.is_verified():
        return redirect("accounts:second_factor")
    return redirect(home_url_for(user))


@sensitive_post_parameters("password", "password_confirm")
@require_http_methods(["GET", "POST"])
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    """Whether the e-mail or phone already had an account is never told: both end on the
    log-in page with the same message (the login filled in), and the owner logs in there."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = SignUpForm(request.POST or None, initial={"language": (get_language() or "en")[:2]})
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = applicant_sign_up(
                login=data["login"],
                password=data["password"],
                language=data["language"],
                address=request.META.get("REMOTE_ADDR", ""),
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except ApplicationError as exc:
            _errors_to_form(form, exc)
        else:
            request.session[_SIGNED_UP_KEY] = done.login
            messages.success(
                request,
                _(
                    "Sign-up done. Log in with your e-mail or phone and your password to set up your authenticator app."
                ),
            )
            return _remember_language(redirect("accounts:login"), done.preferred_language)
    return render(request, "accounts/signup.html", {"form": form}, status=status)


def _lockout_page(request: HttpRequest, seconds: int) -> HttpResponse:
    return render(
        request, "accounts/lockout.html", {"minutes": max(1, math.ceil(seconds / 60))}, status=429
    )


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    target = safe_next(request)
    if request.user.is_authenticated:
        if request.user.is_verified():
            return redirect(_after_login_url(request))
        return redirect(_with_next(reverse("accounts:second_factor"), target))
    form = LogInForm(
        request.POST or None, initial={"login": request.session.get(_SIGNED_UP_KEY, "")}
    )
    if request.method == "POST" and form.is_valid():
        wait = login_address_wait(address=request.META.get("REMOTE_ADDR", ""))
        if wait:
            return _lockout_page(request, wait)
        raw = form.cleaned_data["login"]
        try:
            login_value = login_normalise(raw)
        except ApplicationError:
            login_value = raw.strip().lower()
        # request= lets django-axes count failures per account and lock it out.
        user = authenticate(
            request=request, login=login_value, password=form.cleaned_data["password"]
        )
        if user is None:
            login_failure_count(request=request, login=login_value, second_factor=False)
            form.add_error(None, _("The e-mail or phone number, or the password, is not right."))
        else:
            request.session.pop(_SIGNED_UP_KEY, None)
            _start_session(request, user)
            step = "accounts:second_factor" if user_has_second_factor(user) else "accounts:setup"
            chosen = request.session.get(_CHOSEN_LANGUAGE_KEY)
            return _remember_language(
                redirect(_with_next(reverse(step), target)), chosen or user.preferred_language
            )
    return render(request, "accounts/login.html", {"form": form, "next": target})


@require_http_methods(["GET", "POST"])
@never_cache
def second_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    target = safe_next(request)
    if not user.is_authenticated:
        return redirect(_with_next(reverse("accounts:login"), target))
    if user.is_verified():
        return redirect(_after_login_url(request))
    if not user_has_second_factor(user):
        return redirect(_with_next(reverse("accounts:setup"), target))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = login_address_wait(address=request.META.get("REMOTE_ADDR", ""))
        if wait:
            auth_logout(request)
            return _lockout_page(request, wait)
        try:
            device = second_factor_verify(user=user, code=form.cleaned_data["code"])
        except SecondFactorWait as exc:
            # Not checked, so not counted toward the lock-out; the person is told to wait.
            device, waiting = None, exc
        else:
            waiting = None
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()  # a new session id once fully logged in
            request.session.pop(_FAILURES_KEY, None)
            login_succeeded(user=user)
            _keep_chosen_language(request, user)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("You used a backup code. Backup codes left: %(count)d.") % {"count": left},
                )
            return redirect(_after_login_url(request))
        if waiting is None:
            login_failure_count(request=request, login=user.login, second_factor=True)
        if getattr(request, "axes_locked_out", False):
            # The account is locked out: say so on the log-in page (not axes' own page).
            request.axes_locked_out = False  # type: ignore[attr-defined]
            auth_logout(request)
            minutes = max(1, round(settings.AXES_COOLOFF_TIME * 60))
            messages.error(
                request,
                ngettext(
                    "Too many wrong codes. Wait %(minutes)d minute, then log in again.",
                    "Too many wrong codes. Wait %(minutes)d minutes, then log in again.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            return redirect("accounts:login")
        failures = request.session.get(_FAILURES_KEY, 0) + 1
        if failures >= SECOND_FACTOR_MAX_FAILURES:
            auth_logout(request)
            messages.error(request, _("Too many wrong codes. Log in again."))
            return redirect("accounts:login")
        request.session[_FAILURES_KEY] = failures
        if waiting is not None:
            form.add_error("code", waiting.message)
        else:
            form.add_error(
                "code",
                _(
                    "That code is not right. Use the newest code in your authenticator app, or a backup code."
                ),
            )
    return render(request, "accounts/second_factor.html", {"form": form, "next": target})


@require_http_methods(["GET", "POST"])
@never_cache
def setup(request: HttpRequest) -> HttpResponse:
    """Authenticator set-up: QR code and secret, first code, then the backup codes once."""
    user = request.user
    target = safe_next(request)
    if not user.is_authenticated:
        return redirect(_with_next(reverse("accounts:login"), target))
    if user_has_second_factor(user) and not user.is_verified():
        # Replacing an authenticator needs the current one first.
        return redirect(_with_next(reverse("accounts:second_factor"), target))
    if user_has_second_factor(user) and request.method == "GET" and "replace" not in request.GET:
        # Say so, and start nothing: a replacement is set up only when asked for.
        return render(
            request,
            "accounts/setup.html",
            {"already": True, "next": target, "continue_url": _after_login_url(request)},
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_enrol_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationFailed as exc:
            _errors_to_form(form, exc)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(_with_next(reverse("accounts:setup"), target))
        else:
            otp_login(request, totp_device_get(user=user))
            request.session.cycle_key()  # a new session id once fully logged in
            login_succeeded(user=user)
            _keep_chosen_language(request, user)
            return render(
                request,
                "accounts/backup_codes.html",
                {"codes": codes, "continue_url": _after_login_url(request)},
            )
    enrolment = totp_enrolment_current(user=user) or totp_enrol_start(user=user)
    return render(
        request,
        "accounts/setup.html",
        {
            "form": form,
            "next": target,
            "qr": _qr_data_uri(enrolment.uri),
            "secret": _grouped(enrolment.secret_base32),
        },
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.success(request, _("You are logged out."))
    return redirect("accounts:login")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the language (cookie) and, for a signed-in person, remember it on the account."""
    response = set_language(request)
    form = LanguageForm(request.POST)
    user = request.user
    if form.is_valid():
        if user.is_authenticated and user.is_verified():
            user_language_set(user=user, language=form.cleaned_data["language"])
        else:  # kept for the log-in: the language chosen last wins (_keep_chosen_language)
            request.session[_CHOSEN_LANGUAGE_KEY] = form.cleaned_data["language"]
    return response


def lockout(
    request: HttpRequest, original_response=None, credentials=None, *args, **kwargs
) -> HttpResponse:
    """django-axes calls this (AXES_LOCKOUT_CALLABLE) when an account is locked out."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60) if settings.AXES_COOLOFF_TIME else None
    return render(request, "accounts/lockout.html", {"minutes": minutes}, status=429)


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """Replaces the admin site's own login page, which would skip the second factor."""
    target = safe_next(request) or reverse("admin:index")
    user = request.user
    if user.is_authenticated and user.is_verified():
        if admin.site.has_permission(request):
            return redirect(target)
        raise PermissionDenied
    return redirect(_with_next(reverse("accounts:login"), target))
