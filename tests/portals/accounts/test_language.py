import pytest
from django.conf import settings
from django.utils import translation

from portline.audit.models import AuditRecord
from tests.factories import UserFactory
from tests.portals.accounts.helpers import full_login, password_login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/", "/partner/"])
def test_every_page_has_the_language_switcher(client, path):
    if path == "/partner/":
        full_login(client, UserFactory(role="partner_staff"))
    html = client.get(path).content.decode()
    assert 'action="/accounts/language/"' in html
    for code, _name in settings.LANGUAGES:
        assert f'value="{code}"' in html
        assert f'lang="{code}">{translation.get_language_info(code)["name_local"]}<' in html


def test_switching_language_is_remembered_by_cookie(client):
    response = client.post("/accounts/language/", {"language": "ht", "next": "/accounts/login/"})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert response.cookies["django_language"].value == "ht"
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="ht" dir="ltr">' in html and "Konekte" in html
    client.post("/accounts/language/", {"language": "es", "next": "/accounts/login/"})
    assert "Iniciar sesión" in client.get("/accounts/login/").content.decode()


def test_switch_refuses_an_outside_next(client):
    response = client.post(
        "/accounts/language/", {"language": "es", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and "evil" not in response.url


def test_a_signed_in_person_keeps_the_language_on_the_account(client):
    user = UserFactory()
    full_login(client, user)
    client.post("/accounts/language/", {"language": "es", "next": "/apply/"})
    user.refresh_from_db()
    assert user.preferred_language == "es"
    record = AuditRecord.objects.filter(action="accounts.user.language_set").get()
    assert record.target_id == str(user.pk) and record.data == {"from": "en", "to": "es"}
    # Same language again: nothing to record.
    client.post("/accounts/language/", {"language": "es", "next": "/apply/"})
    assert AuditRecord.objects.filter(action="accounts.user.language_set").count() == 1
    # A new device (no cookie) gets the account's language at log-in.
    client.post("/accounts/logout/")
    client.cookies.clear()
    response = password_login(client, user.login)
    assert response.cookies["django_language"].value == "es"
    assert '<html lang="es" dir="ltr">' in client.get("/accounts/verify/").content.decode()


def test_an_unverified_session_does_not_change_the_account(client):
    user = UserFactory()
    password_login(client, user.login)
    response = client.post("/accounts/language/", {"language": "ht", "next": "/accounts/verify/"})
    assert response.cookies["django_language"].value == "ht"
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_an_unknown_language_changes_nothing(client):
    user = UserFactory()
    full_login(client, user)
    client.post("/accounts/language/", {"language": "xx", "next": "/apply/"})
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_the_language_chosen_before_log_in_wins_and_is_remembered(client):
    user = UserFactory(preferred_language="en")
    client.post("/accounts/language/", {"language": "ht", "next": "/accounts/login/"})
    response = password_login(client, user.login)
    assert response.cookies["django_language"].value == "ht"
    # Only the password so far: the account is not changed yet.
    user.refresh_from_db()
    assert user.preferred_language == "en"
    full_login(client, user)
    user.refresh_from_db()
    assert user.preferred_language == "ht"
    assert '<html lang="ht" dir="ltr">' in client.get("/apply/", follow=True).content.decode()
    record = AuditRecord.objects.filter(action="accounts.user.language_set").get()
    assert record.data == {"from": "en", "to": "ht"}


def test_without_a_choice_before_log_in_the_account_language_applies(client):
    user = UserFactory(preferred_language="es")
    password_login(client, user.login)
    full_login(client, user)
    user.refresh_from_db()
    assert user.preferred_language == "es"
    assert not AuditRecord.objects.filter(action="accounts.user.language_set").exists()
