"""Officer and supervisor pages: case-file flags (read-only for officers), the supervisor's
queue with its filters, deciding a flag, and the geofence-signal review."""

from __future__ import annotations

import pytest
from django.test import Client

from portline.accounts.models import Role
from portline.common import clock
from portline.common.errors import NotFound
from portline.geofence.models import LocationCheck, LocationSignal
from portline.integrity import selectors, services
from portline.integrity.models import Flag, FlagState
from tests.conftest import verified_login
from tests.factories import PartnerFactory
from tests.factories.inspection import confirmed_appointment, port_staff
from tests.integrity.conftest import planted_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def ring():
    partner = PartnerFactory()
    groups = [
        planted_group(f"Apellido{i}", us_address_line1="742 Evergreen Terrace", us_zip="77002")
        for i in range(9)
    ]
    groups.append(
        planted_group(
            "Ultimo",
            us_address_line1="742 evergreen ter.",
            us_zip="77002-0001",
            partner=partner,
        )
    )
    appointment = confirmed_appointment(people=list(groups[0].people.order_by("position")))
    services.integrity_scan()
    return groups, appointment, partner


def _client(user):
    return verified_login(Client(), user)


def test_officer_sees_the_flag_in_the_case_file_read_only(ring):
    groups, _appointment, _partner = ring
    officer = port_staff("SYS")
    reference = groups[0].reference
    page = _client(officer).get(f"/officer/people/{reference}/1/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Many unrelated groups at one US address" in text
    assert "10 unrelated groups" in text
    assert "Review this flag" not in text
    flag = Flag.objects.get()
    assert _client(officer).get(f"/officer/integrity/{flag.pk}/").status_code == 404
    assert _client(officer).get("/officer/integrity/").status_code == 404


def test_officer_of_another_port_sees_no_flag(ring):
    elsewhere = port_staff("SYS")
    elsewhere.port = type(elsewhere.port).objects.exclude(pk=elsewhere.port_id).first()
    elsewhere.save()
    with pytest.raises(NotFound):
        selectors.access_flag(elsewhere, Flag.objects.get().pk)


def test_case_file_in_spanish(ring):
    groups, _a, _p = ring
    client = _client(port_staff("SYS"))
    page = client.get(f"/officer/people/{groups[0].reference}/1/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Muchos grupos sin relación en una misma dirección de EE. UU." in page.content.decode()


def test_supervisor_queue_filters(ring):
    _groups, appointment, partner = ring
    client = _client(port_staff("SYS", role=Role.SUPERVISOR))
    flag = Flag.objects.get()

    def listed(**query):
        return (
            f"/officer/integrity/{flag.pk}/"
            in client.get("/officer/integrity/", query).content.decode()
        )

    assert listed()
    assert listed(kind="address_hub", severity="medium" if flag.severity == "medium" else "high")
    assert not listed(kind="phone_reuse")
    assert not listed(severity="low")
    assert listed(port=appointment.port_id)
    other_port = type(appointment.port).objects.exclude(pk=appointment.port_id).first()
    assert not listed(port=other_port.pk)
    assert listed(partner=partner.pk)
    assert not listed(partner=PartnerFactory().pk)
    assert not listed(state="cleared")


def test_supervisor_decides_with_a_reason(ring):
    supervisor = port_staff("SYS", role=Role.SUPERVISOR)
    client = _client(supervisor)
    flag = Flag.objects.get()
    url = f"/officer/integrity/{flag.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(f"{url}assign/").status_code == 302
    refused = client.post(f"{url}decide/", {"outcome": "confirmed", "reason": " "})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    flag.refresh_from_db()
    assert flag.state == FlagState.UNDER_REVIEW
    done = client.post(f"{url}decide/", {"outcome": "confirmed", "reason": "Known ring."})
    assert done.status_code == 302
    again = client.post(f"{url}decide/", {"outcome": "cleared", "reason": "Changed my mind."})
    assert again.status_code == 409
    assert "already been decided" in again.content.decode()
    flag.refresh_from_db()
    assert (flag.state, flag.decision_reason) == (FlagState.CONFIRMED, "Known ring.")


def test_geofence_signal_review(ring):
    groups, _a, _p = ring
    check = LocationCheck.objects.create(
        registration=groups[1],
        actor=groups[1].created_by,
        purpose="request",
        checked_at=clock.now(),
        latitude=32.5149,
        longitude=-117.0382,
        verdict="inside",
        engine_version="1",
    )
    LocationSignal.objects.create(check_record=check, registration=groups[1], kind="repeated_point")
    services.integrity_scan()
    client = _client(port_staff("SYS", role=Role.SUPERVISOR))
    page = client.get("/officer/integrity/geofence/").content.decode()
    assert groups[1].reference in page and "32.5149" in page
    only = client.get("/officer/integrity/geofence/", {"kind": "geo_impossible_travel"})
    assert groups[1].reference not in only.content.decode()


def test_applicant_names_who_attested_the_evidence(applicant_client, applicant):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.factories import PDF_BYTES
    from tests.portals.applicant.conftest import make_registration

    registration = make_registration(applicant, people=1)
    response = applicant_client.post(
        reverse("applicant:evidence", args=[registration.reference]),
        {
            "kind": "medical",
            "person": "1",
            "provider": "  Dra. Ana López, Clínica Norte ",
            "file": SimpleUploadedFile("letter.pdf", PDF_BYTES, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    assert registration.evidence.get(kind="medical").provider == "Dra. Ana López, Clínica Norte"
