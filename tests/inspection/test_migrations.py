"""The data migration that turns an arrival's bare appointment number into a foreign key."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from freezegun import freeze_time

from tests.factories.inspection import confirmed_appointment, port_staff

BEFORE = [("inspection", "0002_inspection_settings_row")]
AFTER = [("inspection", "0003_arrival_appointment_foreign_key")]


@pytest.fixture
def _newest_migrations_after():
    """Afterwards back to every app's newest migration, not just AFTER: a later migration of
    this app (inspection 0004 and on) would otherwise stay unapplied for every test after this
    one in the process (the topology test's servers then answered "not ready")."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("_newest_migrations_after")
@freeze_time("2025-06-05 19:00:00")
def test_bare_appointment_numbers_become_foreign_keys():
    officer = port_staff("SYS")
    appointment = confirmed_appointment(size=2)
    first, second = appointment.registration.people.order_by("position")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Arrival = old.get_model("inspection", "Arrival")
    common = {
        "port_id": appointment.port_id,
        "service_date": appointment.service_date,
        "kind": "appointment",
        "status": "arrived",
        "recorded_by_id": officer.pk,
    }
    linked = Arrival.objects.create(person_id=first.pk, appointment_ref=appointment.pk, **common)
    dangling = Arrival.objects.create(person_id=second.pk, appointment_ref=999_999, **common)
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("inspection", "Arrival")
    assert new.objects.get(pk=linked.pk).appointment_id == appointment.pk
    kept = new.objects.get(pk=dangling.pk)
    assert kept.appointment_id is None and "[appointment 999999 not found]" in kept.note
