"""A partner organization's staff: invitations that work once and expire, suspension of one
person or of the whole organization that ends sessions and API tokens at once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from freezegun import freeze_time

from portline.accounts.models import ApiToken, Role, StaffInvitation, User
from portline.accounts.selectors import partner_staff_visible_to
from portline.accounts.services import (
    api_token_authenticate,
    api_token_create,
    partner_organization_reinstate,
    partner_organization_suspend,
    staff_invitation_accept,
    staff_invite,
    staff_reinstate,
    staff_suspend,
)
from portline.audit.models import AuditRecord
from portline.common.errors import Conflict, NotFound, PermissionDenied
from portline.common.sms import LocmemSmsSender
from tests.conftest import verified_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long and varied passphrase 42!"


@pytest.fixture
def org_admin():
    return UserFactory(role=Role.PARTNER_ADMIN, display_name="Rosa")


def test_an_invitation_by_email_creates_one_own_account_once(org_admin):
    result = staff_invite(
        actor=org_admin, login="Nuevo@Example.org", link_for=lambda s: f"https://x/join/{s}/"
    )
    assert result.invitation.login == "nuevo@example.org"
    assert result.secret not in str(StaffInvitation.objects.values_list()) and len(mail.outbox) == 1
    assert f"https://x/join/{result.secret}/" in mail.outbox[0].body
    user = staff_invitation_accept(secret=result.secret, password=PASSWORD, language="es")
    assert (user.role, user.partner_id, user.preferred_language) == (
        Role.PARTNER_STAFF,
        org_admin.partner_id,
        "es",
    )
    assert user.check_password(PASSWORD)
    with pytest.raises(NotFound):
        staff_invitation_accept(secret=result.secret, password=PASSWORD)
    assert AuditRecord.objects.filter(action="accounts.invitation.accept").count() == 1


def test_an_invitation_by_phone_is_a_text_message(org_admin, settings):
    settings.PORTLINE_SMS_SENDER = "portline.common.sms.LocmemSmsSender"
    LocmemSmsSender.outbox.clear()
    staff_invite(actor=org_admin, login="+52 55 1234 5678", link_for=lambda s: f"/join/{s}/")
    assert LocmemSmsSender.outbox[0]["to"] == "+525512345678"


def test_an_invitation_expires(org_admin, settings):
    settings.PORTLINE_STAFF_INVITATION_HOURS = 2
    with freeze_time("2026-11-30 10:00:00"):
        result = staff_invite(actor=org_admin, login="late@example.org")
    with freeze_time("2026-11-30 12:00:01"), pytest.raises(NotFound):
        staff_invitation_accept(secret=result.secret, password=PASSWORD)
    assert not User.objects.filter(login="late@example.org").exists()


def test_only_the_organizations_administrator_invites(org_admin):
    for role in (Role.PARTNER_STAFF, Role.APPLICANT, Role.OFFICER):
        with pytest.raises(PermissionDenied):
            staff_invite(actor=UserFactory(role=role), login="x@example.org")
    with pytest.raises(Conflict):
        staff_invite(actor=org_admin, login=org_admin.login)
    assert not StaffInvitation.objects.exists()


def test_staff_lists_are_per_organization(org_admin):
    mine = UserFactory(role=Role.PARTNER_STAFF, partner=org_admin.partner)
    theirs = UserFactory(role=Role.PARTNER_STAFF)
    assert set(partner_staff_visible_to(org_admin)) == {org_admin, mine}
    program = UserFactory(role=Role.PROGRAM_ADMIN)
    assert {mine, theirs, org_admin} <= set(partner_staff_visible_to(program))
    assert not partner_staff_visible_to(mine).exists()
    other_admin = UserFactory(role=Role.PARTNER_ADMIN)
    with pytest.raises(PermissionDenied):
        staff_suspend(actor=other_admin, user=mine)


def _session_and_token(user):
    client = verified_login(Client(), user)
    assert client.get("/partner/").status_code == 200
    _token, raw = api_token_create(user=user)
    assert api_token_authenticate(raw) == user
    return client, raw


def test_suspending_a_staff_member_ends_their_session_and_tokens_at_once(org_admin):
    member = UserFactory(role=Role.PARTNER_STAFF, partner=org_admin.partner)
    client, raw = _session_and_token(member)
    staff_suspend(actor=org_admin, user=member)
    response = client.get("/partner/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert api_token_authenticate(raw) is None
    assert not ApiToken.objects.filter(user=member, revoked_at=None).exists()
    api = Client().get("/api/v1/registrations", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 401
    staff_reinstate(actor=org_admin, user=member)
    assert api_token_authenticate(raw) is None  # revoked tokens stay revoked


def test_suspending_the_organization_ends_every_session_and_token(org_admin):
    member = UserFactory(role=Role.PARTNER_STAFF, partner=org_admin.partner)
    client, raw = _session_and_token(member)
    outsider = UserFactory(role=Role.PARTNER_STAFF)
    other_client, other_raw = _session_and_token(outsider)
    partner_organization_suspend(actor=org_admin, organization=org_admin.partner)
    assert client.get("/partner/").status_code == 302
    assert api_token_authenticate(raw) is None
    assert other_client.get("/partner/").status_code == 200
    assert api_token_authenticate(other_raw) == outsider
    with pytest.raises(PermissionDenied):
        partner_organization_reinstate(actor=org_admin, organization=org_admin.partner)
    program = UserFactory(role=Role.PROGRAM_ADMIN)
    partner_organization_reinstate(actor=program, organization=org_admin.partner)
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"partners.organization.suspend", "partners.organization.reinstate"} <= actions


def test_a_suspended_organizations_invitations_stop_working(org_admin):
    result = staff_invite(actor=org_admin, login="soon@example.org")
    program = UserFactory(role=Role.PROGRAM_ADMIN)
    partner_organization_suspend(actor=program, organization=org_admin.partner)
    with pytest.raises(NotFound):
        staff_invitation_accept(secret=result.secret, password=PASSWORD)
