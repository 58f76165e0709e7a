"""`portline demo load`: accounts, a whole allocation cycle through the real services, once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from portline.allocation.models import BeaconSource, Round, RoundStatus
from portline.appointments.models import Appointment, AppointmentStatus, PersonConfirmation
from portline.audit.models import AuditRecord
from portline.common import clock
from portline.geofence.models import LocationCheck
from portline.registrations.models import AppointmentRequest
from portline.scheduling.models import Port
from portline.scheduling.selectors import program_settings_get
from portline.synthetic.load import demo_cycle_dates, demo_load

pytestmark = pytest.mark.django_db

COUNT = 40  # registrations: small enough to keep the test quick


def _counts() -> dict[str, int]:
    return {
        "rounds": Round.objects.count(),
        "requests": AppointmentRequest.objects.count(),
        "appointments": Appointment.objects.count(),
        "confirmations": PersonConfirmation.objects.count(),
        "checks": LocationCheck.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


def test_demo_load_runs_the_whole_cycle_and_is_idempotent():
    logins, people, cycle = demo_load(registrations=COUNT)
    assert {login.role for login in logins} == {
        "applicant",
        "partner_staff",
        "officer",
        "supervisor",
        "program_admin",
        "analyst",
        "oversight",
        "partner_admin",
        "transport",
    }
    assert people > COUNT
    assert cycle is not None and cycle.created

    dates = demo_cycle_dates()
    sys_port = Port.objects.get(code="SYS")
    today = clock.today_in(sys_port.time_zone)
    assert dates["today"] + dt.timedelta(days=program_settings_get().service_days_ahead) == today

    drawn = Round.objects.get(round_date=dates["today"])
    assert drawn.status == RoundStatus.DRAWN and drawn.beacon_source == BeaconSource.LOCAL
    assert drawn.service_date == today and drawn.selected_requests > 0
    recent = Round.objects.get(round_date=dates["tomorrow"])
    assert recent.status == RoundStatus.DRAWN and recent.service_date == today + dt.timedelta(
        days=1
    )
    waiting = Round.objects.get(round_date=dates["waiting"])
    assert (
        waiting.status == RoundStatus.FROZEN
        and waiting.beacon_source == BeaconSource.DRAND
        and not waiting.beacon_value
    )

    # The SYS officer has confirmed arrivals today and tomorrow, every person confirmed.
    at_sys = Appointment.objects.filter(port=sys_port, status=AppointmentStatus.CONFIRMED)
    assert at_sys.filter(service_date=today).exists()
    assert at_sys.filter(service_date=today + dt.timedelta(days=1)).exists()
    for appointment in Appointment.objects.filter(status=AppointmentStatus.CONFIRMED):
        assert appointment.confirmations.count() == appointment.registration.people.count()
    # Every check went through the geofence and was accepted.
    assert set(LocationCheck.objects.values_list("verdict", flat=True)) <= {
        "inside",
        "inside_border_band",
    }

    # The demo applicant won and can still confirm in the browser; a few others wait too.
    mine = Appointment.objects.get(registration__owner__login="applicant@demo.portline.test")
    assert mine.status == AppointmentStatus.OFFERED and mine.confirm_by > clock.now()
    assert Appointment.objects.filter(status=AppointmentStatus.OFFERED).count() > 1
    assert cycle.confirmed == Appointment.objects.filter(status=AppointmentStatus.CONFIRMED).count()

    before = _counts()
    _logins, again_people, again = demo_load(registrations=COUNT)
    assert again_people == 0 and again is not None and not again.created
    assert _counts() == before


def test_demo_load_command_prints_the_summary():
    out = io.StringIO()
    call_command("demo_load", registrations=20, stdout=out)
    text = out.getvalue()
    assert "3 rounds" in text and "confirmed" in text and "officer@demo.portline.test" in text
    out = io.StringIO()
    call_command("demo_load", registrations=20, stdout=out)
    assert "Already loaded (nothing new)" in out.getvalue()


def test_clock_frozen_only_inside_the_block():
    at = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    with clock.frozen(at):
        assert clock.now() == at
        assert clock.today_in("America/Los_Angeles") == dt.date(2026, 1, 1)
    from django.utils import timezone

    assert abs((clock.now() - timezone.now()).total_seconds()) < 5
    with pytest.raises(ValueError, match="aware"):
        with clock.frozen(dt.datetime(2026, 1, 2)):
            pass


def test_demo_watchlist_hits_people_arriving_today_and_the_analyst_lands_on_what_they_see(
    client,
):
    from django.urls import reverse

    from portline.accounts.models import User
    from portline.portals.accounts.views import home_url_for
    from portline.screening.models import Watchlist
    from portline.screening.services import screening_run_for_person
    from portline.synthetic.load import DEMO_WATCHLIST
    from tests.conftest import verified_login

    demo_load(registrations=COUNT)
    watchlist = Watchlist.objects.get(name=DEMO_WATCHLIST)
    sys_port = Port.objects.get(code="SYS")
    arrivals = Appointment.objects.filter(
        port=sys_port,
        service_date=clock.today_in(sys_port.time_zone),
        status=AppointmentStatus.CONFIRMED,
    ).order_by("slot_starts_at", "pk")
    first = arrivals.first().registration.people.order_by("position").first()
    run = screening_run_for_person(actor=None, person=first)
    assert run.hits.filter(entry__watchlist=watchlist).exists()
    last = arrivals.last().registration.people.order_by("position").first()
    before = watchlist.entries.count()
    demo_load(registrations=COUNT)  # loading again adds nothing
    assert Watchlist.objects.filter(name=DEMO_WATCHLIST).count() == 1
    assert Watchlist.objects.get(name=DEMO_WATCHLIST).entries.count() == before
    assert last is not None

    analyst = User.objects.get(login="analyst@demo.portline.test")
    assert home_url_for(analyst) == reverse("analysis:home")
    page = verified_login(client, analyst).get(reverse("analysis:home")).content.decode()
    assert "As an analyst you see aggregate figures only" in page
