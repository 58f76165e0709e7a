import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import translation
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from portline.accounts.models import Role
from portline.allocation.models import RoundSelection
from portline.appointments import services
from portline.appointments.models import Appointment, AppointmentStatus
from portline.appointments.notifications import LocmemSmsSender
from portline.appointments.selectors import appointment_live_for, appointment_progress, format_day
from portline.appointments.tasks import appointments_expire_task, appointments_notify
from portline.audit.models import AuditRecord
from portline.common.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from portline.common.zones import time_with_place
from tests.factories import PDF_BYTES, UserFactory, png_bytes
from tests.factories.appointments import TIJUANA, drawn_round, selection, submitted_registration

pytestmark = pytest.mark.django_db
NOW = "2026-11-22T17:00:00Z"
PHOTO = png_bytes(size=(320, 240))


def _offer(*, people=(1,), standby=()):
    """A round with selected groups of the given sizes (in rank order) and standby groups."""
    round_ = drawn_round()
    for rank, size in enumerate(people, start=1):
        selection(round=round_, registration=submitted_registration(people=size), rank=rank)
    for rank, size in enumerate(standby, start=1):
        selection(
            round=round_,
            registration=submitted_registration(people=size),
            outcome="standby",
            rank=rank,
        )
    return round_, services.appointments_offer_for_round(actor=None, round=round_)


def _confirm_all(appointment):
    owner = appointment.registration.owner
    for person in appointment.registration.people.order_by("position"):
        services.appointment_person_confirm(
            actor=owner,
            appointment=appointment,
            person=person,
            photo=PHOTO,
            latitude=TIJUANA[0],
            longitude=TIJUANA[1],
            accuracy_m=25,
        )
    appointment.refresh_from_db()
    return appointment


@freeze_time(NOW)
def test_offer_creates_one_appointment_per_selected_group_with_deadline_and_tasks():
    round_, created = _offer(people=(3, 1, 2), standby=(1,))
    assert len(created) == 3
    assert RoundSelection.objects.filter(outcome="standby", appointment__isnull=True).count() == 1
    for appointment in created:
        assert appointment.status == AppointmentStatus.OFFERED
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", appointment.confirmation_number)
        assert appointment.confirm_by == dt.datetime(2026, 11, 23, 16, 0, tzinfo=dt.UTC)  # 23 hours
        assert appointment.group_size == appointment.registration.people.count()
    assert len({a.confirmation_number for a in created}) == 3
    expiry = DBTaskResult.objects.filter(
        task_path="portline.appointments.tasks.appointments_expire_task"
    )
    assert [t.run_after for t in expiry] == [dt.datetime(2026, 11, 23, 16, 0, tzinfo=dt.UTC)]
    assert (
        DBTaskResult.objects.filter(
            task_path="portline.appointments.tasks.appointments_notify"
        ).count()
        == 1
    )
    assert AuditRecord.objects.filter(action="appointments.round.offer").count() == 1
    # Running it again (a retried draw) offers nothing more.
    assert services.appointments_offer_for_round(actor=None, round=round_) == []
    assert Appointment.objects.count() == 3


@freeze_time(NOW)
def test_slots_follow_published_order_and_never_split_a_group():
    _round, created = _offer(people=(10,) * 12)
    by_rank = sorted(created, key=lambda a: a.selection.rank)
    starts = [a.slot_starts_at for a in by_rank]
    assert starts == sorted(starts)
    # San Ysidro: 06:00-18:00 Pacific (24 slots of 30 min) for 385 people.
    assert by_rank[0].slot_starts_at == dt.datetime(2026, 12, 6, 14, 0, tzinfo=dt.UTC)
    assert all(a.slot_ends_at - a.slot_starts_at == dt.timedelta(minutes=30) for a in created)
    assert by_rank[-1].slot_starts_at < dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


