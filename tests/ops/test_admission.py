"""Admission control: turned away early, translated, with a place and a ticket; staff never queued."""

from __future__ import annotations

import time
import uuid

import pytest

from portline.audit.models import AuditRecord
from portline.ops import admission
from portline.registrations.models import AppointmentRequest
from tests.factories.appointments import TIJUANA, submitted_registration


@pytest.fixture
def full_gate():
    """This process's gate with every applicant thread taken."""
    gate = admission.gate_reset(max_inflight=1, rate=0)
    gate.inflight = 1
    yield gate
    admission.gate_reset(max_inflight=6, rate=0)


@pytest.fixture
def empty_bucket():
    gate = admission.gate_reset(max_inflight=6, rate=5)
    gate.tokens = 0.0
    gate.updated = time.monotonic()
    yield gate
    admission.gate_reset(max_inflight=6, rate=0)


def test_gate_limits_threads_and_rate_and_lets_ticket_holders_borrow():
    clock = [0.0]
    gate = admission.Gate(max_inflight=2, rate=2, clock=lambda: clock[0])
    assert gate.enter(priority=False) is None
    assert gate.enter(priority=False) is None
    assert gate.enter(priority=False) == "busy"
    gate.leave()
    gate.leave()
    assert gate.enter(priority=False) == "rate"  # two tokens a second, both spent
    assert gate.enter(priority=True) is None  # a ticket holder borrows from the next second
    gate.leave()
    clock[0] = 1.0
    assert gate.enter(priority=False) is None


@pytest.mark.django_db
def test_api_write_turned_away_stores_nothing_and_says_when_to_retry(client, full_gate):
    from portline.accounts.services import api_token_create

    registration = submitted_registration()
    _token, raw = api_token_create(user=registration.owner, name="phone")
    requests_before, audit_before = AppointmentRequest.objects.count(), AuditRecord.objects.count()
    response = client.post(
        "/api/v1/requests",
        {
            "registration": registration.reference,
            "first_port": "SYS",
            "latitude": TIJUANA[0],
            "longitude": TIJUANA[1],
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 503
    seconds = int(response["Retry-After"])
    assert 2 <= seconds <= 30
    body = response.json()["error"]
    assert body["code"] == "over_capacity" and body["details"]["retry_after"] == seconds
    assert admission.ticket_read(body["details"]["ticket"]) is not None
    assert AppointmentRequest.objects.count() == requests_before
    assert AuditRecord.objects.count() == audit_before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "Many people are using Portline right now"),
        ("es", "Muchas personas están usando Portline en este momento"),
        ("ht", "Anpil moun ap itilize Portline kounye a"),
    ],
)
def test_waiting_page_is_translated_reloads_itself_and_keeps_the_place(
    client, full_gate, language, heading
):
    response = client.get("/apply/", headers={"Accept-Language": language})
    assert response.status_code == 503
    html = response.content.decode()
    assert heading in html
    seconds = response["Retry-After"]
    assert f'<meta http-equiv="refresh" content="{seconds}">' in html
    assert "<script" not in html
    first = admission.ticket_read(response.cookies[admission.TICKET_COOKIE].value)
    assert first is not None and first.number >= 1
    # the reload (cookie sent back) keeps the same ticket, so the same place in line
    again = client.get("/apply/", headers={"Accept-Language": language})
    assert admission.ticket_read(again.cookies[admission.TICKET_COOKIE].value) == first


@pytest.mark.django_db
def test_a_form_turned_away_says_nothing_was_saved(client, full_gate):
    response = client.post("/accounts/signup/", {"login": "x@example.org"})
    assert response.status_code == 503
    assert "was not saved" in response.content.decode()


@pytest.mark.django_db
def test_staff_pages_and_operators_endpoints_are_never_queued(client, full_gate):
    for path in ("/officer/", "/partner/", "/admin/", "/accounts/login/", "/healthz"):
        assert client.get(path).status_code != 503, path


@pytest.mark.django_db
def test_ticket_holders_go_before_newcomers(client, empty_bucket):
    newcomer = client.get("/rounds/")
    assert newcomer.status_code == 503  # no token left this second
    ticket = newcomer.cookies[admission.TICKET_COOKIE].value
    client.cookies[admission.TICKET_COOKIE] = ticket
    assert client.get("/rounds/").status_code == 200  # the waiting person goes first


@pytest.mark.django_db
def test_a_request_that_waited_too_long_in_the_proxy_queue_is_turned_away(client, settings):
    settings.PORTLINE_ADMISSION_QUEUE_MS = 500
    stale = f"t={time.time() - 2:.3f}"
    assert client.get("/rounds/", headers={"X-Request-Start": stale}).status_code == 503
    fresh = f"t={time.time():.3f}"
    assert client.get("/rounds/", headers={"X-Request-Start": fresh}).status_code == 200
