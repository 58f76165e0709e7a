"""The applicant's appointments through the API: list, one, per-person confirmation, PDF."""

from __future__ import annotations

import re
import zlib

import pytest
from freezegun import freeze_time

from portline.appointments import services
from portline.appointments.models import AppointmentStatus
from portline.appointments.selectors import appointment_token_verify
from portline.audit.models import AuditRecord
from tests.api.conftest import api_client_for, error_of
from tests.factories import PDF_BYTES, UserFactory, png_bytes
from tests.factories.appointments import TIJUANA, drawn_round, selection, submitted_registration

pytestmark = pytest.mark.django_db
NOW = "2026-11-22T17:00:00Z"
PHOTO = png_bytes(size=(320, 240))
HERE = {"latitude": TIJUANA[0], "longitude": TIJUANA[1], "accuracy_m": 25}


def _offer(owner, people=2):
    round_ = drawn_round()
    selection(round=round_, registration=submitted_registration(owner=owner, people=people), rank=1)
    (appointment,) = services.appointments_offer_for_round(actor=None, round=round_)
    return appointment


def _photo(content=PHOTO, name="me.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/png")


def _pdf_text(content: bytes) -> bytes:
    text = content
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            pass
    return text


@freeze_time(NOW)
def test_owner_lists_gets_confirms_each_person_and_downloads_the_pdf():
    owner = UserFactory()
    appointment = _offer(owner)
    api = api_client_for(owner)
    number = appointment.confirmation_number

    listed = api.get("/appointments")
    assert listed.status_code == 200, listed.content
    body = listed.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["confirmation_number"] == number
    assert item["port_code"] == "SYS" and item["port_name"]
    assert item["service_date"] == "2026-12-06"
    assert item["status"] == "offered" and item["qr_token"] is None
    assert item["confirm_by"].startswith("2026-11-23T16:00:00")
    assert [(p["position"], p["confirmed"]) for p in item["people"]] == [(1, False), (2, False)]

    # The dashed form works too; the PDF waits for everyone.
    assert api.get(f"/appointments/{appointment.confirmation_number_display}").json() == item
    assert error_of(api.get(f"/appointments/{number}/pdf"))["code"] == "not_confirmed"

    first = api.upload(f"/appointments/{number}/people/1/confirm", {"photo": _photo(), **HERE})
    assert first.status_code == 200, first.content
    assert [p["confirmed"] for p in first.json()["people"]] == [True, False]
    assert first.json()["status"] == "offered"
    again = api.upload(f"/appointments/{number}/people/1/confirm", {"photo": _photo(), **HERE})
    assert again.status_code == 409 and error_of(again)["code"] == "person_already_confirmed"
    assert (
        api.upload(
            f"/appointments/{number}/people/3/confirm", {"photo": _photo(), **HERE}
        ).status_code
        == 404
    )

    last = api.upload(f"/appointments/{number}/people/2/confirm", {"photo": _photo(), **HERE})
    assert last.status_code == 200, last.content
    done = last.json()
    assert done["status"] == "confirmed" and all(p["confirmed"] for p in done["people"])
    assert appointment_token_verify(done["qr_token"]).pk == appointment.pk
    assert (
        AuditRecord.objects.filter(
            action="appointments.person.confirm", target_id=str(appointment.pk)
        ).count()
        == 2
    )

    pdf = api.get(f"/appointments/{number}/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = _pdf_text(pdf.content)
    assert appointment.confirmation_number_display.encode() in text and b"/Subtype /Image" in text


@freeze_time(NOW)
def test_another_applicant_and_port_staff_get_404_and_anonymous_401(anonymous_api):
    appointment = _offer(UserFactory(), people=1)
    number = appointment.confirmation_number
    for user in (UserFactory(), UserFactory(role="port_staff")):
        other = api_client_for(user)
        assert other.get("/appointments").json()["count"] == 0
        for response in (
            other.get(f"/appointments/{number}"),
            other.get(f"/appointments/{number}/pdf"),
            other.upload(f"/appointments/{number}/people/1/confirm", {"photo": _photo(), **HERE}),
        ):
            assert response.status_code in (401, 404), response.content
            if user.role != "port_staff":
                assert error_of(response)["code"] == "not_found"
    assert not appointment.confirmations.exists()
    for response in (
        anonymous_api.get("/appointments"),
        anonymous_api.get(f"/appointments/{number}"),
        anonymous_api.get(f"/appointments/{number}/pdf"),
        anonymous_api.upload(
            f"/appointments/{number}/people/1/confirm", {"photo": _photo(), **HERE}
        ),
    ):
        assert response.status_code == 401 and error_of(response)["code"] == "not_authenticated"


@freeze_time(NOW)
def test_bad_photo_bad_location_outside_area_and_late_confirmation_are_refused():
    owner = UserFactory()
    appointment = _offer(owner, people=1)
    api = api_client_for(owner)
    url = f"/appointments/{appointment.confirmation_number}/people/1/confirm"

    not_image = api.upload(url, {"photo": _photo(PDF_BYTES, "me.png"), **HERE})
    assert not_image.status_code == 422 and "photo" in error_of(not_image)["fields"]
    missing = api.upload(url, HERE)
    assert missing.status_code == 422 and "photo" in error_of(missing)["fields"]
    off_earth = api.upload(url, {"photo": _photo(), "latitude": 95, "longitude": 0})
    assert off_earth.status_code == 422 and "location" in error_of(off_earth)["fields"]
    oaxaca = api.upload(
        url, {"photo": _photo(), "latitude": 17.06, "longitude": -96.72, "accuracy_m": 20}
    )
    assert oaxaca.status_code == 400 and error_of(oaxaca)["code"] == "outside_service_area"
    assert not appointment.confirmations.exists()

    with freeze_time("2026-11-23T16:00:01Z"):
        late = api.upload(url, {"photo": _photo(), **HERE})
    assert late.status_code == 400 and error_of(late)["code"] == "deadline_passed"
    appointment.refresh_from_db()
    assert (
        appointment.status == AppointmentStatus.OFFERED and not appointment.confirmations.exists()
    )


@freeze_time(NOW)
def test_list_is_paginated_and_validates_the_number():
    owner = UserFactory()
    _offer(owner, people=1)
    api = api_client_for(owner)
    page = api.get("/appointments", page_size=1, page=1).json()
    assert page["count"] == 1 and len(page["items"]) == 1
    assert api.get("/appointments", page_size=101).status_code == 422
    assert api.get("/appointments/NOPE_NOPE").status_code == 422
    assert error_of(api.get("/appointments/ZZZZZZZZZZ"))["code"] == "not_found"