@freeze_time(NOW)
def test_each_person_confirms_then_the_appointment_is_confirmed():
    _round, (appointment,) = _offer(people=(2,))
    owner = appointment.registration.owner
    first, second = appointment.registration.people.order_by("position")
    services.appointment_person_confirm(
        actor=owner,
        appointment=appointment,
        person=first,
        photo=PHOTO,
        latitude=TIJUANA[0],
        longitude=TIJUANA[1],
        accuracy_m=20,
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.OFFERED
    assert [p.confirmed for p in appointment_progress(appointment)] == [True, False]
    with pytest.raises(Conflict):
        services.appointment_person_confirm(
            actor=owner,
            appointment=appointment,
            person=first,
            photo=PHOTO,
            latitude=TIJUANA[0],
            longitude=TIJUANA[1],
        )
    confirmation = services.appointment_person_confirm(
        actor=owner,
        appointment=appointment,
        person=second,
        photo=PHOTO,
        latitude=TIJUANA[0],
        longitude=TIJUANA[1],
        accuracy_m=30,
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED and appointment.confirmed_at
    assert confirmation.latitude == TIJUANA[0] and confirmation.location_check_id
    assert default_storage.exists(confirmation.photo.name)
    assert confirmation.photo.name.startswith("confirmations/")
    actions = list(AuditRecord.objects.order_by("id").values_list("action", flat=True))
    assert actions.count("appointments.person.confirm") == 2
    assert actions[-1] == "appointments.appointment.confirm"
    assert "geofence.check.record" in actions


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("photo", "lat", "lon", "field"),
    [
        (PDF_BYTES, TIJUANA[0], TIJUANA[1], "photo"),
        (b"", TIJUANA[0], TIJUANA[1], "photo"),
        (png_bytes(size=(20, 20)), TIJUANA[0], TIJUANA[1], "photo"),
        (PHOTO, None, None, "location"),
        (PHOTO, 95.0, 10.0, "location"),
    ],
)
def test_confirmation_refuses_bad_photo_or_location(photo, lat, lon, field):
    _round, (appointment,) = _offer()
    person = appointment.registration.people.get()
    with pytest.raises(ValidationFailed) as info:
        services.appointment_person_confirm(
            actor=appointment.registration.owner,
            appointment=appointment,
            person=person,
            photo=photo,
            latitude=lat,
            longitude=lon,
        )
    assert field in info.value.errors
    assert not appointment.confirmations.exists()


def test_confirmation_outside_the_service_area_is_refused_and_the_check_is_kept():
    with freeze_time(NOW):
        _round, (appointment,) = _offer()
        person = appointment.registration.people.get()
        with pytest.raises(ApplicationError) as info:
            services.appointment_person_confirm(
                actor=appointment.registration.owner,
                appointment=appointment,
                person=person,
                photo=PHOTO,
                latitude=17.06,
                longitude=-96.72,
                accuracy_m=20,  # Oaxaca
            )
    assert info.value.code == "outside_service_area"
    assert AuditRecord.objects.filter(action="geofence.check.record").exists()
    assert not appointment.confirmations.exists()


def test_confirmation_after_the_deadline_or_by_others_is_refused():
    with freeze_time(NOW):
        _round, (appointment,) = _offer()
    person = appointment.registration.people.get()
    officer = UserFactory(role=Role.OFFICER)
    with freeze_time(NOW), pytest.raises(PermissionDenied):
        services.appointment_person_confirm(
            actor=officer,
            appointment=appointment,
            person=person,
            photo=PHOTO,
            latitude=TIJUANA[0],
            longitude=TIJUANA[1],
        )
    with freeze_time("2026-11-23T16:00:01Z"), pytest.raises(ApplicationError) as info:
        services.appointment_person_confirm(
            actor=appointment.registration.owner,
            appointment=appointment,
            person=person,
            photo=PHOTO,
            latitude=TIJUANA[0],
            longitude=TIJUANA[1],
        )
    assert info.value.code == "deadline_passed"


def test_expiry_frees_places_for_standby_in_published_order():
    with freeze_time(NOW):
        _round, (expiring, kept) = _offer(people=(3, 1), standby=(4, 2, 1))
        _confirm_all(kept)
    with freeze_time("2026-11-23T15:59:00Z"):
        assert appointments_expire_task.call() == 0
    with freeze_time("2026-11-23T16:00:00Z"):
        assert appointments_expire_task.call() == 1
        assert services.appointments_expire_due() == []  # idempotent: the sweep finds nothing more
    expiring.refresh_from_db()
    kept.refresh_from_db()
    assert (
        expiring.status == AppointmentStatus.EXPIRED and kept.status == AppointmentStatus.CONFIRMED
    )
    assert appointment_live_for(expiring.registration) is None  # back to requesting, no penalty
    standby = list(
        RoundSelection.objects.filter(round=_round)
        .exclude(rank__in=[])
        .order_by("rank")
        .filter(request__registration__appointments__isnull=True, outcome="standby")
    )
    promoted = Appointment.objects.exclude(pk__in=[expiring.pk, kept.pk]).order_by("id")
    # 3 places: the group of 4 is skipped (never split), the groups of 2 and 1 move up.
    assert [a.group_size for a in promoted] == [2, 1]
    assert [a.selection.rank for a in promoted] == [2, 3]
    assert [s.group_size for s in standby] == [4]
    for appointment in promoted:
        assert appointment.status == AppointmentStatus.OFFERED
        assert appointment.slot_starts_at == expiring.slot_starts_at
        assert appointment.confirm_by == dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)
    assert AuditRecord.objects.filter(action="appointments.appointment.expire").count() == 1
    assert AuditRecord.objects.filter(action="appointments.places.release").count() == 1


