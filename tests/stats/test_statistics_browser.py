"""The public statistics page in a real browser at phone size: accessible, light, readable."""

from __future__ import annotations

import pytest

from portline.inspection.models import DecisionKind
from portline.registrations.models import Person
from tests.factories.allocation import RequestSpec, make_requests
from tests.stats.test_statistics import LAST_MONTH, _decide


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_statistics_page_at_360_px(live_server, chromium, assert_accessible):
    specs = [RequestSpec(first="SYS", nationality="HN")] * 40 + [
        RequestSpec(first="BRO", nationality="HT")
    ] * 4
    make_requests(LAST_MONTH, specs)
    _decide(list(Person.objects.filter(nationality="HN")[:25]), DecisionKind.PAROLE)
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="ht")
    page = context.new_page()
    transferred = []
    page.on("response", lambda r: transferred.append(len(r.body())) if r.ok else None)
    try:
        page.goto(f"{live_server.url}/")
        transferred.clear()  # the first visit of this page: everything it loads counts
        page.get_by_role("link", name="Estatistik").first.click()
        assert page.get_by_role("heading", level=1).inner_text() == "Estatistik"
        assert page.locator("svg.chart").count() >= 4
        assert page.get_by_role("table").count() >= 4
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert sum(transferred) < 100_000, transferred
    finally:
        context.close()
