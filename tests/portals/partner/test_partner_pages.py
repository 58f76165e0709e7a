import datetime as dt

import pytest

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.registrations.models import AppointmentRequest, Registration
from portline.scheduling.models import Port
from tests.factories import (
    CONSENT,
    PartnerFactory,
    PersonFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.portals.accounts.helpers import full_login, password_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory(role=Role.PARTNER_STAFF)
    full_login(client, user)
    return user


def _partner_registration(staff, **kwargs):
    return RegistrationFactory(owner=None, partner=staff.partner, created_by=staff, **kwargs)


def test_staff_see_their_organizations_registrations_only(client, staff):
    ours = _partner_registration(staff)
    PersonFactory(registration=ours, position=1, given_names="Jean", family_names="Baptiste")
    PersonFactory(registration=ours, position=2)
    colleague = UserFactory(role=Role.PARTNER_STAFF, partner=staff.partner)
    by_colleague = _partner_registration(colleague)
    other_org = UserFactory(role=Role.PARTNER_STAFF, partner=PartnerFactory())
    theirs = RegistrationFactory(owner=None, partner=other_org.partner, created_by=other_org)
    own_account = RegistrationFactory()  # an applicant's own registration

    response = client.get("/partner/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ours.reference in html and by_colleague.reference in html
    assert theirs.reference not in html and own_account.reference not in html
    assert "Jean Baptiste" in html
    row = next(r for r in response.context["rows"] if r["reference"] == ours.reference)
    assert row["people"] == 2 and row["status"] == "Draft" and row["request_status"] == ""
    assert staff.partner.name in html


def test_the_latest_request_and_its_status_are_shown(client, staff):
    registration = _partner_registration(
        staff, status="submitted", submitted_at=dt.datetime(2024, 1, 5, tzinfo=dt.UTC)
    )
    port = Port.objects.get(code="SYS")
    for day, status in (
        (dt.date(2024, 1, 6), "not_selected"),
        (dt.date(2024, 1, 8), "selected"),
        (dt.date(2024, 1, 7), "not_selected"),
    ):
        AppointmentRequest.objects.create(
            registration=registration,
            round_date=day,
            first_port=port,
            status=status,
            idempotency_key=f"k{day}",
            requested_by=staff,
        )
    response = client.get("/partner/")
    row = response.context["rows"][0]
    assert (
        row["status"] == "Submitted"
        and row["request_status"] == "Selected"
        and row["request_date"] == dt.date(2024, 1, 8)
    )
    assert "Selected (2024-01-08)" in response.content.decode()


def test_the_list_is_paginated_and_searchable(client, staff):
    regs = [_partner_registration(staff) for _ in range(30)]
    PersonFactory(registration=regs[3], position=1, given_names="Wideline", family_names="Pierre")
    first = client.get("/partner/")
    assert len(first.context["rows"]) == 25 and first.context["page"].has_next()
    second = client.get("/partner/?page=2")
    assert len(second.context["rows"]) == 5
    shown = {r["reference"] for r in first.context["rows"]} | {
        r["reference"] for r in second.context["rows"]
    }
    assert shown == {r.reference for r in regs}
    assert [r["reference"] for r in client.get("/partner/?q=pierre").context["rows"]] == [
        regs[3].reference
    ]
    assert [
        r["reference"]
        for r in client.get(f"/partner/?q={regs[7].reference.lower()}").context["rows"]
    ] == [regs[7].reference]


def test_search_never_reaches_another_organization(client, staff):
    other = UserFactory(role=Role.PARTNER_STAFF, partner=PartnerFactory())
    theirs = RegistrationFactory(owner=None, partner=other.partner, created_by=other)
    PersonFactory(registration=theirs, position=1, family_names="Hidden")
    assert client.get("/partner/?q=Hidden").context["rows"] == []
    assert client.get(f"/partner/?q={theirs.reference}").context["rows"] == []


def test_staff_start_a_registration_and_go_to_the_registration_pages(client, staff):
    response = client.post("/partner/registrations/new/", {**CONSENT, "confirm": "on"})
    registration = Registration.objects.get()
    assert (
        registration.partner == staff.partner
        and registration.created_by == staff
        and registration.owner is None
    )
    assert response.status_code == 302 and registration.reference in response.url
    assert response.url.startswith("/apply/")
    record = AuditRecord.objects.get(action="registrations.registration.create")
    assert record.actor == staff and record.target_id == str(registration.pk)
    assert client.get("/partner/registrations/new/").status_code == 405
    consent = registration.partner_consents.get()
    assert (consent.medium, consent.language, consent.recorded_by) == ("paper", "es", staff)
    assert "pay" in consent.statement or "pagar" in consent.statement


def test_a_registration_without_consent_is_refused_and_nothing_is_stored(client, staff):
    before = AuditRecord.objects.count()
    response = client.post("/partner/registrations/new/", {"consent_language": "es"})
    assert response.status_code == 422
    assert not Registration.objects.exists() and AuditRecord.objects.count() == before


@pytest.mark.parametrize(
    "role", [Role.APPLICANT, Role.OFFICER, Role.SUPERVISOR, Role.PROGRAM_ADMIN, Role.ANALYST]
)
def test_every_other_role_is_refused(client, role):
    full_login(client, UserFactory(role=role))
    response = client.get("/partner/")
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    assert client.post("/partner/registrations/new/").status_code == 403
    assert not Registration.objects.exists()


def test_the_refusal_is_translated(client):
    full_login(client, UserFactory(role=Role.OFFICER))
    client.cookies["django_language"] = "ht"
    assert "Pa otorize" in client.get("/partner/").content.decode()


def test_anonymous_and_unverified_people_are_sent_to_log_in(client):
    response = client.get("/partner/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert client.post("/partner/registrations/new/").status_code == 302
    password_login(client, UserFactory(role=Role.PARTNER_STAFF).login)
    response = client.post("/partner/registrations/new/")
    assert response.status_code == 302 and response.url.startswith("/accounts/verify/")
    assert not Registration.objects.exists()


def test_partner_pages_in_spanish(client, staff):
    _partner_registration(staff)
    client.cookies["django_language"] = "es"
    html = client.get("/partner/").content.decode()
    assert "Empezar un registro para una persona o un grupo" in html and "Borrador" in html
