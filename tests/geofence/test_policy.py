"""Policy versions: shipped history, adding versions, never editing one in force (service and admin)."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.common.errors import Conflict, PermissionDenied, ValidationFailed
from portline.geofence import engine
from portline.geofence.models import ServiceAreaPolicy
from portline.geofence.selectors import policy_in_force
from portline.geofence.services import policy_version_create, policy_version_update
from tests.conftest import verified_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = "2026-03-01 12:00:00"
ALL = sorted(engine.default_index().codes())


@pytest.fixture
def admin_user():
    return UserFactory(role=Role.PROGRAM_ADMIN)


def _data(**overrides):
    data = {
        "name": "Everyone everywhere",
        "effective_from": dt.datetime(2026, 4, 1, 6, tzinfo=dt.UTC),
        "states_mexican_nationals": ALL,
        "states_others": ALL,
        "source": "test",
    }
    data.update(overrides)
    return data


def test_the_reported_history_ships_as_data():
    versions = list(ServiceAreaPolicy.objects.order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    v1, v2 = versions
    assert v1.effective_to == v2.effective_from == dt.datetime(2024, 8, 23, 6, tzinfo=dt.UTC)
    assert v1.effective_from == dt.datetime(2023, 1, 12, 6, tzinfo=dt.UTC)
    south = {"MX-CAM", "MX-CHP", "MX-GRO", "MX-OAX", "MX-ROO", "MX-TAB", "MX-VER", "MX-YUC"}
    assert set(v1.states_others) == set(v1.states_mexican_nationals) == set(ALL) - south
    assert len(v1.states_others) == 24 and len(ALL) == 32
    assert set(v2.states_mexican_nationals) == set(ALL)
    assert set(v2.states_others) == set(v1.states_others) | {"MX-CHP", "MX-TAB"}
    assert {"MX-OAX", "MX-VER", "MX-GRO"}.isdisjoint(v2.states_others)
    assert policy_in_force(at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).version == 1
    assert policy_in_force(at=dt.datetime(2022, 1, 1, tzinfo=dt.UTC)) is None


@freeze_time(NOW)
def test_a_new_version_closes_the_open_one_and_takes_over_at_its_start(admin_user):
    policy = policy_version_create(actor=admin_user, data=_data())
    assert policy.version == 3 and policy.created_by == admin_user
    v2 = ServiceAreaPolicy.objects.get(version=2)
    assert v2.effective_to == policy.effective_from
    assert policy_in_force(at=dt.datetime(2026, 3, 31, tzinfo=dt.UTC)).version == 2
    assert policy_in_force(at=dt.datetime(2026, 4, 2, tzinfo=dt.UTC)).version == 3
    actions = list(AuditRecord.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["geofence.policy.close", "geofence.policy.create"]


@freeze_time(NOW)
def test_a_version_cannot_start_in_the_past_or_name_unknown_states(admin_user):
    with pytest.raises(ValidationFailed) as info:
        policy_version_create(
            actor=admin_user, data=_data(effective_from=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
        )
    assert "effective_from" in info.value.errors
    with pytest.raises(ValidationFailed) as info:
        policy_version_create(
            actor=admin_user, data=_data(states_others=["MX-XYZ"], states_mexican_nationals=[])
        )
    assert set(info.value.errors) == {"states_others", "states_mexican_nationals"}
    with pytest.raises(PermissionDenied):
        policy_version_create(actor=UserFactory(role=Role.ANALYST), data=_data())
    assert ServiceAreaPolicy.objects.count() == 2


@freeze_time(NOW)
def test_versions_in_force_never_change_future_ones_may(admin_user):
    v2 = ServiceAreaPolicy.objects.get(version=2)
    with pytest.raises(Conflict) as info:
        policy_version_update(actor=admin_user, policy=v2, data={"states_others": ALL})
    assert info.value.code == "policy_in_effect"
    future = policy_version_create(actor=admin_user, data=_data())
    moved = policy_version_update(
        actor=admin_user,
        policy=future,
        data={"effective_from": dt.datetime(2026, 5, 1, 6, tzinfo=dt.UTC)},
    )
    assert ServiceAreaPolicy.objects.get(version=2).effective_to == moved.effective_from
    with freeze_time("2026-06-01"), pytest.raises(Conflict):
        policy_version_update(actor=admin_user, policy=moved, data={"name": "renamed"})


@freeze_time(NOW)
def test_overlapping_versions_are_refused(admin_user):
    policy_version_create(
        actor=admin_user, data=_data(effective_to=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    )
    with pytest.raises(Conflict):
        policy_version_create(
            actor=admin_user,
            data=_data(name="clash", effective_from=dt.datetime(2026, 5, 1, tzinfo=dt.UTC)),
        )


@freeze_time(NOW)
def test_admin_adds_a_version_and_cannot_edit_one_in_force(client, admin_user):
    verified_login(client, admin_user)
    v2 = ServiceAreaPolicy.objects.get(version=2)
    page = client.get(f"/admin/geofence/serviceareapolicy/{v2.pk}/change/")
    assert page.status_code == 200 and b'name="states_others"' not in page.content  # read-only
    add_page = client.get("/admin/geofence/serviceareapolicy/add/").content.decode()
    assert add_page.count('type="checkbox" name="states_others"') == 32
    assert client.get("/admin/geofence/serviceareapolicy/").status_code == 200
    form = {
        "name": "Admin version",
        "effective_from_0": "2026-04-01",
        "effective_from_1": "06:00:00",
        "effective_to_0": "",
        "effective_to_1": "",
        "states_mexican_nationals": ALL,
        "states_others": ALL[:5],
        "source": "from the admin",
    }
    response = client.post("/admin/geofence/serviceareapolicy/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    added = ServiceAreaPolicy.objects.get(version=3)
    assert added.states_others == ALL[:5] and added.created_by == admin_user
    past = dict(form, name="Backdated", effective_from_0="2025-01-01")
    response = client.post("/admin/geofence/serviceareapolicy/add/", past)
    assert response.status_code == 200 and ServiceAreaPolicy.objects.count() == 3
    v2.refresh_from_db()
    before = (v2.name, list(v2.states_others), v2.effective_from, v2.effective_to)
    response = client.post(
        f"/admin/geofence/serviceareapolicy/{v2.pk}/change/",
        {"name": "edited", "states_others": ALL},
        follow=True,
    )
    v2.refresh_from_db()
    assert (v2.name, v2.states_others, v2.effective_from, v2.effective_to) == before
    assert "can no longer be changed" in response.content.decode()
