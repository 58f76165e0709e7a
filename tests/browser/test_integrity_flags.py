"""The officer's case file shows a planted integrity flag, checked by axe-core at 360 px."""

from __future__ import annotations

import pytest
from django.conf import settings

from portline.integrity import services
from tests.conftest import BROWSER_TIMEOUT_MS, verified_login
from tests.factories.inspection import confirmed_appointment, photo_for, port_staff
from tests.integrity.conftest import planted_group


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_case_file_shows_a_planted_address_ring_flag(live_server, chromium, assert_accessible):
    from django.test import Client

    groups = [
        planted_group(f"Apellido{i}", us_address_line1="742 Evergreen Terrace", us_zip="77002")
        for i in range(10)
    ]
    person = groups[0].people.get(position=1)
    photo_for(person)
    confirmed_appointment(people=list(groups[0].people.order_by("position")))
    services.integrity_scan()
    officer = port_staff("SYS")

    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    client = verified_login(Client(), officer)
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
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/officer/people/{groups[0].reference}/1/")
        section = page.locator(".integrity-flags")
        assert "Many unrelated groups at one US address" in section.inner_text()
        assert "10 unrelated groups" in section.inner_text()
        assert_accessible(page)
    finally:
        context.close()