def test_expire_command_sweeps_overdue_appointments(capsys):
    from django.core.management import call_command

    with freeze_time(NOW):
        _offer(people=(1, 1))
    with freeze_time("2026-11-24T00:00:00Z"):
        call_command("appointments_expire", "--dry-run")
        assert Appointment.objects.filter(status="offered").count() == 2
        call_command("appointments_expire")
        call_command("appointments_expire")
    out = capsys.readouterr().out
    assert "Would expire 2" in out and "Expired 2" in out and "Expired 0" in out
    assert Appointment.objects.filter(status="expired").count() == 2


@freeze_time(NOW)
def test_cancel_gives_places_to_standby():
    _round, (appointment,) = _offer(people=(2,), standby=(2,))
    services.appointment_cancel(actor=appointment.registration.owner, appointment=appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert Appointment.objects.filter(status="offered").count() == 1
    with pytest.raises(Conflict):
        services.appointment_cancel(actor=appointment.registration.owner, appointment=appointment)


@freeze_time(NOW)
def test_notifications_are_sent_in_the_persons_language():
    _round, (appointment,) = _offer()
    appointments_notify.call(appointment_ids=[appointment.pk], event="offered")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [appointment.registration.owner.email]
    assert message.subject == "Tiene una cita que confirmar"
    assert "San Ysidro" in message.body and "6 de diciembre de 2026" in message.body
    assert LocmemSmsSender.outbox and LocmemSmsSender.outbox[0]["to"] == "+525512345678"
    _confirm_all(appointment)
    appointments_notify.call(appointment_ids=[appointment.pk], event="confirmed")
    assert appointment.confirmation_number_display in mail.outbox[-1].body


@freeze_time(NOW)
def test_notifications_in_haitian_creole():
    round_ = drawn_round()
    selection(round=round_, registration=submitted_registration(language="ht"))
    (appointment,) = services.appointments_offer_for_round(actor=None, round=round_)
    assert appointment.language == "ht"
    appointments_notify.call(appointment_ids=[appointment.pk], event="expired")
    assert "6 desanm 2026" in mail.outbox[0].body
    assert mail.outbox[0].subject != "Your appointment was not confirmed in time"


def test_the_real_draw_offers_appointments_to_every_selected_group():
    from portline.allocation import services as allocation
    from tests.factories.allocation import RequestSpec, make_requests

    admin = UserFactory(role=Role.PROGRAM_ADMIN)
    round_date = dt.date(2026, 11, 20)
    with freeze_time(NOW):
        make_requests(round_date, [RequestSpec(size=s) for s in (3, 2, 1, 4, 2, 1)])
        allocation.round_freeze(actor=admin, round_date=round_date, beacon_source="local")
        allocation.round_beacon_set(actor=admin, round_date=round_date, value="ab" * 32, local=True)
        round_ = services.round_draw(actor=admin, round_date=round_date)
    selected = RoundSelection.objects.filter(round=round_, outcome="selected")
    assert selected.exists()
    assert set(Appointment.objects.values_list("selection_id", flat=True)) == set(
        selected.values_list("pk", flat=True)
    )
    assert all(a.status == AppointmentStatus.OFFERED for a in Appointment.objects.all())


# The worker closes database connections between tasks, so this test cannot run inside the
# test's own transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_task_worker_sends_offers_and_expires_at_the_deadline():
    from django.core.management import call_command

    with freeze_time(NOW):
        _round, (appointment,) = _offer(standby=(1,))
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
        assert [m.subject for m in mail.outbox] == ["Tiene una cita que confirmar"]
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.OFFERED  # the expiry task waits for its time
    with freeze_time("2026-11-23T16:00:05Z"):
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.EXPIRED
    promoted = Appointment.objects.exclude(pk=appointment.pk).get()
    assert promoted.status == AppointmentStatus.OFFERED
    # The expiry notice went to the first group, the offer to the group moved up.
    assert sorted(m.subject for m in mail.outbox[1:]) == [
        "Su cita no se confirmó a tiempo",
        "Tiene una cita que confirmar",
    ]
    assert not DBTaskResult.objects.filter(status="FAILED").exists()


def test_round_draw_offers_inside_the_draws_transaction(monkeypatch):
    from portline.allocation import services as allocation
    from tests.factories.allocation import RequestSpec, make_requests

    admin = UserFactory(role=Role.PROGRAM_ADMIN)
    round_date = dt.date(2026, 11, 20)
    seen = []
    monkeypatch.setattr(
        services,
        "appointments_offer_for_round",
        lambda *, actor, round: seen.append(round.status),
    )
    with freeze_time(NOW):
        make_requests(round_date, [RequestSpec(size=2), RequestSpec()])
        allocation.round_freeze(actor=admin, round_date=round_date, beacon_source="local")
        allocation.round_beacon_set(actor=admin, round_date=round_date, value="ab" * 32, local=True)
        services.round_draw(actor=admin, round_date=round_date)
    assert seen == ["drawn"]


def test_a_failed_offer_undoes_the_draw(monkeypatch):
    from portline.allocation import services as allocation
    from portline.allocation.models import Round, RoundStatus
    from tests.factories.allocation import RequestSpec, make_requests

    def refuse(*, actor, round):
        raise ApplicationError("offers failed", code="test_fault")

    admin = UserFactory(role=Role.PROGRAM_ADMIN)
    round_date = dt.date(2026, 11, 20)
    with freeze_time(NOW):
        make_requests(round_date, [RequestSpec(size=2)])
        allocation.round_freeze(actor=admin, round_date=round_date, beacon_source="local")
        allocation.round_beacon_set(actor=admin, round_date=round_date, value="ab" * 32, local=True)
        monkeypatch.setattr(services, "appointments_offer_for_round", refuse)
        with pytest.raises(ApplicationError):
            services.round_draw(actor=admin, round_date=round_date)
    assert Round.objects.get(round_date=round_date).status == RoundStatus.SEEDED
    assert not RoundSelection.objects.filter(round__round_date=round_date).exists()


@freeze_time(NOW)
@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_notifications_in_every_offered_language(language):
    """E-mail and SMS in the applicant's language, dated in it, timed by the port's name."""
    round_ = drawn_round()
    selection(round=round_, registration=submitted_registration(language=language))
    (appointment,) = services.appointments_offer_for_round(actor=None, round=round_)
    assert appointment.language == language
    appointments_notify.call(appointment_ids=[appointment.pk], event="offered")
    body = mail.outbox[0].body
    assert format_day(appointment.service_date, language) in body
    with translation.override(language):
        place = time_with_place("", appointment.port.name)
    assert place in body and place in LocmemSmsSender.outbox[-1]["body"]
    assert "America/" not in body
