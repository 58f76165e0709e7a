import base64

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portline.accounts.models import Role, User
from portline.audit.models import AuditRecord
from tests.factories import UserFactory
from tests.portals.accounts.helpers import totp_code

pytestmark = pytest.mark.django_db

GOOD = {
    "login": "Ana.Perez@Example.org",
    "password": "a-long-unusual-passphrase",
    "password_confirm": "a-long-unusual-passphrase",
    "language": "es",
}


def _sign_up_and_log_in(client, data=GOOD):
    """Sign-up ends on the log-in page (whether the login was taken is never told); the
    person logs in there with the password just chosen, which leads to the set-up."""
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 302 and response.url == "/accounts/login/"
    login = client.post("/accounts/login/", {"login": data["login"], "password": data["password"]})
    assert login.status_code == 302 and login.url == "/accounts/authenticator/"
    return response


def test_signup_then_authenticator_then_backup_codes_logs_the_person_in(client):
    assert client.get("/accounts/signup/").status_code == 200
    response = _sign_up_and_log_in(client)
    user = User.objects.get(login="ana.perez@example.org")
    assert (
        user.role == Role.APPLICANT and user.email == user.login and user.preferred_language == "es"
    )
    assert response.cookies["django_language"].value == "es"
    # Signed in after the password only: nothing else is reachable yet.
    assert client.get("/apply/").url.startswith("/accounts/verify/")

    page = client.get("/accounts/authenticator/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/png;base64,' in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert page.context["secret"].replace(" ", "") == secret
    assert secret[:4] + " " + secret[4:8] in html
    # The QR code is a real PNG.
    png = base64.b64decode(page.context["qr"].split(",", 1)[1])
    assert png.startswith(b"\x89PNG")

    done = client.post("/accounts/authenticator/", {"code": totp_code(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 8 and len(set(codes)) == 8
    assert set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    ) == set(codes)
    for code in codes:
        assert code in done.content.decode()
    assert done["Cache-Control"].startswith("max-age=0") or "no-store" in done["Cache-Control"]
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert done.context["continue_url"] == "/apply/"
    assert client.get("/accounts/").url == "/apply/"
    actions = list(
        AuditRecord.objects.filter(target_id=str(user.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[:1] == ["accounts.user.create"] and "accounts.totp.enrol_confirm" in actions


def test_signup_with_phone_number(client):
    data = {**GOOD, "login": "+52 55 1234 5678"}
    assert client.post("/accounts/signup/", data).status_code == 302
    user = User.objects.get(login="+525512345678")
    assert user.phone == "+525512345678" and user.email == ""


def test_reloading_the_setup_page_keeps_the_same_key(client):
    _sign_up_and_log_in(client)
    first = client.get("/accounts/authenticator/").context["secret"]
    second = client.get("/accounts/authenticator/").context["secret"]
    assert first == second
    assert TOTPDevice.objects.filter(confirmed=False).count() == 1


def test_a_wrong_first_code_is_refused(client):
    _sign_up_and_log_in(client)
    client.get("/accounts/authenticator/")
    device = TOTPDevice.objects.get(confirmed=False)
    wrong = f"{(int(totp_code(device)) + 1) % 10**6:06d}"
    response = client.post("/accounts/authenticator/", {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    device.refresh_from_db()
    assert not device.confirmed and not StaticToken.objects.exists()
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_setup_page_needs_a_login(client):
    response = client.get("/accounts/authenticator/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_someone_with_only_the_password_cannot_replace_the_authenticator(client):
    user = UserFactory()
    client.post(
        "/accounts/login/", {"login": user.login, "password": "correct-horse-battery-staple"}
    )
    response = client.get("/accounts/authenticator/")
    assert response.status_code == 302 and response.url.startswith("/accounts/verify/")
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"login": "not-an-email@"}, "login"),
        ({"login": "12"}, "login"),
        ({"password": "password", "password_confirm": "password"}, "password"),
        ({"password": "1234567890123", "password_confirm": "1234567890123"}, "password"),
        ({"password_confirm": "something-else-entirely"}, "password_confirm"),
        ({"language": "xx"}, "language"),
        ({"login": ""}, "login"),
    ],
)
def test_bad_sign_up_input_is_refused_and_creates_nothing(client, change, field):
    users, audits = User.objects.count(), AuditRecord.objects.count()
    response = client.post("/accounts/signup/", {**GOOD, **change})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert User.objects.count() == users and AuditRecord.objects.count() == audits
    assert not client.session.get("_auth_user_id")


def test_an_existing_account_is_not_revealed_and_nothing_is_stored(client):
    UserFactory(login="ana.perez@example.org")
    users, audits = User.objects.count(), AuditRecord.objects.count()
    taken = client.post("/accounts/signup/", GOOD)
    assert User.objects.count() == users and AuditRecord.objects.count() == audits
    assert not client.session.get("_auth_user_id")
    fresh = Client().post("/accounts/signup/", {**GOOD, "login": "someone.new@example.org"})
    assert User.objects.count() == users + 1
    assert (taken.status_code, taken.url) == (fresh.status_code, fresh.url)
    assert taken.status_code == 302 and taken.url == "/accounts/login/"


def test_sign_up_errors_are_in_spanish(client):
    client.cookies["django_language"] = "es"
    page = client.get("/accounts/signup/")
    assert '<html lang="es" dir="ltr">' in page.content.decode()
    response = client.post("/accounts/signup/", {**GOOD, "password_confirm": "otra-cosa-distinta"})
    html = response.content.decode()
    assert "Las dos contraseñas no son iguales." in html
    assert "Crear una cuenta" in html
    response = client.post(
        "/accounts/signup/", {**GOOD, "password": "password", "password_confirm": "password"}
    )
    assert "Esta contraseña es demasiado común." in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_errors_are_in_haitian_creole(client):
    client.cookies["django_language"] = "ht"
    response = client.post(
        "/accounts/signup/", {**GOOD, "password": "password", "password_confirm": "password"}
    )
    html = response.content.decode()
    assert '<html lang="ht" dir="ltr">' in html
    assert "Modpas sa a twò komen." in html
    assert "This password is too common." not in html
