import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from freezegun import freeze_time

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portline.geofence import services as geofence
from portline.registrations import services
from portline.registrations.models import (
    AppointmentRequest,
    EvidenceKind,
    Person,
    Registration,
    RegistrationStatus,
)
from portline.registrations.selectors import (
    access_evidence,
    access_registration,
    registrations_visible_to,
)
from portline.scheduling.models import Port, ProgramSettings
from tests.factories import (
    CONSENT,
    PDF_BYTES,
    PersonFactory,
    UserFactory,
    complete_person_data,
    jpeg_bytes,
    png_bytes,
)
from tests.factories.inspection import confirmed_appointment

pytestmark = pytest.mark.django_db
# Requests need a location inside the service area (portline.geofence): central Tijuana.
IN_AREA = {"latitude": 32.5149, "longitude": -117.0382, "accuracy_m": 25.0}


def _ready_registration(applicant, people=1):
    registration = services.registration_create(
        actor=applicant,
        data={
            "basis": "safety",
            "us_address_line1": "1 Main St",
            "us_city": "Houston",
            "us_state": "TX",
            "us_zip": "77002",
        },
    )
    for _ in range(people):
        person = services.person_add(
            actor=applicant, registration=registration, data=complete_person_data()
        )
        services.evidence_upload(
            actor=applicant,
            registration=registration,
            person=person,
            kind=EvidenceKind.PHOTO,
            filename="me.png",
            content=png_bytes(),
        )
    return registration


def test_registration_journey_writes_audit_in_order(applicant):
    registration = _ready_registration(applicant, people=3)
    submitted = services.registration_submit(actor=applicant, registration=registration)
    assert submitted.status == RegistrationStatus.SUBMITTED and submitted.submitted_at
    actions = list(AuditRecord.objects.order_by("id").values_list("action", flat=True))
    assert actions[-1] == "registrations.registration.submit"
    assert actions.count("registrations.person.add") == 3
    assert actions.count("registrations.evidence.upload") == 3


def test_eleventh_person_is_refused_and_nothing_changes(applicant):
    registration = _ready_registration(applicant, people=0)
    for _ in range(10):
        services.person_add(actor=applicant, registration=registration, data={"given_names": "A"})
    before = AuditRecord.objects.count()
    with pytest.raises(ValidationFailed):
        services.person_add(actor=applicant, registration=registration, data={"given_names": "B"})
    assert registration.people.count() == 10
    assert AuditRecord.objects.count() == before


def test_database_itself_caps_a_group_at_ten():
    person = PersonFactory(position=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(registration=person.registration, position=11)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_of_birth", dt.date(2999, 1, 1)),
        ("nationality", "XX"),
        ("country_of_birth", "ZZ"),
        ("height_cm", 900),
    ],
)
def test_bad_person_values_are_refused_with_field_errors(applicant, field, value):
    registration = _ready_registration(applicant, people=0)
    with pytest.raises(ValidationFailed) as info:
        services.person_add(
            actor=applicant, registration=registration, data=complete_person_data(**{field: value})
        )
    assert field in info.value.errors
    assert registration.people.count() == 0


def test_a_draft_person_may_be_saved_incomplete_but_not_submitted(applicant):
    registration = _ready_registration(applicant, people=0)
    services.person_add(actor=applicant, registration=registration, data={"given_names": "Ana"})
    with pytest.raises(ValidationFailed) as info:
        services.registration_submit(actor=applicant, registration=registration)
    assert "person_1" in info.value.errors
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.DRAFT


@pytest.mark.parametrize(
    ("filename", "content", "message_part"),
    [
        ("scan.pdf", png_bytes(), "PDF"),  # a PNG pretending to be a PDF
        ("photo.png", b"MZ\x90\x00 not an image", "Only PDF"),
        ("empty.pdf", b"", "empty"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "damaged"),
        ("cut.pdf", b"%PDF-1.4\n" + b"x" * 100, "damaged"),
    ],
)
def test_uploads_that_lie_or_are_broken_are_refused(applicant, filename, content, message_part):
    registration = _ready_registration(applicant, people=0)
    with pytest.raises(ValidationFailed) as info:
        services.evidence_upload(
            actor=applicant,
            registration=registration,
            kind=EvidenceKind.OTHER,
            filename=filename,
            content=content,
        )
    assert message_part in str(info.value.message)
    assert registration.evidence.count() == 0


def test_upload_size_limit(applicant, settings):
    settings.PORTLINE_MAX_UPLOAD_BYTES = 1024
    registration = _ready_registration(applicant, people=0)
    with pytest.raises(ValidationFailed, match="too large"):
        services.evidence_upload(
            actor=applicant,
            registration=registration,
            kind=EvidenceKind.OTHER,
            filename="a.pdf",
            content=PDF_BYTES + b"x" * 2000 + b"%%EOF",
        )


def test_accepted_types_are_detected_from_content(applicant):
    registration = _ready_registration(applicant, people=0)
    for name, content, expected in [
        ("scan-of-passport.pdf", PDF_BYTES, "application/pdf"),
        ("camera-upload", jpeg_bytes(), "image/jpeg"),
        ("selfie-photo.PNG", png_bytes(), "image/png"),
    ]:
        document = services.evidence_upload(
            actor=applicant,
            registration=registration,
            kind=EvidenceKind.OTHER,
            filename=name,
            content=content,
        )
        assert document.content_type == expected
        with document.file.open("rb") as handle:
            assert handle.read() == content
        assert registration.reference in document.file.name and name not in document.file.name


def _submitted(applicant, people=1):
    return services.registration_submit(
        actor=applicant, registration=_ready_registration(applicant, people)
    )


