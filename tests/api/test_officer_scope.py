"""One access rule for port staff: an officer's API token sees exactly what the officer pages
show (registrations with an appointment, an arrival or a decision at the officer's port), not
the registrations that only named the port as a choice; evidence downloads included."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portline.inspection import services as inspection
from portline.registrations.models import AppointmentRequest
from portline.scheduling.models import Port
from tests.api.conftest import api_client_for
from tests.conftest import verified_login
from tests.factories.inspection import confirmed_appointment, photo_for, port_staff, submitted_group

pytestmark = pytest.mark.django_db


def _asked_for(person, port_code: str) -> None:
    AppointmentRequest.objects.create(
        registration=person.registration,
        round_date=person.registration.submitted_at.date(),
        first_port=Port.objects.get(code=port_code),
        idempotency_key=f"ask-{person.pk}",
        requested_by=person.registration.created_by,
    )


@pytest.fixture
def cases():
    """People of five registrations, all of which named SYS as their first choice."""
    officer = port_staff("SYS")
    people = {}
    for name in ("appointment_here", "appointment_elsewhere", "only_asked", "walk_up"):
        (person,) = submitted_group(1)
        _asked_for(person, "SYS")
        photo_for(person)
        people[name] = person
    confirmed_appointment(people=[people["appointment_here"]], port_code="SYS")
    confirmed_appointment(people=[people["appointment_elsewhere"]], port_code="BRO")
    inspection.walk_up_record(actor=officer, person=people["walk_up"])
    return officer, people


def test_the_api_and_the_pages_agree_on_every_case(cases):
    officer, people = cases
    api = api_client_for(officer)
    pages = Client()
    verified_login(pages, officer)
    listed = {item["reference"] for item in api.get("/registrations").json()["items"]}
    assert listed == {
        people["appointment_here"].registration.reference,
        people["walk_up"].registration.reference,
    }
    requests = api.get("/requests", page_size=100).json()["items"]
    assert {item["registration"] for item in requests} == listed
    for name, person in people.items():
        visible = name in ("appointment_here", "walk_up")
        reference = person.registration.reference
        evidence = person.registration.evidence.get()
        expected = 200 if visible else 404
        answers = {
            "api registration": api.get(f"/registrations/{reference}").status_code,
            "api person": api.get(f"/registrations/{reference}/people/1").status_code,
            "api evidence": api.get(f"/evidence/{evidence.pk}").status_code,
            "api evidence file": api.get(f"/evidence/{evidence.pk}/file").status_code,
            "page case": pages.get(reverse("officer:case", args=[reference, 1])).status_code,
        }
        download = pages.get(reverse("officer:evidence", args=[evidence.pk]))
        answers["page evidence"] = download.status_code
        if download.streaming:  # reading it to the end closes the file, signals unhooked
            assert b"".join(download.streaming_content)
        assert answers == dict.fromkeys(answers, expected), (name, answers)


def test_a_walk_up_is_found_by_its_reference_and_then_visible(cases, client):
    officer, _people = cases
    (person,) = submitted_group(1)
    _asked_for(person, "SYS")
    api = api_client_for(officer)
    reference = person.registration.reference
    assert api.get(f"/registrations/{reference}").status_code == 404
    verified_login(client, officer)
    response = client.post(reverse("officer:walk_up"), {"reference": reference, "position": 1})
    assert response.status_code == 302, response.content
    assert api.get(f"/registrations/{reference}").status_code == 200
    # Another port's officer still sees nothing of it.
    assert api_client_for(port_staff("BRO")).get(f"/registrations/{reference}").status_code == 404
