"""Builders for allocation tests: many submitted registrations with requests, in bulk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portline.registrations.models import (
    AppointmentRequest,
    Person,
    Registration,
    RegistrationStatus,
)
from portline.scheduling.models import Port
from tests.factories import PersonFactory, UserFactory


@dataclass
class RequestSpec:
    size: int = 1
    first: str = "SYS"
    second: str | None = None
    registered_on: dt.date = dt.date(2024, 1, 10)
    nationality: str = "HN"


_counter = {"n": 0}


def make_requests(
    round_date: dt.date, specs: list[RequestSpec], owner=None
) -> list[AppointmentRequest]:
    """Submitted registrations (with `size` people each) and one pending request per spec."""
    owner = owner or UserFactory()
    ports = {p.code: p for p in Port.objects.all()}
    base = _counter["n"]
    _counter["n"] += len(specs)
    registrations = []
    for i, spec in enumerate(specs):
        at = dt.datetime.combine(spec.registered_on, dt.time(15, 0), tzinfo=dt.UTC)
        registrations.append(
            Registration(
                reference=f"ALC{base + i:07d}",
                owner=owner,
                created_by=owner,
                status=RegistrationStatus.SUBMITTED,
                basis="safety",
                us_address_line1="1 Main St",
                us_city="Houston",
                us_state="TX",
                us_zip="77002",
                created_at=at,
                updated_at=at,
                submitted_at=at,
            )
        )
    Registration.objects.bulk_create(registrations)
    registrations = list(
        Registration.objects.filter(reference__in=[r.reference for r in registrations]).order_by(
            "reference"
        )
    )
    template = {name: PersonFactory._meta.declarations[name] for name in Person.REQUIRED_TO_SUBMIT}
    people = [
        Person(
            registration=registration,
            position=position,
            **{**template, "nationality": spec.nationality},
        )
        for registration, spec in zip(registrations, specs, strict=True)
        for position in range(1, spec.size + 1)
    ]
    Person.objects.bulk_create(people, batch_size=2000)
    requests = [
        AppointmentRequest(
            registration=registration,
            round_date=round_date,
            first_port=ports[spec.first],
            second_port=ports[spec.second] if spec.second else None,
            idempotency_key=f"alloc-{base + i}",
            requested_by=owner,
        )
        for i, (registration, spec) in enumerate(zip(registrations, specs, strict=True))
    ]
    AppointmentRequest.objects.bulk_create(requests, batch_size=2000)
    return list(
        AppointmentRequest.objects.filter(registration__in=registrations).order_by(
            "registration__reference"
        )
    )