def test_request_retry_with_same_key_returns_the_same_request(applicant):
    registration = _submitted(applicant)
    sys, bro = Port.objects.get(code="SYS"), Port.objects.get(code="BRO")
    first, created = geofence.request_submit(
        actor=applicant,
        registration=registration,
        first_port=sys,
        second_port=bro,
        idempotency_key="k1",
        **IN_AREA,
    )
    again, created_again = geofence.request_submit(
        actor=applicant,
        registration=registration,
        first_port=sys,
        second_port=bro,
        idempotency_key="k1",
        **IN_AREA,
    )
    assert created and not created_again and first.pk == again.pk
    assert AppointmentRequest.objects.count() == 1
    with pytest.raises(Conflict):
        geofence.request_submit(
            actor=applicant,
            registration=registration,
            first_port=bro,
            idempotency_key="k1",
            **IN_AREA,
        )
    with pytest.raises(Conflict):
        geofence.request_submit(
            actor=applicant,
            registration=registration,
            first_port=sys,
            idempotency_key="k2",
            **IN_AREA,
        )
    assert AppointmentRequest.objects.count() == 1


def test_one_request_per_window_is_enforced_by_the_database(applicant):
    registration = _submitted(applicant)
    sys = Port.objects.get(code="SYS")
    geofence.request_submit(
        actor=applicant, registration=registration, first_port=sys, idempotency_key="a", **IN_AREA
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentRequest.objects.create(
            registration=registration,
            round_date=AppointmentRequest.objects.get().round_date,
            first_port=sys,
            idempotency_key="b",
            requested_by=applicant,
        )


def test_request_outside_the_window_is_refused(applicant):
    registration = _submitted(applicant)
    ProgramSettings.objects.filter(pk=1).update(
        request_window_opens=dt.time(12, 0), request_window_closes=dt.time(23, 59)
    )
    with freeze_time("2026-03-02 15:00:00"):  # 10:00 in New York: before noon
        with pytest.raises(Exception, match="not being taken") as info:
            geofence.request_submit(
                actor=applicant,
                registration=registration,
                first_port=Port.objects.get(code="SYS"),
                idempotency_key="x",
                **IN_AREA,
            )
        assert info.value.code == "window_closed"
    with freeze_time("2026-03-02 18:00:00"):  # 13:00 in New York
        request, _ = geofence.request_submit(
            actor=applicant,
            registration=registration,
            first_port=Port.objects.get(code="SYS"),
            idempotency_key="y",
            **IN_AREA,
        )
    assert request.round_date == dt.date(2026, 3, 2)


def test_draft_cannot_request_and_submitted_cannot_change(applicant):
    registration = _ready_registration(applicant)
    with pytest.raises(Conflict):
        geofence.request_submit(
            actor=applicant,
            registration=registration,
            first_port=Port.objects.get(code="SYS"),
            idempotency_key="x",
            **IN_AREA,
        )
    services.registration_submit(actor=applicant, registration=registration)
    with pytest.raises(Conflict):
        services.registration_update(
            actor=applicant, registration=registration, data={"us_city": "Miami"}
        )


def test_each_role_sees_only_what_it_may(applicant):
    registration = _submitted(applicant)
    geofence.request_submit(
        actor=applicant,
        registration=registration,
        first_port=Port.objects.get(code="SYS"),
        idempotency_key="x",
        **IN_AREA,
    )
    other = UserFactory()
    assert list(registrations_visible_to(applicant)) == [registration]
    with pytest.raises(NotFound):
        access_registration(other, registration.reference)
    document = registration.evidence.first()
    with pytest.raises(NotFound):
        access_evidence(other, document.pk)
    for role in (Role.PROGRAM_ADMIN, Role.ANALYST, Role.PARTNER_STAFF):
        assert not registrations_visible_to(UserFactory(role=role)).exists()
    sys_officer = UserFactory(role=Role.OFFICER)
    bro_officer = UserFactory(role=Role.OFFICER, port=Port.objects.get(code="BRO"))
    assert not registrations_visible_to(sys_officer).exists()  # asking for SYS is not enough
    confirmed_appointment(people=list(registration.people.all()), port_code="SYS")
    assert registrations_visible_to(sys_officer).filter(pk=registration.pk).exists()
    assert not registrations_visible_to(bro_officer).exists()
    with pytest.raises(PermissionDenied):
        services.registration_create(actor=sys_officer)


def test_partner_staff_work_for_their_organization_only():
    staff = UserFactory(role=Role.PARTNER_STAFF)
    colleague = UserFactory(role=Role.PARTNER_STAFF, partner=staff.partner)
    outsider = UserFactory(role=Role.PARTNER_STAFF)
    registration = services.registration_create(actor=staff, consent=CONSENT)
    assert registration.partner_id == staff.partner_id and registration.created_by == staff
    assert registrations_visible_to(colleague).filter(pk=registration.pk).exists()
    assert not registrations_visible_to(outsider).exists()


def test_open_drafts_per_account_are_capped_with_a_clear_refusal(applicant, settings):
    settings.PORTLINE_MAX_OPEN_DRAFTS = 3
    for _n in range(3):
        services.registration_create(actor=applicant)
    before = (Registration.objects.count(), AuditRecord.objects.count())
    with pytest.raises(Conflict) as info:
        services.registration_create(actor=applicant)
    assert info.value.code == "too_many_drafts" and "(3)" in str(info.value.message)
    assert (Registration.objects.count(), AuditRecord.objects.count()) == before
    with translation.override("es"):
        with pytest.raises(Conflict) as info:
            services.registration_create(actor=applicant)
        assert "(3)" in str(info.value.message) and "registrations" not in str(info.value.message)
