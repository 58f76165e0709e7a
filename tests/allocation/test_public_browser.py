"""The public home and round pages in a real browser at phone size, checked by axe-core."""

import pytest

from portline.allocation import services
from portline.scheduling.models import Port
from tests.allocation.conftest import LOCAL_VALUE
from tests.conftest import open_window_all_day
from tests.factories import UserFactory
from tests.factories.allocation import RequestSpec, make_requests


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_public_pages_are_accessible_at_360_px(
    live_server, chromium, assert_accessible, round_date
):
    open_window_all_day()
    Port.objects.filter(code="SYS").update(daily_capacity=6)
    admin = UserFactory(role="program_admin")
    make_requests(round_date, [RequestSpec(size=1 + i % 3) for i in range(12)])
    services.round_freeze(actor=admin, round_date=round_date, beacon_source="local")
    services.round_beacon_set(actor=admin, round_date=round_date, value=LOCAL_VALUE, local=True)
    services.round_allocate(actor=admin, round_date=round_date)
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="es-MX")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        assert_accessible(page)
        page.get_by_role("link", name="Ver las rondas de asignación").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Rondas de asignación"
        assert_accessible(page)
        page.get_by_role("link", name=round_date.isoformat()).click()
        assert page.get_by_text("local/demostración").first.is_visible()
        assert_accessible(page)
        # Nothing is wider than the phone's screen except inside scrollable tables.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()
