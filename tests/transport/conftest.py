from __future__ import annotations

import datetime as dt

import pytest

from portline.accounts.models import Role
from portline.scheduling.models import Port
from portline.transport.models import Route
from tests.factories import UserFactory
from tests.factories.inspection import confirmed_appointment, submitted_group

DAY = dt.date(2026, 12, 6)


def make_route(city: str = "Reynosa", port: str = "HID", **fields) -> Route:
    defaults = {
        "departure_time_zone": "America/Matamoros",
        "operator_name": "Transporte Escoltado",
        "operator_language": "es",
        "travel_minutes": 25,
        "margin_minutes": 45,
        "vehicle_capacity": 15,
    }
    return Route.objects.create(
        departure_city=city, port=Port.objects.get(code=port), **(defaults | fields)
    )


def family(size: int, *, port: str = "HID", slot_hour: int = 9, day: dt.date = DAY, **fields):
    people = submitted_group(size, **fields)
    appointment = confirmed_appointment(
        people=people, port_code=port, service_date=day, slot_hour=slot_hour
    )
    return appointment, people


@pytest.fixture
def coordinator(db):
    return UserFactory(role=Role.TRANSPORT_COORDINATOR, display_name="Coordinator")
