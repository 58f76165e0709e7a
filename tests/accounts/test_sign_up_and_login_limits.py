"""Sign-up and log-in hold up against an outsider: no account enumeration, sign-up bursts
limited per address and overall, lock-out per address and per account, Django's password
validators, wrong second-factor codes counted, a plain "wait" during django-otp's back-off,
a new session id after the second factor, and the enrolment code usable once for a token."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from portline.accounts.models import ApiToken, User
from portline.accounts.services import totp_enrol_start
from tests.api.conftest import ApiClient, error_of
from tests.factories import PASSWORD, UserFactory
from tests.portals.accounts.helpers import password_login, totp_code

pytestmark = pytest.mark.django_db
SIGN_UP = {"password": "a-long-unusual-passphrase", "language": "es"}
# The limits count in fixed windows (an hour, a minute, the lock-out time): a test that ran
# across a window's end would see its count start afresh, or be told to wait one second. Each
# runs mid-window, on a stopped clock (so django-otp's one-second back-off cannot run out
# between two posts on a slow machine either).
MID_WINDOW = "2026-11-30 12:20:30+00:00"


def _page_sign_up(client: Client, login: str):
    return client.post(
        "/accounts/signup/",
        {"login": login, **SIGN_UP, "password_confirm": SIGN_UP["password"]},
    )


def _from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


# Sign-up ---------------------------------------------------------------------------------


@freeze_time(MID_WINDOW)
def test_sign_up_is_limited_per_address_on_the_pages_and_the_api(settings):
    settings.PORTLINE_SIGNUP_RATE_PER_ADDRESS = "3/hour"
    client = _from("203.0.113.7")
    answers = [_page_sign_up(client, f"p{i}@example.org").status_code for i in range(3)]
    assert answers == [302, 302, 302]
    refused = _page_sign_up(client, "p3@example.org")
    assert refused.status_code == 429
    assert "Espere" in refused.content.decode()  # in the language chosen at sign-up
    assert "Espere 2370 segundos" in refused.content.decode()  # to the end of the hour
    api = ApiClient(_from("203.0.113.7"))
    response = api.post("/auth/signup", {"login": "p4@example.org", **SIGN_UP})
    assert response.status_code == 429 and error_of(response)["code"] == "rate_limited"
    assert response["Retry-After"] == "2370"
    assert User.objects.count() == 3
    # Another address is not affected.
    assert _page_sign_up(_from("198.51.100.1"), "p5@example.org").status_code == 302


@freeze_time(MID_WINDOW)
def test_sign_up_has_an_overall_burst_limit(settings):
    settings.PORTLINE_SIGNUP_RATE_TOTAL = "4/min"
    answers = [
        _page_sign_up(_from(f"198.51.100.{i}"), f"q{i}@example.org").status_code for i in range(6)
    ]
    assert answers == [302, 302, 302, 302, 429, 429]
    assert User.objects.count() == 4


def test_sign_up_answers_the_same_for_a_taken_phone_number():
    UserFactory(login="+525512345678")
    api = ApiClient(Client())
    taken = api.post("/auth/signup", {"login": "+52 55 1234 5678", **SIGN_UP})
    free = api.post("/auth/signup", {"login": "+52 55 1234 5679", **SIGN_UP})
    assert taken.status_code == free.status_code == 201
    assert taken.json() | {"login": ""} == free.json() | {"login": ""}
    assert User.objects.filter(login="+525512345678").count() == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 10, "only spaces"),
        (" " * 12 + "ab", "different characters"),
        ("aaaaaaaaaaaa", "different characters"),
        ("password123", "too common"),
        ("1234567890123", "entirely numeric"),
        ("short-pw", "too short"),
        ("ana.perez.example", "too similar"),
    ],
)
def test_weak_passwords_are_refused(password, message):
    api = ApiClient(Client())
    response = api.post(
        "/auth/signup", {"login": "ana.perez@example.org", "password": password, "language": "es"}
    )
    assert response.status_code == 422, (password, response.content)
    assert message in " ".join(error_of(response)["fields"]["password"])
    assert not User.objects.exists()


# Log-in lock-out --------------------------------------------------------------------------


@freeze_time(MID_WINDOW)
def test_one_address_trying_many_logins_is_locked_out(settings):
    settings.PORTLINE_LOGIN_FAILURE_LIMIT_PER_ADDRESS = 8
    victims = [UserFactory() for _ in range(3)]
    client = _from("203.0.113.9")
    statuses = [
        password_login(client, victims[i % 3].login, f"guess-{i}").status_code for i in range(8)
    ]
    assert statuses == [200] * 8  # no account reached its own limit (5)
    locked = password_login(client, victims[0].login)  # even the right password
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    api = ApiClient(_from("203.0.113.9"))
    body = {"login": victims[1].login, "password": PASSWORD, "code": "123456"}
    response = api.post("/auth/token", body)
    assert response.status_code == 429 and error_of(response)["code"] == "locked_out"
    # The owners, elsewhere, still log in.
    assert password_login(_from("198.51.100.20"), victims[0].login).status_code == 302


def test_one_account_tried_from_many_addresses_is_locked_out(settings):
    user = UserFactory()
    for i in range(settings.AXES_FAILURE_LIMIT):
        password_login(_from(f"198.51.100.{i + 1}"), user.login, "wrong-password")
    locked = password_login(_from("192.0.2.50"), user.login)
    assert locked.status_code == 429


def test_wrong_codes_on_the_web_count_toward_the_lock_out(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's back-off is tested below
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    user = UserFactory()
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        if attempt % 2 == 0:  # a new session now and then: the count must survive it
            client = Client()
            assert password_login(client, user.login).status_code == 302
        response = client.post("/accounts/verify/", {"code": "000000"})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    message = [str(m) for m in response.wsgi_request._messages]
    assert any("Wait" in m and "minutes" in m for m in message), message
    assert password_login(Client(), user.login).status_code == 429


@freeze_time(MID_WINDOW)
def test_a_right_code_during_the_back_off_is_told_to_wait_not_called_wrong(settings):
    user = UserFactory()
    client = Client()
    password_login(client, user.login)
    device = TOTPDevice.objects.get(user=user)
    assert client.post("/accounts/verify/", {"code": "000000"}).status_code == 200
    response = client.post("/accounts/verify/", {"code": totp_code(device)})
    errors = " ".join(response.context["form"].errors["code"])
    assert "Wait 1 second," in errors and "not right" not in errors
    # Only the checked code counted toward the lock-out.
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get(username=user.login).failures_since_start == 1


def test_a_successful_second_factor_clears_the_account_s_failures(settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        password_login(Client(), user.login, "wrong-password")
    client = Client()
    password_login(client, user.login)
    device = TOTPDevice.objects.get(user=user)
    assert client.post("/accounts/verify/", {"code": totp_code(device)}).status_code == 302
    assert password_login(Client(), user.login, "wrong-password").status_code == 200


# Sessions and tokens -----------------------------------------------------------------------


def test_the_session_id_is_renewed_when_the_second_factor_passes():
    user = UserFactory()
    client = Client()
    password_login(client, user.login)
    before = client.session.session_key
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/accounts/verify/", {"code": totp_code(device)})
    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.get("/apply/").status_code == 200
    # The old id is gone: whoever held it holds nothing.
    stale = Client()
    stale.cookies["sessionid"] = before
    assert stale.get("/apply/").status_code == 302


def test_the_code_that_confirms_the_authenticator_issues_one_token_and_is_spent():
    user = UserFactory(totp=False)
    enrolment = totp_enrol_start(user=user)
    api = ApiClient(Client())
    code = f"{totp(enrolment.device.bin_key):06d}"
    confirmed = api.post(
        "/auth/totp/confirm", {"login": user.login, "password": PASSWORD, "code": code}
    )
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["token"].startswith("pl_")
    body = {"login": user.login, "password": PASSWORD, "code": code}
    replay = api.post("/auth/token", body)
    assert replay.status_code == 401 and error_of(replay)["code"] == "invalid_second_factor"
    assert ApiToken.objects.filter(user=user).count() == 1
