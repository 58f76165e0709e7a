"""Sign-up, authenticator set-up and tokens: the anonymous operations and their limits."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from portline.accounts.models import ApiToken, Role, User
from tests.api.conftest import error_of
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key):06d}"


def test_signup_refuses_weak_passwords_and_taken_logins(anonymous_api):
    response = anonymous_api.post("/auth/signup", {"login": "a@example.org", "password": "123"})
    assert response.status_code == 422 and "password" in error_of(response)["fields"]
    assert (
        anonymous_api.post(
            "/auth/signup", {"login": "a@example.org", "password": "a-long-passphrase-1"}
        ).status_code
        == 201
    )
    free = anonymous_api.post(
        "/auth/signup", {"login": "b@example.org", "password": "a-long-passphrase-2"}
    )
    # A taken login is not revealed: the same answer as a free one, and nothing is created.
    response = anonymous_api.post(
        "/auth/signup", {"login": "A@Example.org", "password": "a-long-passphrase-1"}
    )
    assert response.status_code == 201
    assert response.json() == free.json() | {"login": "a@example.org"}
    response = anonymous_api.post(
        "/auth/signup", {"login": "not a login", "password": "a-long-passphrase-1"}
    )
    assert response.status_code == 422 and "login" in error_of(response)["fields"]
    assert User.objects.count() == 2  # a@ and b@; the taken a@ created nothing


def test_signup_by_phone_makes_an_applicant(anonymous_api):
    response = anonymous_api.post(
        "/auth/signup",
        {"login": "+52 55 1234 5678", "password": "a-long-passphrase-1", "role": "program_admin"},
    )
    assert response.status_code == 422  # no such field: nobody signs themselves up as staff
    response = anonymous_api.post(
        "/auth/signup", {"login": "+52 55 1234 5678", "password": "a-long-passphrase-1"}
    )
    assert response.status_code == 201
    assert response.json()["login"] == "+525512345678" and response.json()["role"] == Role.APPLICANT


def test_token_with_password_and_code(anonymous_api, applicant):
    response = anonymous_api.post(
        "/auth/token",
        {"login": applicant.login, "password": PASSWORD, "code": _current_code(applicant)},
    )
    assert response.status_code == 201
    assert ApiToken.objects.get(user=applicant).key_hash != response.json()["token"]


def test_token_with_a_backup_code_once(anonymous_api, applicant):
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=applicant, name="backup codes", confirmed=True)
    StaticToken.objects.create(device=device, token="12345678")
    body = {"login": applicant.login, "password": PASSWORD, "code": "12345678"}
    assert anonymous_api.post("/auth/token", body).status_code == 201
    assert anonymous_api.post("/auth/token", body).status_code == 401


def test_token_refusals(anonymous_api, applicant):
    wrong_password = anonymous_api.post(
        "/auth/token", {"login": applicant.login, "password": "wrong-password", "code": "123456"}
    )
    assert (
        wrong_password.status_code == 401
        and error_of(wrong_password)["code"] == "invalid_credentials"
    )
    unknown = anonymous_api.post(
        "/auth/token",
        {"login": "nobody@example.org", "password": "wrong-password", "code": "123456"},
    )
    assert unknown.status_code == 401 and error_of(unknown)["code"] == "invalid_credentials"
    wrong_code = anonymous_api.post(
        "/auth/token", {"login": applicant.login, "password": PASSWORD, "code": "000000"}
    )
    assert wrong_code.status_code == 401 and error_of(wrong_code)["code"] == "invalid_second_factor"
    missing = anonymous_api.post("/auth/token", {"login": applicant.login, "password": PASSWORD})
    assert missing.status_code == 422 and "code" in error_of(missing)["fields"]
    no_device = UserFactory(totp=False)
    response = anonymous_api.post(
        "/auth/token", {"login": no_device.login, "password": PASSWORD, "code": "123456"}
    )
    assert response.status_code == 403 and error_of(response)["code"] == "second_factor_not_set_up"
    assert not ApiToken.objects.exists()


def test_repeated_failures_lock_the_login_out_with_429(anonymous_api, applicant, settings):
    body = {"login": applicant.login, "password": "wrong-password", "code": "123456"}
    statuses = [
        anonymous_api.post("/auth/token", body).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [401] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    # Now even the right password (and code) is refused, in the API's error body.
    response = anonymous_api.post(
        "/auth/token",
        {"login": applicant.login, "password": PASSWORD, "code": _current_code(applicant)},
    )
    assert response.status_code == 429
    assert error_of(response)["code"] == "locked_out"


def test_wrong_codes_count_as_failures(anonymous_api, applicant, settings):
    body = {"login": applicant.login, "password": PASSWORD, "code": "000000"}
    statuses = [
        anonymous_api.post("/auth/token", body).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429 and 401 in statuses


def test_anonymous_endpoints_are_rate_limited(anonymous_api, settings):
    settings.PORTLINE_API_ANONYMOUS_RATE = "3/min"
    statuses = [
        anonymous_api.post(
            "/auth/signup", {"login": f"u{i}@example.org", "password": "a-long-passphrase-1"}
        ).status_code
        for i in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    response = anonymous_api.post(
        "/auth/token", {"login": "u0@example.org", "password": "x", "code": "1"}
    )
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1


def test_authenticator_cannot_be_replaced_with_the_password_alone(anonymous_api, applicant):
    response = anonymous_api.post(
        "/auth/totp/start", {"login": applicant.login, "password": PASSWORD}
    )
    assert response.status_code == 409 and error_of(response)["code"] == "already_enrolled"
    response = anonymous_api.post(
        "/auth/totp/confirm", {"login": applicant.login, "password": PASSWORD, "code": "123456"}
    )
    assert response.status_code == 409
    assert TOTPDevice.objects.filter(user=applicant).count() == 1


def test_totp_confirm_needs_a_started_enrolment_and_the_right_code(anonymous_api):
    user = UserFactory(totp=False)
    body = {"login": user.login, "password": PASSWORD, "code": "123456"}
    response = anonymous_api.post("/auth/totp/confirm", body)
    assert response.status_code == 409 and error_of(response)["code"] == "no_enrolment"
    assert (
        anonymous_api.post(
            "/auth/totp/start", {"login": user.login, "password": PASSWORD}
        ).status_code
        == 200
    )
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"
    response = anonymous_api.post("/auth/totp/confirm", body | {"code": wrong})
    assert response.status_code == 422 and "code" in error_of(response)["fields"]
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_a_confirmation_arriving_one_step_late_then_the_newest_code_logs_in(anonymous_api):
    """A slow network: the code shown at 12:00:29 reaches the server in the next 30-second
    step. It is accepted and the device's drift moves one step back; the app's newest code
    then logs in, and a code one step ahead of it is refused (deploy/journey.py once sent
    "the next code" for its second token, and failed on a slow machine)."""
    user = UserFactory(totp=False)
    body = {"login": user.login, "password": PASSWORD}
    assert anonymous_api.post("/auth/totp/start", body).status_code == 200
    device = TOTPDevice.objects.get(user=user)
    with freeze_time("2026-11-30 12:00:29") as frozen:
        shown = f"{totp(device.bin_key):06d}"
        frozen.tick(2)
        response = anonymous_api.post("/auth/totp/confirm", body | {"code": shown})
        assert response.status_code == 200, response.content
        device.refresh_from_db()
        assert device.drift == -1
        ahead = f"{totp(device.bin_key, drift=1):06d}"
        response = anonymous_api.post("/auth/token", body | {"code": ahead, "name": "phone"})
        assert response.status_code == 401
        assert error_of(response)["code"] == "invalid_second_factor"
        frozen.tick(2)  # a wrong code holds the device for a second
        newest = f"{totp(device.bin_key):06d}"
        response = anonymous_api.post("/auth/token", body | {"code": newest, "name": "phone"})
        assert response.status_code == 201, response.content
