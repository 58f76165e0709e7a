import pytest
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portline.accounts.models import Role
from portline.accounts.services import totp_enrol_confirm, totp_enrol_start
from tests.factories import UserFactory
from tests.portals.accounts.helpers import full_login, password_login, totp_code

pytestmark = pytest.mark.django_db


def _backup_codes(user):
    device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    for token in ("11112222", "33334444"):
        StaticToken.objects.create(device=device, token=token)
    return device


def test_password_then_authenticator_code_opens_the_applicant_pages(client):
    user = UserFactory()
    response = password_login(client, user.login)
    assert response.status_code == 302 and response.url == "/accounts/verify/"
    assert client.get("/apply/").url == "/accounts/verify/?next=/apply/"
    page = client.get("/accounts/verify/")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    response = client.post(
        "/accounts/verify/", {"code": totp_code(TOTPDevice.objects.get(user=user))}
    )
    assert response.status_code == 302 and response.url == "/apply/"
    assert client.session[DEVICE_ID_SESSION_KEY]
    assert client.get("/apply/").status_code == 200


def test_login_by_phone_number_in_any_format(client):
    user = UserFactory(login="+525512345678", email="")
    assert password_login(client, "+52 (55) 1234-5678").url == "/accounts/verify/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_is_refused_with_one_message(client):
    user = UserFactory()
    response = password_login(client, user.login, "not-the-password")
    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_is_refused(client):
    user = UserFactory()
    password_login(client, user.login)
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(totp_code(device)) + 500000) % 10**6:06d}"
    response = client.post("/accounts/verify/", {"code": wrong})
    assert response.status_code == 200 and response.context["form"].errors["code"]
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get("/apply/").status_code == 302


def test_too_many_wrong_codes_end_the_session(client):
    user = UserFactory()
    password_login(client, user.login)
    for _ in range(5):
        response = client.post("/accounts/verify/", {"code": "000000"})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_a_backup_code_works_once(client):
    user = UserFactory()
    _backup_codes(user)
    password_login(client, user.login)
    response = client.post("/accounts/verify/", {"code": "1111 2222"})
    assert response.status_code == 302 and response.url == "/apply/"
    assert StaticToken.objects.filter(device__user=user).count() == 1
    client.post("/accounts/logout/")
    password_login(client, user.login)
    response = client.post("/accounts/verify/", {"code": "11112222"})
    assert response.status_code == 200 and DEVICE_ID_SESSION_KEY not in client.session


def test_backup_codes_from_enrolment_log_in(client):
    user = UserFactory(totp=False)
    enrolment = totp_enrol_start(user=user)
    codes = totp_enrol_confirm(user=user, code=totp_code(enrolment.device))
    password_login(client, user.login)
    assert client.post("/accounts/verify/", {"code": codes[3]}).url == "/apply/"


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.APPLICANT, "/apply/"),
        (Role.PARTNER_STAFF, "/partner/"),
        (Role.OFFICER, "/officer/"),
        (Role.SUPERVISOR, "/officer/"),
        (Role.PROGRAM_ADMIN, "/admin/"),
        (Role.ANALYST, "/analysis/"),
    ],
)
def test_each_role_lands_on_its_own_page(client, role, home):
    user = UserFactory(role=role)
    response = full_login(client, user)
    assert response.status_code == 302 and response.url == home
    assert client.get(home).status_code == 200


def test_next_is_followed_only_to_local_paths(client):
    user = UserFactory()
    password_login(client, user.login, next="/apply/start/")
    assert (
        client.post(
            "/accounts/verify/",
            {"code": totp_code(user.totpdevice_set.get()), "next": "/apply/start/"},
        ).url
        == "/apply/start/"
    )
    client.post("/accounts/logout/")
    for evil in (
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        password_login(client, user.login)
        device = TOTPDevice.objects.get(user=user)
        device.last_t = -1
        device.save()
        response = client.post("/accounts/verify/", {"code": totp_code(device), "next": evil})
        assert response.url == "/apply/", evil
        client.post("/accounts/logout/")


def test_lockout_after_the_failure_limit(client, settings):
    user = UserFactory()
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert password_login(client, user.login, "wrong-password").status_code == 200
    locked = password_login(client, user.login, "wrong-password")
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    # Even the right password is refused while locked out, and nobody is signed in.
    again = password_login(client, user.login)
    assert again.status_code == 429 and "_auth_user_id" not in client.session


def test_lockout_page_is_translated(client, settings):
    user = UserFactory()
    client.cookies["django_language"] = "es"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = password_login(client, user.login, "wrong-password")
    assert response.status_code == 429
    assert "Demasiados intentos" in response.content.decode()


def test_staff_without_an_authenticator_must_set_one_up_first(client):
    officer = UserFactory(role=Role.OFFICER, totp=False)
    response = password_login(client, officer.login)
    assert response.url == "/accounts/authenticator/"
    assert client.get("/officer/").url == "/accounts/verify/?next=/officer/"
    assert (
        client.get("/accounts/verify/?next=/officer/").url
        == "/accounts/authenticator/?next=%2Fofficer%2F"
    )
    page = client.get("/accounts/authenticator/?next=/officer/")
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    done = client.post("/accounts/authenticator/", {"code": totp_code(device), "next": "/officer/"})
    assert page.status_code == 200 and done.status_code == 200
    assert done.context["continue_url"] == "/officer/"
    assert client.get("/officer/").status_code == 200


@pytest.mark.parametrize(
    "role", [Role.OFFICER, Role.SUPERVISOR, Role.PARTNER_STAFF, Role.PROGRAM_ADMIN, Role.ANALYST]
)
def test_staff_reach_nothing_before_the_second_factor(client, role):
    user = UserFactory(role=role)
    password_login(client, user.login)
    for path in ("/officer/", "/partner/", "/apply/", "/admin/", "/admin/accounts/user/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/verify/"), path


def test_session_lengths_by_role(client):
    officer = UserFactory(role=Role.OFFICER)
    full_login(client, officer)
    assert client.session.get_expiry_age() == settings.PORTLINE_STAFF_SESSION_SECONDS
    client.post("/accounts/logout/")
    applicant = UserFactory()
    full_login(client, applicant)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_logout_needs_post(client):
    user = UserFactory()
    full_login(client, user)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_admin_login_page_sends_to_the_two_factor_login(client):
    response = client.get("/admin/login/?next=/admin/scheduling/")
    assert (
        response.status_code == 302
        and response.url == "/accounts/login/?next=%2Fadmin%2Fscheduling%2F"
    )
    # Posting a password to the admin's login page signs nobody in.
    admin_user = UserFactory(role=Role.PROGRAM_ADMIN)
    client.post(
        "/admin/login/", {"username": admin_user.login, "password": "correct-horse-battery-staple"}
    )
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").url.startswith("/admin/login/")


def test_admin_after_two_factor_login(client):
    admin_user = UserFactory(role=Role.PROGRAM_ADMIN)
    response = client.get("/admin/login/?next=/admin/")
    login_page = client.get(response.url)
    assert 'name="next" value="/admin/"' in login_page.content.decode()
    password_login(client, admin_user.login, next="/admin/")
    response = client.post(
        "/accounts/verify/",
        {"code": totp_code(TOTPDevice.objects.get(user=admin_user)), "next": "/admin/"},
    )
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/").url == "/admin/"


def test_a_verified_non_admin_is_refused_by_the_admin_login(client):
    full_login(client, UserFactory())
    assert client.get("/admin/login/").status_code == 403
