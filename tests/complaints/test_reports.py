"""Reporting extortion or a fake appointment: open to anyone, anonymous if wished, seen only
by the oversight role (never by the port or officers named), followed with a receipt code."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portline.accounts.models import STAFF_ROLES, Role
from portline.audit.models import AuditRecord
from portline.common.errors import ValidationFailed
from portline.complaints.models import Complaint, ComplaintStatus
from portline.complaints.selectors import complaints_visible_to
from portline.complaints.services import complaint_submit, complaint_triage
from portline.scheduling.models import Port
from tests.conftest import verified_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REPORT = reverse("complaints:report")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _form(**overrides) -> dict:
    data = {
        "kind": "payment_demand",
        "description": "A man at the shelter asked 1,000 pesos to keep my appointment.",
        "people_named": "Officer with a moustache at the gate, phone 555-0100",
        "port": str(Port.objects.get(code="SYS").pk),
        "place": "Tijuana, near the shelter",
        "happened_on": "2026-11-20",
        "anonymous": "on",
        "contact": "",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _receipt(response) -> str:
    match = re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</strong>", response.text)
    assert match, response.text[:500]
    return match.group(1)


def test_anyone_reports_anonymously_without_logging_in_and_nothing_identifies_them(client):
    assert client.get(REPORT).status_code == 200
    response = client.post(REPORT, _form(), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    code = _receipt(response)
    complaint = Complaint.objects.get()
    assert complaint.anonymous and complaint.reporter is None and complaint.contact == ""
    assert complaint.port.code == "SYS" and complaint.status == ComplaintStatus.RECEIVED
    stored = " ".join(str(getattr(complaint, f.attname)) for f in Complaint._meta.fields)
    assert "203.0.113.7" not in stored and code not in stored
    record = AuditRecord.objects.get(action="complaints.complaint.submit")
    assert record.actor_id is None and record.data == {"kind": "payment_demand", "anonymous": True}
    assert "203.0.113.7" not in record.entry


def test_a_logged_in_applicant_may_give_their_name_and_the_audit_still_does_not(client):
    applicant = UserFactory()
    verified_login(client, applicant)
    response = client.post(REPORT, _form(anonymous=None, contact="+5215550100"))
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert not complaint.anonymous and complaint.reporter == applicant
    assert complaint.contact == "+5215550100"
    record = AuditRecord.objects.get(action="complaints.complaint.submit")
    assert record.actor_id is None and record.data == {"kind": "payment_demand", "anonymous": False}


def test_anonymous_choice_drops_an_account_and_contact_given(client):
    verified_login(client, UserFactory())
    client.post(REPORT, _form(contact="me@example.org"))
    complaint = Complaint.objects.get()
    assert complaint.reporter is None and complaint.contact == ""


def test_bad_input_is_refused_with_a_message_and_nothing_stored(client):
    response = client.post(REPORT, _form(description="short"))
    assert response.status_code == 400
    assert "at least 10 letters" in response.text
    response = client.post(REPORT, _form(anonymous=None, contact=""))
    assert response.status_code == 400
    assert "stay anonymous" in response.text
    response = client.post(REPORT, _form(kind="bribe"))
    assert response.status_code == 400
    assert not Complaint.objects.exists()
    assert not AuditRecord.objects.filter(action="complaints.complaint.submit").exists()


def test_the_form_needs_its_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(REPORT, _form()).status_code == 403
    assert not Complaint.objects.exists()


def test_a_filled_honeypot_stores_nothing(client):
    response = client.post(REPORT, _form(website="http://spam.example"))
    assert response.status_code == 200
    assert not Complaint.objects.exists()


def test_reports_are_rate_limited_per_connection(client, settings):
    settings.PORTLINE_REPORT_LIMIT = 2
    for _ in range(2):
        assert client.post(REPORT, _form(), REMOTE_ADDR="198.51.100.1").status_code == 200
    response = client.post(REPORT, _form(), REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429
    assert Complaint.objects.count() == 2
    assert client.post(REPORT, _form(), REMOTE_ADDR="198.51.100.2").status_code == 200


def test_the_reporter_follows_the_report_with_the_receipt_code(client):
    code = _receipt(client.post(REPORT, _form()))
    status_url = reverse("complaints:status")
    response = client.post(status_url, {"code": code.lower().replace("-", " ")})
    assert response.status_code == 200 and "Received" in response.text
    oversight = UserFactory(role=Role.OVERSIGHT)
    complaint_triage(
        actor=oversight,
        complaint_id=Complaint.objects.get().pk,
        status=ComplaintStatus.UNDER_REVIEW,
        reason="Credible: names a gate and a time.",
    )
    response = client.post(status_url, {"code": code})
    assert "Under review" in response.text
    assert "Credible" not in response.text  # the reason stays with oversight
    response = client.post(status_url, {"code": "AAAA-BBBB-CCCC"})
    assert "No report has this receipt code" in response.text


def test_only_oversight_sees_reports_never_the_port_they_name(client):
    complaint, _code = complaint_submit(
        actor=None,
        kind="extortion",
        description="The officer at the gate wanted money.",
        port=Port.objects.get(code="SYS"),
    )
    detail = reverse("complaints:detail", args=[complaint.pk])
    queue = reverse("complaints:queue")
    for role in (Role.OFFICER, Role.SUPERVISOR, Role.PROGRAM_ADMIN, Role.ANALYST, Role.APPLICANT):
        user = UserFactory(role=role)  # officers and supervisors at SYS, the port named
        assert not complaints_visible_to(user).exists()
        visitor = Client()
        verified_login(visitor, user)
        assert visitor.get(queue).status_code == 404
        assert visitor.get(detail).status_code == 404
        assert visitor.post(detail, {"status": "closed", "reason": "x"}).status_code == 404
    assert Complaint.objects.get().status == ComplaintStatus.RECEIVED
    oversight = UserFactory(role=Role.OVERSIGHT)
    verified_login(client, oversight)
    assert "The officer at the gate wanted money." in client.get(detail).text
    assert f"#{complaint.pk}" in client.get(queue).text


def test_oversight_triages_with_a_reason_and_every_step_is_audited(client):
    complaint, _code = complaint_submit(
        actor=None, kind="fake_appointment", description="Sold a fake appointment for 400 dollars."
    )
    oversight = UserFactory(role=Role.OVERSIGHT)
    verified_login(client, oversight)
    detail = reverse("complaints:detail", args=[complaint.pk])
    response = client.post(detail, {"status": "under_review", "reason": ""})
    assert response.status_code == 400
    response = client.post(detail, {"status": "referred", "reason": "Too early"})
    assert response.status_code == 400 and "cannot move" in response.text
    assert client.post(detail, {"status": "under_review", "reason": "Checking."}).status_code == 302
    assert client.post(detail, {"status": "referred", "reason": "To the OIG."}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REFERRED
    assert [d.reason for d in complaint.decisions.all()] == ["Checking.", "To the OIG."]
    records = AuditRecord.objects.filter(action="complaints.complaint.triage").order_by("seq")
    assert [(r.actor_id, r.data["to"]) for r in records] == [
        (oversight.pk, "under_review"),
        (oversight.pk, "referred"),
    ]
    with pytest.raises(ValidationFailed):
        complaint_triage(actor=oversight, complaint_id=complaint.pk, status="closed", reason=" ")


def test_oversight_is_a_staff_role_with_a_second_factor(client):
    assert Role.OVERSIGHT in STAFF_ROLES
    oversight = UserFactory(role=Role.OVERSIGHT)
    client.force_login(oversight)  # password only, no second factor yet
    response = client.get(reverse("complaints:queue"))
    assert response.status_code == 302 and "verify" in response["Location"]


def test_public_counts_and_links_from_home_and_applicant_pages(client):
    for kind in ("payment_demand", "payment_demand", "extortion"):
        complaint_submit(actor=None, kind=kind, description="Something happened to me.")
    page = client.get(REPORT).text
    assert "<td>2</td><td>1</td><td>0</td><td>3</td>" in page.replace("\n", "")
    assert REPORT in client.get("/").text
    verified_login(client, UserFactory())
    assert REPORT in client.get(reverse("applicant:home")).text


@pytest.mark.parametrize(
    ("language", "title"),
    [("es", "Denunciar extorsión o una cita falsa"), ("ht", "Rapòte chantaj oswa yon fo randevou")],
)
def test_the_report_page_speaks_spanish_and_creole(client, language, title):
    client.cookies["django_language"] = language
    response = client.get(REPORT)
    assert title in response.text
