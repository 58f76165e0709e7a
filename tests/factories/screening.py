"""Factories and helpers for screening tests."""

from __future__ import annotations

import datetime as dt

import factory

from portline.common import clock
from portline.screening.importer import ParsedList, check_row
from portline.screening.models import Watchlist
from portline.screening.services import watchlist_import
from tests.factories import PersonFactory, RegistrationFactory


class WatchlistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Watchlist

    name = factory.Sequence(lambda n: f"list-{n}")
    source = "test"


def watchlist_with(name: str, rows: list[dict], actor=None) -> Watchlist:
    """Import `rows` (dicts with importer keys) as list `name` through the real service."""
    parsed = ParsedList()
    for raw in rows:
        row, problems = check_row(raw, today=dt.date(2026, 1, 1))
        assert not problems, problems
        parsed.rows.append(row)
    return watchlist_import(actor=actor, name=name, parsed=parsed).watchlist


def person_at_port(port, **person_fields):
    """A submitted registration with an appointment at `port` (so its officers may see it),
    with one person."""
    from tests.factories.inspection import confirmed_appointment

    registration = RegistrationFactory(status="submitted", submitted_at=clock.now())
    person = PersonFactory(registration=registration, position=1, **person_fields)
    confirmed_appointment(people=[person], port_code=port.code)
    return person
