import pytest
from django.urls import reverse
from freezegun import freeze_time

from portline.appointments.selectors import appointment_token
from portline.inspection import services
from portline.inspection.models import Arrival, Decision, ReleaseCheckIn
from tests.conftest import verified_login
from tests.factories import UserFactory, png_bytes
from tests.factories.inspection import (
    confirmed_appointment,
    identity_checked,
    photo_for,
    port_staff,
    submitted_group,
)

pytestmark = pytest.mark.django_db
NOON = "2025-06-05 19:00:00"  # 12:00 in San Ysidro


@pytest.fixture
def officer_client(client, officer):
    return verified_login(client, officer)


@freeze_time(NOON)
def test_console_lists_todays_and_tomorrows_arrivals_by_slot(officer_client):
    today = confirmed_appointment(size=2, slot_hour=9)
    import datetime as dt

    tomorrow = confirmed_appointment(service_date=dt.date(2025, 6, 6), slot_hour=14)
    elsewhere = confirmed_appointment(port_code="BRO")
    page = officer_client.get(reverse("officer:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert today.confirmation_number in html and tomorrow.confirmation_number in html
    assert "09:00" in html and "14:00" in html
    assert elsewhere.confirmation_number not in html


@freeze_time(NOON)
def test_check_in_by_typed_confirmation_number_then_arrival(officer_client, officer):
    appointment = confirmed_appointment(size=2)
    typed = (
        appointment.confirmation_number[:5].lower()
        + "-"
        + appointment.confirmation_number[5:].lower()
    )
    response = officer_client.post(reverse("officer:check_in"), {"code": typed})
    assert (
        response.status_code == 302
        and appointment.confirmation_number in response.url
        and "via=number" in response.url
    )
    person = appointment.registration.people.get(position=1)
    response = officer_client.post(
        response.url, {"person": "1", "action": "arrive", "via": "number"}
    )
    assert response.status_code == 302
    arrival = Arrival.objects.get(person=person)
    assert (
        arrival.status == "arrived"
        and arrival.method == "number"
        and arrival.appointment_id == appointment.pk
    )
    again = officer_client.post(
        reverse("officer:group", args=[appointment.confirmation_number]),
        {"person": "1", "action": "arrive"},
    )
    assert again.status_code == 409 and "already checked in" in again.content.decode()
    assert Arrival.objects.count() == 1


@freeze_time(NOON)
def test_check_in_by_signed_qr_token(officer_client):
    appointment = confirmed_appointment()
    response = officer_client.post(
        reverse("officer:check_in"), {"code": appointment_token(appointment)}
    )
    assert response.status_code == 302 and "via=qr" in response.url


@freeze_time(NOON)
def test_forged_unknown_other_port_and_other_day_codes_are_refused_with_a_reason(officer_client):
    import datetime as dt

    mine = confirmed_appointment()
    token = appointment_token(mine)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    other_port = confirmed_appointment(port_code="BRO")
    later = confirmed_appointment(service_date=dt.date(2025, 6, 6))
    cases = [
        (forged, "not issued by Portline"),
        ("ZZZZZ-ZZZZZ", "No appointment has this confirmation number"),
        (appointment_token(other_port), "another port"),
        (other_port.confirmation_number, "another port"),
        (later.confirmation_number, "not today"),
        ("", "Scan the QR code"),
    ]
    for code, reason in cases:
        response = officer_client.post(reverse("officer:check_in"), {"code": code})
        assert response.status_code in (400, 404, 422), code
        assert reason in response.content.decode(), code
    assert not Arrival.objects.exists()


@freeze_time(NOON)
def test_expired_appointment_is_refused(officer_client):
    appointment = confirmed_appointment()
    type(appointment).objects.filter(pk=appointment.pk).update(status="expired")
    response = officer_client.post(
        reverse("officer:check_in"), {"code": appointment.confirmation_number}
    )
    assert response.status_code == 422 and "not confirmed" in response.content.decode()


@freeze_time(NOON)
def test_officer_of_another_port_cannot_see_or_act_by_url_or_guessed_ids(client, officer):
    appointment = confirmed_appointment(size=1)
    person = appointment.registration.people.get()
    photo = photo_for(person)
    services.arrival_record(actor=officer, appointment=appointment, person=person)
    identity_checked(officer, person)
    decision = services.decision_record(
        actor=officer, person=person, kind="parole", reason_code="humanitarian"
    )
    bro = verified_login(client, port_staff("BRO"))
    ref = person.registration.reference
    for url in [
        reverse("officer:group", args=[appointment.confirmation_number]),
        reverse("officer:case", args=[ref, 1]),
        reverse("officer:evidence", args=[photo.pk]),
        reverse("officer:document", args=[decision.pk]),
        reverse("officer:release_case_officer", args=[decision.record_number]),
    ]:
        assert bro.get(url).status_code == 404, url
    assert (
        bro.post(
            reverse("officer:group", args=[appointment.confirmation_number]),
            {"person": "1", "action": "no_show"},
        ).status_code
        == 404
    )
    assert (
        bro.post(
            reverse("officer:identity", args=[ref, 1]), {"result": "match", "method": "visual"}
        ).status_code
        == 404
    )
    assert (
        bro.post(
            reverse("officer:decide", args=[ref, 1]),
            {"kind": "return", "reason_code": "inadmissible"},
        ).status_code
        == 404
    )
    home = bro.get(reverse("officer:home")).content.decode()
    assert appointment.confirmation_number not in home and person.full_name not in home
    assert Arrival.objects.count() == 1 and Decision.objects.count() == 1


@freeze_time(NOON)
def test_applicants_do_not_reach_the_console(applicant_client):
    assert applicant_client.get(reverse("officer:home")).status_code == 404


def test_console_needs_login(client):
    response = client.get(reverse("officer:home"))
    assert response.status_code == 302 and "/accounts/" in response.url


@freeze_time(NOON)
def test_case_file_shows_photo_side_by_side_and_serves_it_through_the_check(
    officer_client, officer
):
    appointment = confirmed_appointment()
    person = appointment.registration.people.get()
    photo = photo_for(person, png_bytes((1, 2, 3)))
    services.arrival_record(actor=officer, appointment=appointment, person=person)
    page = officer_client.get(reverse("officer:case", args=[person.registration.reference, 1]))
    html = page.content.decode()
    assert page.status_code == 200 and reverse("officer:evidence", args=[photo.pk]) in html
    assert "No face comparison model is installed" in html
    served = officer_client.get(reverse("officer:evidence", args=[photo.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == png_bytes((1, 2, 3))
    response = officer_client.post(
        reverse("officer:identity", args=[person.registration.reference, 1]),
        {"result": "match", "method": "visual"},
    )
    assert response.status_code == 302


@freeze_time(NOON)
def test_decision_without_reason_or_beyond_the_maximum_is_refused_on_the_page(
    officer_client, officer
):
    appointment = confirmed_appointment()
    person = appointment.registration.people.get()
    services.arrival_record(actor=officer, appointment=appointment, person=person)
    identity_checked(officer, person)
    url = reverse("officer:decide", args=[person.registration.reference, 1])
    response = officer_client.post(url, {"kind": "parole", "reason_code": "", "term_months": "24"})
    assert response.status_code == 422 and "needs a reason code" in response.content.decode()
    response = officer_client.post(
        url, {"kind": "parole", "reason_code": "humanitarian", "term_months": "48"}
    )
    assert (
        response.status_code == 422
        and "cannot be longer than 36 months" in response.content.decode()
    )
    assert not Decision.objects.exists()
    response = officer_client.post(
        url,
        {
            "kind": "parole",
            "reason_code": "humanitarian",
            "term_months": "24",
            "reporting_interval_days": "30",
            "address_reporting": "on",
        },
    )
    assert response.status_code == 302 and Decision.objects.get().status == "final"
    pdf = officer_client.get(reverse("officer:document", args=[Decision.objects.get().pk]))
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )


@freeze_time(NOON)
def test_released_person_checks_in_and_reports_an_address_on_the_web(client, officer):
    owner = UserFactory()
    person = submitted_group(1, owner=owner)[0]
    services.walk_up_record(actor=officer, person=person)
    identity_checked(officer, person)
    decision = services.decision_record(
        actor=officer, person=person, kind="parole", reason_code="humanitarian"
    )
    verified_login(client, owner)
    # Reached from the applicant's own home page, under /apply/; the old address redirects.
    assert reverse("applicant:check_ins") in client.get(reverse("applicant:home")).content.decode()
    home = client.get(reverse("applicant:check_ins"))
    assert home.status_code == 200 and decision.record_number in home.content.decode()
    url = reverse("applicant:check_in", args=[decision.record_number])
    assert url.startswith("/apply/check-ins/")
    old = client.get(f"/officer/release/{decision.record_number}/")
    assert old.status_code == 301 and old["Location"] == url
    assert client.get(url).status_code == 200
    response = client.post(url, {"form": "check_in", "latitude": "29.76", "longitude": "-95.37"})
    assert response.status_code == 302
    assert ReleaseCheckIn.objects.get().latitude == 29.76
    assert client.post(url, {"form": "check_in"}).status_code == 409
    response = client.post(
        url,
        {
            "form": "address",
            "address-line1": "5 Elm",
            "address-city": "Dallas",
            "address-state": "TX",
            "address-zip_code": "75201",
            "address-moved_on": "2025-06-05",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("officer:document", args=[decision.pk])).status_code == 200
    stranger = verified_login(client, UserFactory())
    assert stranger.get(url).status_code == 404


def response_ok(html: str) -> bool:
    return "Overdue check-ins" in html


def test_overdue_expiries_approvals_and_release_view_pages(client, officer, supervisor):
    with freeze_time("2025-06-05 19:00:00"):
        person = submitted_group(1)[0]
        services.walk_up_record(actor=officer, person=person)
        identity_checked(officer, person)
        decision = services.decision_record(
            actor=officer, person=person, kind="parole", reason_code="humanitarian", term_months=1
        )
        other = submitted_group(1)[0]
        services.walk_up_record(actor=officer, person=other)
        identity_checked(officer, other)
        pending = services.decision_record(
            actor=officer, person=other, kind="detention", reason_code="flight_risk"
        )
    with freeze_time("2025-06-20 19:00:00"):
        verified_login(client, officer)
        page = client.get(reverse("officer:overdue")).content.decode()
        assert response_ok(page)
        page = client.get(reverse("officer:expiries")).content.decode()
        assert decision.record_number in page and "2025-07-04" in page
        page = client.get(
            reverse("officer:release_case_officer", args=[decision.record_number])
        ).content.decode()
        assert "2025-11-02" in page  # work authorization from (150 days)
    with freeze_time("2025-06-05 20:00:00"):
        verified_login(client, supervisor)
        page = client.get(reverse("officer:approvals")).content.decode()
        assert other.full_name in page
        response = client.post(
            reverse("officer:review", args=[pending.pk]), {"approve": "no", "reason": ""}
        )
        assert response.status_code == 400
        response = client.post(
            reverse("officer:review", args=[pending.pk]),
            {"approve": "no", "reason": "Not enough grounds."},
        )
        assert response.status_code == 302
        pending.refresh_from_db()
        assert pending.status == "rejected"


@freeze_time(NOON)
def test_live_confirmation_photo_is_shown_beside_the_submitted_one_and_access_checked(
    client, officer
):
    from django.core.files.base import ContentFile

    from portline.appointments.models import PersonConfirmation

    appointment = confirmed_appointment()
    person = appointment.registration.people.get()
    content = png_bytes((9, 9, 9))
    confirmation = PersonConfirmation(
        appointment=appointment,
        person=person,
        photo_content_type="image/png",
        photo_size=len(content),
        photo_sha256="a" * 64,
        latitude=32.5,
        longitude=-117.0,
        confirmed_by=appointment.registration.owner,
    )
    confirmation.photo.save("live", ContentFile(content), save=False)
    confirmation.save()
    verified_login(client, officer)
    html = client.get(
        reverse("officer:case", args=[person.registration.reference, 1])
    ).content.decode()
    url = reverse("officer:confirmation_photo", args=[confirmation.pk])
    assert url in html
    served = client.get(url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == content
    verified_login(client, port_staff("BRO"))
    assert client.get(url).status_code == 404


@freeze_time(NOON)
def test_web_check_in_with_a_selfie_file(client, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    owner = UserFactory()
    person = submitted_group(1, owner=owner)[0]
    services.walk_up_record(actor=officer, person=person)
    identity_checked(officer, person)
    decision = services.decision_record(
        actor=officer, person=person, kind="parole", reason_code="humanitarian"
    )
    verified_login(client, owner)
    url = reverse("applicant:check_in", args=[decision.record_number])
    bad = client.post(
        url,
        {
            "form": "check_in",
            "selfie": SimpleUploadedFile("me.png", b"not an image", content_type="image/png"),
        },
    )
    assert bad.status_code == 422 and not ReleaseCheckIn.objects.exists()
    good = client.post(
        url,
        {
            "form": "check_in",
            "selfie": SimpleUploadedFile("me.png", png_bytes(), content_type="image/png"),
        },
    )
    assert good.status_code == 302
    assert services.selfie_bytes(ReleaseCheckIn.objects.get()) == png_bytes()


@freeze_time(NOON)
def test_case_file_lists_location_checks_and_history(client, officer):
    from portline.geofence.services import location_check_record

    appointment = confirmed_appointment()
    person = appointment.registration.people.get()
    location_check_record(
        actor=appointment.registration.owner,
        registration=appointment.registration,
        latitude=32.5149,
        longitude=-117.0382,
        accuracy_m=20,
        purpose="request",
        person=person,
    )
    services.arrival_record(actor=officer, appointment=appointment, person=person)
    verified_login(client, officer)
    html = client.get(
        reverse("officer:case", args=[person.registration.reference, 1])
    ).content.decode()
    assert "No location checks recorded." not in html
    assert "inspection.arrival.record" in html
