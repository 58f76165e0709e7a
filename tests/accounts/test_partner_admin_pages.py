"""The program administrator sees every organization's staff and activity in /admin/, and
suspends an organization there with everything a suspension entails."""

from __future__ import annotations

import pytest
from django.test import Client

from portline.accounts.models import Role
from portline.accounts.services import api_token_authenticate, api_token_create, staff_invite
from tests.conftest import verified_login
from tests.factories import UserFactory
from tests.intake.helpers import csv_bytes, row

pytestmark = pytest.mark.django_db


def test_program_admin_lists_staff_invitations_batches_and_files_and_suspends():
    from portline.intake.services import bulk_check, bulk_commit

    staff = UserFactory(role=Role.PARTNER_STAFF)
    org_admin = UserFactory(role=Role.PARTNER_ADMIN, partner=staff.partner)
    staff_invite(actor=org_admin, login="invited@example.org")
    content = csv_bytes([row()])
    report = bulk_check(actor=staff, content=content)
    bulk_commit(actor=staff, content=content, mapping=None, checked_sha256=report.sha256)
    admin = verified_login(Client(), UserFactory(role=Role.PROGRAM_ADMIN))
    for url in (
        "/admin/partners/partnerorganization/",
        f"/admin/accounts/user/?partner__id__exact={staff.partner_id}",
        "/admin/accounts/staffinvitation/",
        "/admin/intake/submissionbatch/",
        "/admin/intake/bulkimport/",
    ):
        assert admin.get(url).status_code == 200, url
    assert (
        "invited@example.org" not in admin.get("/admin/accounts/staffinvitation/").content.decode()
    )
    _token, raw = api_token_create(user=staff)
    response = admin.post(
        "/admin/partners/partnerorganization/",
        {"action": "organizations_suspend", "_selected_action": [staff.partner_id]},
    )
    assert response.status_code == 302
    staff.partner.refresh_from_db()
    assert not staff.partner.active and api_token_authenticate(raw) is None
    for role in (Role.PARTNER_ADMIN, Role.PARTNER_STAFF):
        other = verified_login(Client(), UserFactory(role=role))
        assert other.get("/admin/intake/bulkimport/").status_code in (302, 403)
