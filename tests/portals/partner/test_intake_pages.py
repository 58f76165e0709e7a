"""The partner pages for staff management and bulk entry, through the test client."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portline.accounts.models import Role
from portline.intake.models import BulkImport
from portline.registrations.models import Registration
from tests.conftest import verified_login
from tests.factories import UserFactory
from tests.intake.helpers import csv_bytes, row

pytestmark = pytest.mark.django_db


def _upload(content: bytes, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_roles_reach_only_their_pages():
    staff = verified_login(Client(), UserFactory(role=Role.PARTNER_STAFF))
    admin = verified_login(Client(), UserFactory(role=Role.PARTNER_ADMIN))
    assert staff.get("/partner/import/").status_code == 200
    assert staff.get("/partner/staff/").status_code == 403
    assert admin.get("/partner/staff/").status_code == 200
    assert admin.get("/partner/import/").status_code == 403
    assert admin.get("/partner/").status_code == 302  # to the staff page
    assert admin.get("/apply/").status_code == 403  # no person's data for the administrator
    for role in (Role.APPLICANT, Role.OFFICER, Role.PROGRAM_ADMIN):
        other = verified_login(Client(), UserFactory(role=role))
        assert other.get("/partner/import/").status_code == 403
        assert other.get("/partner/batches/").status_code == 403


def test_templates_download_in_each_language():
    staff = verified_login(Client(), UserFactory(role=Role.PARTNER_STAFF))
    spanish = staff.get("/partner/import/template.csv?language=es")
    assert spanish.status_code == 200 and "Nombres" in spanish.content.decode("utf-8-sig")
    xlsx = staff.get("/partner/import/template.xlsx?language=ht")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert staff.get("/partner/import/template.pdf").status_code == 404


def test_check_shows_problems_and_stores_nothing_then_commit_stores_the_valid_rows():
    user = UserFactory(role=Role.PARTNER_STAFF)
    staff = verified_login(Client(), user)
    content = csv_bytes([row(), row(born="30/02/1990")])
    response = staff.post("/partner/import/", {"file": _upload(content), "action": "check"})
    html = response.content.decode()
    assert response.status_code == 200 and "D (Date of birth)" in html
    assert not Registration.objects.exists()
    checked = response.context["report"].sha256
    download = staff.post(
        "/partner/import/", {"file": _upload(content), "action": "report", "checked": checked}
    )
    assert download["Content-Type"].startswith("text/csv") and b"30/02/1990" in download.content
    response = staff.post(
        "/partner/import/", {"file": _upload(content), "action": "commit", "checked": checked}
    )
    assert response.status_code == 302 and "/partner/batches/" in response.url
    record = BulkImport.objects.get()
    assert record.rows_imported == 1 and record.staff == user


def test_commit_of_a_different_file_stores_nothing():
    staff = verified_login(Client(), UserFactory(role=Role.PARTNER_STAFF))
    first = staff.post("/partner/import/", {"file": _upload(csv_bytes([row()]))})
    response = staff.post(
        "/partner/import/",
        {
            "file": _upload(csv_bytes([row(given="Luis")])),
            "action": "commit",
            "checked": first.context["report"].sha256,
        },
    )
    assert response.status_code == 422 and not Registration.objects.exists()


def test_column_mapping_can_be_changed():
    staff = verified_login(Client(), UserFactory(role=Role.PARTNER_STAFF))
    header = [
        "Group",
        "Nom",
        "Apellido",
        "Date of birth",
        "Nationality",
        "Consent given",
        "Consent language",
        "Consent date",
    ]
    content = csv_bytes([row()], header=header)
    first = staff.post("/partner/import/", {"file": _upload(content)})
    assert first.context["report"].valid_rows == 0
    mapping = {f"map_{i}": key for i, key in enumerate(first.context["report"].mapping)}
    mapping.update(map_1="given_names", map_2="family_names")
    second = staff.post(
        "/partner/import/",
        {"file": _upload(content), "mapping": "1", "columns": "8", **mapping},
    )
    assert second.context["report"].valid_rows == 1


def test_invitation_link_page_and_a_used_link():
    from portline.accounts.services import staff_invite

    admin = UserFactory(role=Role.PARTNER_ADMIN)
    result = staff_invite(actor=admin, login="new@example.org")
    page = Client().get(f"/partner/join/{result.secret}/")
    assert page.status_code == 200 and admin.partner.name in page.content.decode()
    done = Client().post(
        f"/partner/join/{result.secret}/",
        {
            "password": "a long and varied passphrase 42!",
            "password_confirm": "a long and varied passphrase 42!",
            "language": "es",
        },
    )
    assert done.status_code == 302 and "/accounts/login/" in done.url
    assert Client().get(f"/partner/join/{result.secret}/").status_code == 404
    assert Client().get("/partner/join/guessed/").status_code == 404


def test_the_administrator_invites_and_suspends_from_the_page():
    admin_user = UserFactory(role=Role.PARTNER_ADMIN)
    admin = verified_login(Client(), admin_user)
    response = admin.post(
        "/partner/staff/invite/", {"login": "+52 55 1234 5678", "role": "partner_staff"}
    )
    assert response.status_code == 200 and "/partner/join/" in response.content.decode()
    member = UserFactory(role=Role.PARTNER_STAFF, partner=admin_user.partner)
    other = UserFactory(role=Role.PARTNER_STAFF)
    assert admin.post(f"/partner/staff/{other.pk}/suspend/").status_code == 404
    assert admin.post(f"/partner/staff/{member.pk}/suspend/").status_code == 302
    member.refresh_from_db()
    other.refresh_from_db()
    assert not member.is_active and other.is_active
