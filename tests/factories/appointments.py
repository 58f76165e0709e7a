"""Builders for appointment tests: a submitted registration, a drawn round's selections."""

from __future__ import annotations

import datetime as dt
import itertools

from portline.allocation.models import Round, RoundSelection
from portline.common import clock
from portline.registrations.models import AppointmentRequest, Registration
from portline.scheduling.models import Port
from tests.factories import PersonFactory, RegistrationFactory, UserFactory

TIJUANA = (32.5149, -117.0382)
_keys = itertools.count(1)


def submitted_registration(
    *, owner=None, people=1, language="es", date_of_birth=dt.date(1990, 5, 17)
) -> Registration:
    owner = owner or UserFactory()
    registration = RegistrationFactory(
        owner=owner, created_by=owner, status="submitted", submitted_at=clock.now()
    )
    for position in range(1, people + 1):
        PersonFactory(
            registration=registration,
            position=position,
            preferred_language=language,
            given_names=f"Ana{position}",
            date_of_birth=date_of_birth,
        )
    return registration


def drawn_round(*, round_date=dt.date(2026, 11, 22), service_date=dt.date(2026, 12, 6)) -> Round:
    return Round.objects.create(
        round_date=round_date,
        service_date=service_date,
        fingerprint="f" * 64,
        request_salt="s" * 32,
    )


def selection(
    *, round: Round, registration: Registration, outcome="selected", rank=1, port_code="SYS"
) -> RoundSelection:
    port = Port.objects.get(code=port_code)
    request = AppointmentRequest.objects.create(
        registration=registration,
        round_date=round.round_date,
        first_port=port,
        idempotency_key=f"k{next(_keys)}",
        requested_by=registration.owner,
        status=outcome,
    )
    return RoundSelection.objects.create(
        round=round,
        request=request,
        port=port,
        service_date=round.service_date,
        group_size=registration.people.count(),
        outcome=outcome,
        rank=rank,
    )
