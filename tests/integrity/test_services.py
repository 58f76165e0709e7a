"""The scan and the per-registration check on the database: planted patterns are flagged,
near-misses are not, a rescan adds nothing, and the supervisor's workflow is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.common import clock
from portline.common.errors import Conflict, PermissionDenied, ValidationFailed
from portline.geofence.models import LocationCheck, LocationSignal
from portline.integrity import services
from portline.integrity.models import FactKey, Flag, FlagKind, FlagState, ScanRun
from portline.registrations.models import EvidenceDocument, EvidenceKind
from tests.factories import PDF_BYTES, UserFactory, png_bytes
from tests.factories.inspection import photo_for
from tests.integrity.conftest import planted_group

pytestmark = pytest.mark.django_db

SPELLINGS = [
    ("742 Evergreen Terrace", "Apt 2", "77002"),
    ("742 evergreen ter.", "#2", "77002-1234"),
    ("742 EVERGREEN TER APT 2", "", "77002"),
]


def _ring(n_groups: int, *, same_family: bool = False):
    groups = []
    for i in range(n_groups):
        line1, line2, zip_code = SPELLINGS[i % len(SPELLINGS)]
        groups.append(
            planted_group(
                "García" if same_family else f"Apellido{i:02d} Otro",
                size=1 + i % 3,
                us_address_line1=line1,
                us_address_line2=line2,
                us_zip=zip_code,
            )
        )
    return groups


def _flags(kind):
    return list(Flag.objects.filter(kind=kind))


def test_thirty_unrelated_groups_at_one_address_raise_one_flag_with_every_member():
    groups = _ring(30)
    planted_group("Otra", us_address_line1="9 Elm St", us_zip="77002")  # unrelated, elsewhere
    services.integrity_scan()
    [flag] = _flags(FlagKind.ADDRESS_HUB)
    assert flag.params["count"] == 30
    assert set(flag.subjects.values_list("registration_id", flat=True)) == {g.pk for g in groups}
    assert flag.evidence["people"] == sum(g.people.count() for g in groups)
    assert flag.severity == "high"
    assert AuditRecord.objects.filter(action="integrity.flag.raise", target_id=str(flag.pk))


def test_one_family_of_eight_at_one_address_is_not_a_ring():
    planted_group("García López", size=8, us_address_line1="742 Evergreen Terrace")
    _ring(6, same_family=True)  # the same family registered again in smaller groups
    services.integrity_scan()
    assert _flags(FlagKind.ADDRESS_HUB) == []


def test_a_rescan_adds_nothing_and_an_unfinished_scan_resumes():
    _ring(12)
    first = services.integrity_scan()
    facts, flags = FactKey.objects.count(), Flag.objects.count()
    audits = AuditRecord.objects.filter(action__startswith="integrity.flag").count()
    second = services.integrity_scan()
    assert first.flags_created == 1 and second.flags_created == 0
    assert (FactKey.objects.count(), Flag.objects.count()) == (facts, flags)
    assert AuditRecord.objects.filter(action__startswith="integrity.flag").count() == audits
    # An interrupted scan: its finished steps are skipped when it resumes.
    interrupted = ScanRun.objects.create(engine_version="1", steps_done=["photos", "facts"])
    resumed = services.integrity_scan()
    assert resumed.pk == interrupted.pk
    assert resumed.steps_done[:2] == ["photos", "facts"] and resumed.finished_at is not None


def test_command_shows_progress_and_a_dry_run_stores_nothing(capsys):
    _ring(10)
    call_command("integrity_scan", "--dry-run")
    out = capsys.readouterr().out
    assert "1 new flag(s)" in out and "nothing was stored" in out
    assert (Flag.objects.count(), FactKey.objects.count(), ScanRun.objects.count()) == (0, 0, 0)
    call_command("integrity_scan")
    out = capsys.readouterr().out
    assert "facts" in out and "100%" in out and "1 new flag(s)" in out
    assert Flag.objects.count() == 1


def test_sponsor_for_many_unrelated_groups(settings):
    settings.PORTLINE_INTEGRITY_THRESHOLDS = {
        **settings.PORTLINE_INTEGRITY_THRESHOLDS,
        "sponsor_hub": 5,
    }
    for i in range(5):
        planted_group(f"Sur{i}", sponsor_name="John Smith", sponsor_phone="+1 713 555 0100")
    for i in range(4):  # near-miss: four groups with another sponsor
        planted_group(f"Near{i}", sponsor_name="Jane Roe", sponsor_phone="+17135550199")
    services.integrity_scan()
    [flag] = _flags(FlagKind.SPONSOR_HUB)
    assert flag.params["count"] == 5


def _attest(registration, provider):
    EvidenceDocument.objects.create(
        registration=registration,
        kind=EvidenceKind.MEDICAL,
        provider=provider,
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
        original_name="a.pdf",
        uploaded_by=registration.created_by,
        file="evidence/x.pdf",
    )


def test_provider_attesting_improbably_many_cases(settings):
    settings.PORTLINE_INTEGRITY_THRESHOLDS = {
        **settings.PORTLINE_INTEGRITY_THRESHOLDS,
        "provider_hub": 4,
    }
    for i in range(4):
        _attest(planted_group(f"Sur{i}"), "Dr. Ana López" if i % 2 else "LOPEZ, ANA")
    for i in range(3):
        _attest(planted_group(f"Near{i}"), "Dr. Pablo Ruiz")
    services.integrity_scan()
    [flag] = _flags(FlagKind.PROVIDER_HUB)
    assert flag.params["count"] == 4


def test_reused_document_phone_and_email():
    planted_group("Uno", person={"id_document_country": "HN", "id_document_number": "A-1234567"})
    planted_group("Dos", person={"id_document_country": "HN", "id_document_number": "a1234567"})
    planted_group("Tres", person={"id_document_country": "HN", "id_document_number": "A1234568"})
    for i in range(3):
        planted_group(f"Tel{i}", person={"phone": "+52 55 1111 2222", "email": f"x{i}@example.org"})
    for _i in range(3):  # one family sharing an e-mail is not a pattern
        planted_group("Familia", person={"email": "familia@example.org"})
    services.integrity_scan()
    [document] = _flags(FlagKind.DOCUMENT_REUSE)
    assert document.params["count"] == 2
    [phone] = _flags(FlagKind.PHONE_REUSE)
    assert phone.params["count"] == 3
    assert _flags(FlagKind.EMAIL_REUSE) == []


def test_same_photo_in_different_registrations():
    photo = png_bytes(size=(64, 64))
    a = planted_group("Uno", size=1).people.get()
    b = planted_group("Dos", size=1).people.get()
    other = planted_group("Tres", size=1).people.get()
    photo_for(a, photo)
    import io

    from PIL import Image, ImageDraw

    # The same picture, re-encoded larger, is still the same photo.
    image = Image.open(io.BytesIO(photo)).resize((128, 128))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    photo_for(b, buffer.getvalue())
    different = Image.new("RGB", (64, 64), (255, 255, 255))
    ImageDraw.Draw(different).ellipse((8, 8, 40, 56), fill=(0, 0, 0))
    out = io.BytesIO()
    different.save(out, format="PNG")
    photo_for(other, out.getvalue())
    services.integrity_scan()
    [flag] = _flags(FlagKind.PHOTO_REUSE)
    assert set(flag.subjects.values_list("registration_id", flat=True)) == {
        a.registration_id,
        b.registration_id,
    }


def test_one_partner_account_entering_many_people_quickly(settings):
    settings.PORTLINE_INTEGRITY_THRESHOLDS = {
        **settings.PORTLINE_INTEGRITY_THRESHOLDS,
        "staff_burst_people": 20,
    }
    staff = UserFactory(role=Role.PARTNER_STAFF)
    slow = UserFactory(role=Role.PARTNER_STAFF)
    start = clock.now() - dt.timedelta(days=1)
    for i in range(10):  # 20 people in ten minutes
        planted_group(
            f"B{i}",
            owner=None,
            partner=staff.partner,
            created_by=staff,
            created_at=start + dt.timedelta(minutes=i),
        )
        planted_group(  # 20 people over ten hours: a busy shelter, not a burst
            f"S{i}",
            owner=None,
            partner=slow.partner,
            created_by=slow,
            created_at=start + dt.timedelta(hours=i),
        )
    services.integrity_scan()
    [flag] = _flags(FlagKind.STAFF_BURST)
    assert flag.params["staff"] == staff.pk and flag.params["count"] == 20


def test_stored_geofence_signals_become_flags():
    reg = planted_group("Uno")
    check = LocationCheck.objects.create(
        registration=reg,
        actor=reg.created_by,
        purpose="request",
        checked_at=clock.now(),
        verdict="inside",
        engine_version="1",
    )
    for kind in ("impossible_travel", "shared_device", "border_band"):
        LocationSignal.objects.create(check_record=check, registration=reg, kind=kind)
    services.integrity_scan()
    assert sorted(Flag.objects.values_list("kind", flat=True)) == [
        FlagKind.GEO_IMPOSSIBLE_TRAVEL,
        FlagKind.GEO_SHARED_DEVICE,
    ]


def test_new_registration_is_checked_against_everything_before_it():
    groups = _ring(9)
    services.integrity_scan()
    assert _flags(FlagKind.ADDRESS_HUB) == []
    tenth = planted_group(
        "Nuevo", us_address_line1="742 Evergreen Ter", us_zip="77002", us_address_line2="Apt 2"
    )
    assert services.registration_check(registration_id=tenth.pk) == 1
    [flag] = _flags(FlagKind.ADDRESS_HUB)
    assert set(flag.subjects.values_list("registration_id", flat=True)) == {
        g.pk for g in [*groups, tenth]
    }
    eleventh = planted_group(
        "Otro Mas",
        us_address_line1="742 Evergreen Terrace",
        us_address_line2="Apt 2",
        us_zip="77002",
    )
    assert services.registration_check(registration_id=eleventh.pk) == 0  # same flag, extended
    flag.refresh_from_db()
    assert flag.params["count"] == 11 and flag.subjects.count() == 11
    assert services.integrity_scan().flags_created == 0


def test_submission_queues_the_check_after_commit(django_capture_on_commit_callbacks):
    from portline.registrations.services import evidence_upload, person_add, registration_create
    from tests.factories import complete_person_data

    applicant = UserFactory()
    reg = registration_create(
        actor=applicant,
        data={
            "basis": "safety",
            "us_address_line1": "1 Main St",
            "us_city": "Houston",
            "us_state": "TX",
            "us_zip": "77002",
        },
    )
    person = person_add(actor=applicant, registration=reg, data=complete_person_data())
    evidence_upload(
        actor=applicant,
        registration=reg,
        person=person,
        kind="photo",
        filename="me.png",
        content=png_bytes(),
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.registration_submit_and_check(actor=applicant, registration=reg)
    assert DBTaskResult.objects.count() == 0  # nothing queued before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("integrity_check_registration")
    assert task.args_kwargs["kwargs"] == {"registration_id": reg.pk}


# --- Workflow ------------------------------------------------------------------------------


@pytest.fixture
def flag():
    _ring(10)
    services.integrity_scan()
    return Flag.objects.get()


def test_assign_then_decide_with_a_reason_is_audited(flag, supervisor):
    services.flag_assign(actor=supervisor, flag=flag)
    flag.refresh_from_db()
    assert flag.state == FlagState.UNDER_REVIEW and flag.assigned_to == supervisor
    services.flag_decide(actor=supervisor, flag=flag, outcome="confirmed", reason="Known ring.")
    flag.refresh_from_db()
    assert flag.state == FlagState.CONFIRMED and flag.decision_reason == "Known ring."
    actions = list(
        AuditRecord.objects.filter(target_id=str(flag.pk), target_type="integrity.flag")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["integrity.flag.raise", "integrity.flag.assign", "integrity.flag.decide"]


def test_decision_without_reason_or_twice_is_refused_and_stores_nothing(flag, supervisor):
    before = AuditRecord.objects.count()
    with pytest.raises(ValidationFailed) as error:
        services.flag_decide(actor=supervisor, flag=flag, outcome="cleared", reason="   ")
    assert "reason" in error.value.errors
    with pytest.raises(ValidationFailed):
        services.flag_decide(actor=supervisor, flag=flag, outcome="maybe", reason="x")
    assert AuditRecord.objects.count() == before
    flag.refresh_from_db()
    assert flag.state == FlagState.OPEN
    services.flag_decide(actor=supervisor, flag=flag, outcome="cleared", reason="A shelter.")
    after = AuditRecord.objects.count()
    with pytest.raises(Conflict):
        services.flag_decide(actor=supervisor, flag=flag, outcome="confirmed", reason="Again.")
    with pytest.raises(Conflict):
        services.flag_assign(actor=supervisor, flag=flag)
    assert AuditRecord.objects.count() == after
    flag.refresh_from_db()
    assert flag.state == FlagState.CLEARED and flag.decision_reason == "A shelter."


def test_only_supervisors_decide(flag):
    officer = UserFactory(role=Role.OFFICER)
    with pytest.raises(PermissionDenied):
        services.flag_decide(actor=officer, flag=flag, outcome="cleared", reason="x")
    with pytest.raises(PermissionDenied):
        services.flag_assign(actor=officer, flag=flag)


def test_the_scan_links_people_too_unless_told_not_to():
    from portline.linkage.models import LinkageRun

    _ring(4)
    rules_only = services.integrity_scan(link=False)
    assert "linkage" not in rules_only.steps_done and not LinkageRun.objects.exists()
    full = services.integrity_scan(resume=False)
    assert full.steps_done[-1] == "linkage"
    assert LinkageRun.objects.filter(finished_at__isnull=False).count() == 1
