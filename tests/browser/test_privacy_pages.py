"""The applicant's data pages in a real browser at phone size (360 px), checked by axe-core:
the public schedule, the copy, the access history and the deletion request."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from portline.privacy.models import DeletionRequest
from portline.registrations.models import RegistrationStatus
from tests.conftest import BROWSER_TIMEOUT_MS, verified_login
from tests.factories import UserFactory
from tests.factories.appointments import submitted_registration


def _session(context, live_server, user) -> None:
    client = verified_login(Client(), user)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_applicant_downloads_sees_access_and_asks_for_deletion(
    live_server, chromium, assert_accessible
):
    owner = UserFactory()
    registration = submitted_registration(owner=owner)
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="es-MX")
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/privacy/")
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.get_by_role("heading", level=1).inner_text() == (
            "Sus datos y cuánto tiempo los guardamos"
        )
        assert_accessible(page)

        _session(context, live_server, owner)
        page.goto(f"{live_server.url}/apply/")
        page.get_by_role("link", name="Sus datos: copia, quién los abrió, eliminación").click()
        page.wait_for_selector("h1")
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        with page.expect_download() as download:
            page.get_by_role("link", name="Archivo de datos (JSON)").click()
        assert download.value.suggested_filename == f"portline-{registration.reference}.json"
        with page.expect_download() as download:
            page.get_by_role("link", name="Documento legible (PDF)").click()
        assert download.value.suggested_filename.endswith(".pdf")

        page.reload()
        history = page.locator("section#history, section[aria-labelledby=history]")
        assert "Descargó una copia de los datos" in history.inner_text()
        assert_accessible(page)

        # The box must be ticked: the error is announced and nothing is stored
        page.get_by_role("button", name="Pedir la eliminación").click()
        page.wait_for_selector("p.error")
        assert_accessible(page)
        assert not DeletionRequest.objects.exists()
        page.get_by_label(
            "Entiendo que el registro y sus documentos se eliminarán y no se podrán recuperar."
        ).check()
        page.get_by_role("button", name="Pedir la eliminación").click()
        page.wait_for_selector(".msg")
        assert "Su solicitud quedó registrada" in page.locator(".messages").inner_text()
        assert_accessible(page)
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.WITHDRAWN
        assert DeletionRequest.objects.get().reference == registration.reference
    finally:
        context.close()
