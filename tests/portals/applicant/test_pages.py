"""The applicant pages through Django's test client, on a real database."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from freezegun import freeze_time

from portline.accounts.models import Role
from portline.registrations.models import (
    AppointmentRequest,
    EvidenceDocument,
    Person,
    Registration,
    RegistrationStatus,
)
from portline.registrations.services import registration_create
from portline.scheduling.models import Port, ProgramSettings
from tests.conftest import verified_login
from tests.factories import (
    CONSENT,
    PDF_BYTES,
    UserFactory,
    complete_person_data,
    jpeg_bytes,
    png_bytes,
)
from tests.portals.applicant.conftest import GROUP, make_registration

pytestmark = pytest.mark.django_db
# Requests need a location inside the service area (portline.geofence): central Tijuana.
IN_AREA = {"latitude": "32.5149", "longitude": "-117.0382", "accuracy": "25"}


def _person_post(**overrides):
    data = complete_person_data(**({"relationship": "self"} | overrides))
    return {k: ("" if v is None else str(v)) for k, v in data.items()} | {"action": "continue"}


def _spanish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def test_journey_from_start_to_request(applicant_client, applicant):
    response = applicant_client.get(reverse("applicant:home"))
    assert response.status_code == 200
    assert b"Start a registration" in response.content

    response = applicant_client.post(reverse("applicant:start"))
    registration = Registration.objects.get(owner=applicant)
    ref = registration.reference
    assert response.url == reverse("applicant:group", args=[ref])

    response = applicant_client.post(
        reverse("applicant:group", args=[ref]), GROUP | {"action": "continue"}
    )
    assert response.status_code == 302 and response.url == reverse("applicant:people", args=[ref])

    for given in ("Ana", "Luis", "Sofía"):
        response = applicant_client.post(
            reverse("applicant:person_new", args=[ref]), _person_post(given_names=given)
        )
        assert response.status_code == 302, response.context["form"].errors
    people = list(registration.people.order_by("position"))
    assert [p.given_names for p in people] == ["Ana", "Luis", "Sofía"]
    assert people[0].relationship == "self" and people[1].relationship == "self"  # as posted

    review = applicant_client.get(reverse("applicant:review", args=[ref]))
    assert b"a photograph" in review.content  # readiness lists the missing photos

    for person in people:
        upload = SimpleUploadedFile("face.png", png_bytes(), content_type="image/png")
        response = applicant_client.post(
            reverse("applicant:evidence", args=[ref]),
            {"kind": "photo", "person": str(person.position), "file": upload},
        )
        assert response.status_code == 302
    assert EvidenceDocument.objects.filter(registration=registration, kind="photo").count() == 3

    response = applicant_client.post(reverse("applicant:review", args=[ref]))
    assert response.status_code == 302 and response.url == reverse("applicant:request", args=[ref])
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.SUBMITTED

    page = applicant_client.get(response.url)
    assert page.status_code == 200
    key = page.context["form"].initial["idempotency_key"]
    port = Port.objects.get(code="SYS")
    response = applicant_client.post(
        response.url, {"first_port": port.pk, "second_port": "", "idempotency_key": key} | IN_AREA
    )
    assert response.status_code == 302 and response.url == reverse("applicant:home")
    home = applicant_client.get(reverse("applicant:home"))
    assert port.name.encode() in home.content
    assert b"Waiting for the daily allocation" in home.content
    # The group step of a submitted registration can no longer change it.
    response = applicant_client.post(
        reverse("applicant:group", args=[ref]), GROUP | {"us_city": "Dallas"}
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.us_city == "Houston"


def test_group_save_with_errors_keeps_typed_values_and_saves_the_valid_ones(
    applicant_client, applicant
):
    registration = make_registration(applicant, people=0)
    url = reverse("applicant:group", args=[registration.reference])
    response = applicant_client.post(
        url,
        GROUP
        | {"us_city": "San Antonio", "us_zip": "7800", "sponsor_phone": "12", "action": "save"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="7800"' in html and 'value="12"' in html and 'value="San Antonio"' in html
    assert "A ZIP code has five digits" in html
    assert 'aria-invalid="true"' in html
    registration.refresh_from_db()
    assert registration.us_city == "San Antonio"  # valid fields are saved
    assert registration.us_zip == "77002"  # the invalid one keeps its saved value


def test_person_save_with_errors_keeps_typed_values(applicant_client, applicant):
    registration = make_registration(applicant, people=1)
    url = reverse("applicant:person", args=[registration.reference, 1])
    response = applicant_client.post(
        url, _person_post(given_names="Rosa", height_cm="900", phone="+52 55 1234 5679")
    )
    assert response.status_code == 200
    assert 'value="900"' in response.content.decode()
    person = Person.objects.get(registration=registration, position=1)
    assert person.given_names == "Rosa" and person.phone == "+525512345679"
    assert person.height_cm == 160


def test_new_person_with_errors_is_saved_with_the_valid_fields(applicant_client, applicant):
    registration = make_registration(applicant, people=0)
    response = applicant_client.post(
        reverse("applicant:person_new", args=[registration.reference]),
        _person_post(given_names="Eva", weight_kg="-3"),
    )
    assert response.status_code == 200
    person = registration.people.get()
    assert person.given_names == "Eva" and person.weight_kg is None
    # The form now posts to the saved person, so a second Save does not add another.
    assert (
        reverse("applicant:person", args=[registration.reference, person.position])
        in response.content.decode()
    )


def test_eleventh_person_is_refused_with_a_clear_message(applicant_client, applicant):
    registration = make_registration(applicant, people=0)
    url = reverse("applicant:person_new", args=[registration.reference])
    for n in range(10):
        assert (
            applicant_client.post(
                url, {"given_names": f"P{n}", "relationship": "child", "action": "save"}
            ).status_code
            == 302
        )
    response = applicant_client.post(
        url, {"given_names": "Eleven", "relationship": "child", "action": "save"}
    )
    assert "A group can have at most 10 people." in response.content.decode()
    assert registration.people.count() == 10
    listing = applicant_client.get(reverse("applicant:people", args=[registration.reference]))
    assert "the most allowed" in listing.content.decode()


def test_future_birth_date_and_unknown_country_are_refused_in_spanish(applicant_client, applicant):
    registration = make_registration(applicant, people=1)
    url = reverse("applicant:person", args=[registration.reference, 1])
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = _spanish(applicant_client).post(
        url, _person_post(date_of_birth=future, nationality="XX")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "no puede estar en el futuro" in html
    assert "Escoja una opción válida" in html
    assert "Guardar y continuar" in html  # our own labels are translated too
    person = Person.objects.get(registration=registration, position=1)
    assert person.date_of_birth == dt.date(1990, 5, 17) and person.nationality == "HN"


def test_country_and_language_names_follow_the_interface_language(applicant_client, applicant):
    registration = make_registration(applicant, people=1)
    html = (
        _spanish(applicant_client)
        .get(reverse("applicant:person", args=[registration.reference, 1]))
        .content.decode()
    )
    assert '<option value="México">' in html and ">criollo haitiano<" in html
    # The stored code is shown as its name in the page's language.
    assert 'name="nationality" value="Honduras"' in html


def test_the_four_country_fields_share_one_list_of_names(applicant_client, applicant):
    registration = make_registration(applicant, people=1)
    url = reverse("applicant:person", args=[registration.reference, 1])
    html = _spanish(applicant_client).get(url).content.decode()
    assert html.count("<datalist") == 1 and html.count('list="country-names"') == 4
    assert html.count('<option value="México">') == 1
    assert len(html.encode()) < 25_000  # four full <select>s of 258 countries weighed 60 KB


@pytest.mark.parametrize("typed", ["méxico", "MEXICO", "Mexico", "mx", "  México "])
def test_a_country_typed_by_name_or_code_is_stored_as_its_code(applicant_client, applicant, typed):
    registration = make_registration(applicant, people=1)
    url = reverse("applicant:person", args=[registration.reference, 1])
    response = _spanish(applicant_client).post(url, _person_post(country_of_residence=typed))
    assert response.status_code == 302
    person = Person.objects.get(registration=registration, position=1)
    assert person.country_of_residence == "MX"


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("photo.png", jpeg_bytes(), "its content is JPEG"),
        (
            "letter.pdf",
            b"MZ\x90\x00 this is a program",
            "Only PDF, JPEG and PNG files are accepted.",
        ),
        ("cut.png", png_bytes()[:40], "damaged or incomplete"),
    ],
)
def test_upload_that_lies_about_its_type_is_refused(
    applicant_client, applicant, filename, content, message
):
    registration = make_registration(applicant, people=1)
    upload = SimpleUploadedFile(filename, content, content_type="image/png")
    response = applicant_client.post(
        reverse("applicant:evidence", args=[registration.reference]),
        {"kind": "identity", "person": "1", "file": upload},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert registration.evidence.count() == 1  # only the photo from the set-up


def test_download_streams_the_file_as_an_attachment(applicant_client, applicant):
    registration = make_registration(applicant, people=1)
    document = registration.evidence.get()
    response = applicant_client.get(
        reverse("applicant:evidence_download", args=[registration.reference, document.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()


def test_evidence_delete_needs_confirmation(applicant_client, applicant):
    registration = make_registration(applicant, people=1)
    from portline.registrations import services

    services.evidence_upload(
        actor=applicant,
        registration=registration,
        kind="identity",
        filename="id.pdf",
        content=PDF_BYTES,
    )
    document = registration.evidence.get(kind="identity")
    url = reverse("applicant:evidence_remove", args=[registration.reference, document.pk])
    assert applicant_client.post(url, {}).status_code == 200
    assert registration.evidence.filter(pk=document.pk).exists()
    assert applicant_client.post(url, {"confirm": "on"}).status_code == 302
    assert not registration.evidence.filter(pk=document.pk).exists()


def test_person_remove_needs_confirmation(applicant_client, applicant):
    registration = make_registration(applicant, people=2)
    url = reverse("applicant:person_remove", args=[registration.reference, 2])
    assert applicant_client.get(url).status_code == 200
    assert applicant_client.post(url, {}).status_code == 200
    assert registration.people.count() == 2
    assert applicant_client.post(url, {"confirm": "on"}).status_code == 302
    assert list(registration.people.values_list("position", flat=True)) == [1]


def test_another_applicant_gets_404_everywhere(applicant_client, applicant):
    mine = make_registration(applicant, people=1)
    stranger = UserFactory()
    theirs = make_registration(stranger, people=1, submit=True)
    their_doc = theirs.evidence.get()
    ref = theirs.reference
    urls = [
        reverse("applicant:review", args=[ref]),
        reverse("applicant:group", args=[ref]),
        reverse("applicant:people", args=[ref]),
        reverse("applicant:person_new", args=[ref]),
        reverse("applicant:person", args=[ref, 1]),
        reverse("applicant:person_remove", args=[ref, 1]),
        reverse("applicant:evidence", args=[ref]),
        reverse("applicant:evidence_download", args=[ref, their_doc.pk]),
        reverse("applicant:evidence_remove", args=[ref, their_doc.pk]),
        reverse("applicant:request", args=[ref]),
        # Guessed ids under my own reference.
        reverse("applicant:evidence_download", args=[mine.reference, their_doc.pk]),
        reverse("applicant:evidence_remove", args=[mine.reference, their_doc.pk]),
        reverse("applicant:evidence_download", args=[mine.reference, their_doc.pk + 1000]),
        reverse("applicant:person", args=[mine.reference, 2]),
        reverse("applicant:review", args=["ZZZZZZZZZZ"]),
    ]
    for url in urls:
        assert applicant_client.get(url).status_code == 404, url
        assert applicant_client.post(url, {"confirm": "on"}).status_code in (404, 405), url
    assert theirs.people.count() == 1 and theirs.evidence.count() == 1
    assert ref.encode() not in applicant_client.get(reverse("applicant:home")).content


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ANALYST, Role.PROGRAM_ADMIN, Role.SUPERVISOR])
def test_staff_other_than_partners_cannot_use_the_applicant_pages(client, role, applicant):
    registration = make_registration(applicant, people=1, submit=True)
    user = UserFactory(role=role)
    verified_login(client, user)
    for url in (
        reverse("applicant:home"),
        reverse("applicant:review", args=[registration.reference]),
        reverse(
            "applicant:evidence_download",
            args=[registration.reference, registration.evidence.get().pk],
        ),
        reverse("applicant:request", args=[registration.reference]),
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.post(reverse("applicant:start")).status_code in (403, 404)
    assert not Registration.objects.filter(created_by=user).exists()


def test_partner_staff_use_the_pages_for_their_organization_only(client, applicant):
    staff = UserFactory(role=Role.PARTNER_STAFF)
    verified_login(client, staff)
    client.post(reverse("applicant:start"))  # without the person's consent: refused
    assert not Registration.objects.filter(partner=staff.partner).exists()
    registration = registration_create(actor=staff, consent=CONSENT)
    assert client.get(reverse("applicant:group", args=[registration.reference])).status_code == 200
    assert "Your organization" in client.get(reverse("applicant:home")).content.decode()
    other = make_registration(applicant, people=1)
    assert client.get(reverse("applicant:review", args=[other.reference])).status_code == 404


def test_login_is_required(client):
    response = client.get(reverse("applicant:home"))
    assert response.status_code == 302 and "/accounts/" in response.url


def test_request_retry_with_the_same_key_creates_one_request(applicant_client, applicant):
    registration = make_registration(applicant, people=1, submit=True)
    url = reverse("applicant:request", args=[registration.reference])
    port, second = (
        Port.objects.get(code="SYS"),
        Port.objects.exclude(code="SYS").filter(active=True).first(),
    )
    data = {
        "first_port": port.pk,
        "second_port": second.pk,
        "idempotency_key": "retry-key-1",
    } | IN_AREA
    first = applicant_client.post(url, data)
    again = applicant_client.post(url, data)
    assert first.status_code == again.status_code == 302
    assert AppointmentRequest.objects.filter(registration=registration).count() == 1
    request = AppointmentRequest.objects.get(registration=registration)
    assert request.latitude == pytest.approx(32.5149) and request.location_accuracy_m == 25
    page = applicant_client.get(url).content.decode()
    assert "You already requested an appointment in today" in page
    assert "Send the request" not in page
    # A new key (a fresh form) is refused: one request per registration per window.
    response = applicant_client.post(url, data | {"idempotency_key": "another-key"})
    assert response.status_code == 409
    assert "already has a request in today" in response.content.decode()
    assert AppointmentRequest.objects.filter(registration=registration).count() == 1


def test_request_when_the_window_is_closed_says_so(applicant_client, applicant):
    registration = make_registration(applicant, people=1, submit=True)
    ProgramSettings.objects.filter(pk=1).update(
        request_window_opens=dt.time(12, 0), request_window_closes=dt.time(13, 0)
    )
    url = reverse("applicant:request", args=[registration.reference])
    with freeze_time("2026-03-10 20:00:00"):  # 16:00 in New York: after the window
        page = applicant_client.get(url).content.decode()
        assert "The request window is closed now" in page and "2026-03-11 12:00" in page
        response = applicant_client.post(
            url, {"first_port": Port.objects.get(code="SYS").pk, "idempotency_key": "k1"} | IN_AREA
        )
    assert response.status_code == 409
    assert "Requests are not being taken now" in response.content.decode()
    assert not AppointmentRequest.objects.exists()


def test_request_without_a_location_explains_what_to_do(applicant_client, applicant):
    registration = make_registration(applicant, people=1, submit=True)
    url = reverse("applicant:request", args=[registration.reference])
    response = applicant_client.post(
        url, {"first_port": Port.objects.get(code="SYS").pk, "idempotency_key": "k2"}
    )
    assert response.status_code == 200
    # Works on every phone: the list of places, or the location once allowed.
    assert "Choose where you are now from the list" in response.content.decode()
    assert not AppointmentRequest.objects.exists()


def test_request_from_outside_the_service_area_is_refused_on_the_page(applicant_client, applicant):
    registration = make_registration(applicant, people=1, submit=True)
    url = reverse("applicant:request", args=[registration.reference])
    response = applicant_client.post(
        url,
        {
            "first_port": Port.objects.get(code="SYS").pk,
            "idempotency_key": "k3",
            "latitude": "17.0732",
            "longitude": "-96.7266",
            "accuracy": "30",  # Oaxaca city
        },
    )
    assert response.status_code == 200
    assert "outside the area where requests are accepted" in response.content.decode()
    assert not AppointmentRequest.objects.exists()


def test_request_for_a_draft_goes_back_to_review(applicant_client, applicant):
    registration = make_registration(applicant, people=1)
    response = applicant_client.get(reverse("applicant:request", args=[registration.reference]))
    assert response.status_code == 302 and response.url == reverse(
        "applicant:review", args=[registration.reference]
    )


def test_submit_with_missing_information_lists_it(applicant_client, applicant):
    registration = make_registration(applicant, people=0)
    response = applicant_client.post(reverse("applicant:review", args=[registration.reference]))
    assert response.status_code == 422
    assert "Add at least one person." in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.DRAFT


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES if code != "en"])
def test_every_page_renders_in_every_offered_language(applicant_client, applicant, language):
    draft = make_registration(applicant, people=1)
    submitted = make_registration(applicant, people=1, submit=True)
    document = draft.evidence.get()
    applicant_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages = [
        reverse("applicant:home"),
        reverse("applicant:group", args=[draft.reference]),
        reverse("applicant:people", args=[draft.reference]),
        reverse("applicant:person_new", args=[draft.reference]),
        reverse("applicant:person", args=[draft.reference, 1]),
        reverse("applicant:person_remove", args=[draft.reference, 1]),
        reverse("applicant:evidence", args=[draft.reference]),
        reverse("applicant:evidence_remove", args=[draft.reference, document.pk]),
        reverse("applicant:review", args=[draft.reference]),
        reverse("applicant:review", args=[submitted.reference]),
        reverse("applicant:request", args=[submitted.reference]),
    ]
    with translation.override(language):
        expected = gettext("Save and continue")
    direction = "rtl" if translation.get_language_info(language)["bidi"] else "ltr"
    for url in pages:
        response = applicant_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'<html lang="{language}" dir="{direction}">' in html, url
    assert expected in applicant_client.get(pages[1]).content.decode()


def test_person_form_marks_fields_required_to_submit(applicant_client, applicant):
    registration = make_registration(applicant, people=0)
    html = applicant_client.get(
        reverse("applicant:person_new", args=[registration.reference])
    ).content.decode()
    assert html.count("(required to submit)") == len(Person.REQUIRED_TO_SUBMIT)
    assert html.count("<fieldset>") == 6
    assert "(optional)" in html
