import datetime as dt
import json

import pytest
from django.urls import reverse
from freezegun import freeze_time

from portline.accounts.models import Role
from portline.appointments.models import AppointmentStatus
from tests.appointments.test_services import NOW, PHOTO, _confirm_all, _offer
from tests.conftest import verified_login
from tests.factories import UserFactory
from tests.factories.appointments import TIJUANA

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_frozen")]


@pytest.fixture
def _frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture
def offered():
    _round, (appointment,) = _offer(people=(2,))
    return appointment


def _owner_client(client, appointment):
    return verified_login(client, appointment.registration.owner)


def test_status_page_shows_the_win_deadline_and_countdown(client, offered):
    response = _owner_client(client, offered).get(
        reverse("appointments:status", args=[offered.registration.reference])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "You were selected" in page and "23 h 00 min left to confirm." in page
    assert reverse("appointments:detail", args=[offered.pk]) in page


def test_status_page_in_spanish(client, offered):
    client = _owner_client(client, offered)
    response = client.get(
        reverse("appointments:status", args=[offered.registration.reference]),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert "Usted fue seleccionado" in response.content.decode()


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.OFFICER])
def test_other_people_cannot_see_the_appointment(client, offered, role):
    stranger = UserFactory(role=role)
    verified_login(client, stranger)
    urls = [
        reverse("appointments:status", args=[offered.registration.reference]),
        reverse("appointments:detail", args=[offered.pk]),
        reverse("appointments:confirm_person", args=[offered.pk, 1]),
        reverse("appointments:pdf", args=[offered.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("appointments:cancel", args=[offered.pk])).status_code == 404
    offered.refresh_from_db()
    assert offered.status == AppointmentStatus.OFFERED


def test_anonymous_visitors_are_sent_to_log_in(client, offered):
    response = client.get(reverse("appointments:detail", args=[offered.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_confirm_page_uses_the_camera_not_a_file_picker(client, offered):
    response = _owner_client(client, offered).get(
        reverse("appointments:confirm_person", args=[offered.pk, 1])
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'type="file"' not in page
    assert "applicant/appointment_confirm.js" in page
    assert "data-msg-no-camera=" in page and "<noscript>" in page
    assert "<script>" not in page  # the CSP forbids inline scripts


def test_each_person_confirms_through_the_page_then_the_confirmation_shows(client, offered):
    client = _owner_client(client, offered)
    for position in (1, 2):
        photo = PHOTO
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = client.post(
            reverse("appointments:confirm_person", args=[offered.pk, position]),
            {
                "photo": SimpleUploadedFile("camera.jpg", photo, content_type="image/jpeg"),
                "latitude": str(TIJUANA[0]),
                "longitude": str(TIJUANA[1]),
                "accuracy": "12.5",
            },
            HTTP_X_REQUESTED_WITH="portline-confirm",
        )
        assert response.status_code == 200, response.content
        assert json.loads(response.content) == {
            "ok": True,
            "redirect": reverse("appointments:detail", args=[offered.pk]),
        }
    offered.refresh_from_db()
    assert offered.status == AppointmentStatus.CONFIRMED
    page = client.get(reverse("appointments:detail", args=[offered.pk])).content.decode()
    assert offered.confirmation_number_display in page and "<svg" in page
    assert "applicant/appointment_print.css" in page
    pdf = client.get(reverse("appointments:pdf", args=[offered.pk]))
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )


def test_a_refused_confirmation_answers_with_the_reason(client, offered):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = _owner_client(client, offered).post(
        reverse("appointments:confirm_person", args=[offered.pk, 1]),
        {
            "photo": SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg"),
            "latitude": "32.5",
            "longitude": "-117",
        },
        HTTP_X_REQUESTED_WITH="portline-confirm",
    )
    assert response.status_code == 422
    body = json.loads(response.content)
    assert body["ok"] is False and "JPEG or PNG" in body["errors"][0]


def test_pdf_waits_for_every_confirmation(client, offered):
    assert (
        _owner_client(client, offered)
        .get(reverse("appointments:pdf", args=[offered.pk]))
        .status_code
        == 404
    )


def test_cancel_from_the_page(client, offered):
    response = _owner_client(client, offered).post(
        reverse("appointments:cancel", args=[offered.pk])
    )
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == AppointmentStatus.CANCELLED


def test_verify_page_and_its_rate_limit(client, settings):
    settings.PORTLINE_VERIFY_LIMIT = 3
    _round, (appointment,) = _offer()
    _confirm_all(appointment)
    url = reverse("appointments:verify")
    assert client.get(url).status_code == 200
    valid = client.post(
        url,
        {
            "confirmation_number": appointment.confirmation_number_display,
            "date_of_birth": "1990-05-17",
        },
    )
    assert "Valid: this person holds a confirmed appointment." in valid.content.decode()
    invalid = client.post(
        url, {"confirmation_number": appointment.confirmation_number, "date_of_birth": "1990-05-18"}
    )
    assert "Not valid." in invalid.content.decode()
    client.post(url, {"confirmation_number": "X", "date_of_birth": "1990-05-18"})
    assert (
        client.post(url, {"confirmation_number": "X", "date_of_birth": "1990-05-18"}).status_code
        == 429
    )


def test_verify_api_answers_only_valid_and_is_rate_limited(client, settings):
    settings.PORTLINE_VERIFY_LIMIT = 2
    _round, (appointment,) = _offer()
    _confirm_all(appointment)
    url = "/api/v1/appointments/verify"
    body = {"date_of_birth": "1990-05-17", "confirmation_number": appointment.confirmation_number}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"valid": True}
    response = client.post(
        url, {**body, "date_of_birth": "2001-01-01"}, content_type="application/json"
    )
    assert response.json() == {"valid": False}
    limited = client.post(url, body, content_type="application/json")
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert limited["Retry-After"]
    # Another client address has its own budget.
    other = client.post(url, body, content_type="application/json", REMOTE_ADDR="10.1.2.3")
    assert other.json() == {"valid": True}
    with freeze_time(dt.datetime(2026, 11, 22, 17, 11, tzinfo=dt.UTC)):  # next window
        assert client.post(url, body, content_type="application/json").status_code == 200
