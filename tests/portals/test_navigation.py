"""The site header's role-aware navigation, and small walkthrough fixes around it."""

from __future__ import annotations

import pytest
from django.test import Client

from portline.accounts.models import Role
from tests.conftest import verified_login
from tests.factories import UserFactory


def _nav(html: str) -> str:
    start = html.index('<nav class="site-nav"')
    return html[start : html.index("</nav>", start)]


@pytest.mark.django_db
def test_anonymous_nav_has_public_pages_only(client):
    nav = _nav(client.get("/rounds/").content.decode())
    assert 'href="/rounds/" aria-current="page"' in nav
    assert 'href="/area/"' in nav
    assert "/apply/" not in nav and "/admin/" not in nav


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "home", "label"),
    [
        (Role.APPLICANT, "/apply/", "Your registrations"),
        (Role.OFFICER, "/officer/", "Arrivals"),
        (Role.SUPERVISOR, "/officer/", "Arrivals"),
        (Role.PROGRAM_ADMIN, "/admin/", "Administration"),
    ],
)
def test_verified_user_nav_links_their_home(role, home, label):
    client = verified_login(Client(), UserFactory(role=role))
    nav = _nav(client.get("/area/").content.decode())
    assert f'href="{home}"' in nav and label in nav
    assert 'href="/area/" aria-current="page"' in nav


@pytest.mark.django_db
def test_analyst_nav_has_no_role_home():
    client = verified_login(Client(), UserFactory(role=Role.ANALYST))
    nav = _nav(client.get("/").content.decode())
    assert "/apply/" not in nav and "/officer/" not in nav and "/admin/" not in nav


@pytest.mark.django_db
def test_unverified_user_gets_no_role_links(client):
    client.force_login(UserFactory())
    nav = _nav(client.get("/").content.decode())
    assert "/apply/" not in nav


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "label"), [("es", "Sus registros"), ("ht", "Enskripsyon ou yo")]
)
def test_nav_is_translated(applicant_client, language, label):
    applicant_client.cookies["django_language"] = language
    response = applicant_client.get("/rounds/", HTTP_ACCEPT_LANGUAGE=language)
    assert label in _nav(response.content.decode())


@pytest.mark.django_db
def test_public_home_offers_sign_up_only_to_visitors():
    assert "/accounts/signup/" in Client().get("/").content.decode()
    page = verified_login(Client(), UserFactory()).get("/").content.decode()
    main = page[page.index('<main id="main">') :]
    assert "/accounts/signup/" not in main and 'href="/accounts/"' in main


@pytest.mark.django_db
def test_area_map_url_carries_the_language(client):
    client.cookies["django_language"] = "es"
    assert ".svg?lang=es" in client.get("/area/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
