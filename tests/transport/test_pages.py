"""The transport pages: who may reach them, the plan, boarding, manifests and the hand-over."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.transport import services
from portline.transport.models import HandoverDifference, ManifestEntry, TransportPlan
from tests.conftest import verified_login
from tests.factories import UserFactory
from tests.factories.inspection import port_staff
from tests.portals.accounts.helpers import password_login
from tests.transport.conftest import DAY, family, make_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(coordinator):
    return verified_login(Client(), coordinator)


def _plan(coordinator, **route_fields):
    make_route(**route_fields)
    _, people = family(2, given_names='=HYPERLINK("http://x")')
    plan = services.transport_plan(
        actor=coordinator, service_date=DAY, departure_city="Reynosa"
    ).plan
    return plan.vehicles.get(), people


def test_a_coordinator_needs_the_second_factor(client, coordinator):
    password_login(client, coordinator.login)
    response = client.get("/transport/")
    assert response.status_code == 302 and response.url.startswith("/accounts/verify/")


def test_other_roles_do_not_reach_the_coordinator_pages(coordinator):
    vehicle, _ = _plan(coordinator)
    for role in (Role.APPLICANT, Role.OFFICER, Role.ANALYST, Role.PARTNER_STAFF):
        client = verified_login(Client(), UserFactory(role=role))
        assert client.get("/transport/").status_code == 404, role
        assert client.get(f"/transport/vehicles/{vehicle.pk}/").status_code == 404, role
        assert client.get(f"/transport/vehicles/{vehicle.pk}/manifest.csv").status_code == 404


def test_the_coordinator_makes_and_sees_the_plan(coordinator_client):
    make_route()
    family(3)
    home = coordinator_client.get("/transport/")
    assert home.status_code == 200 and b"Reynosa" in home.content
    made = coordinator_client.post(
        "/transport/plan/", {"service_date": DAY.isoformat(), "departure_city": "Reynosa"}
    )
    assert made.status_code == 302
    shown = coordinator_client.get(made.url)
    assert "Vehicle 1" in shown.content.decode() and "3 of 15 seats" in shown.content.decode()
    assert TransportPlan.objects.count() == 1


def test_a_plan_refused_for_capacity_explains_itself_in_spanish(coordinator):
    make_route(vehicle_capacity=2)
    family(4)
    coordinator.preferred_language = "es"
    client = verified_login(Client(), coordinator)
    response = client.post(
        "/transport/plan/",
        {"service_date": DAY.isoformat(), "departure_city": "Reynosa"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 422
    assert "nunca se separan" in response.content.decode()
    assert not TransportPlan.objects.exists()


def test_boarding_from_the_phone_page(coordinator, coordinator_client):
    vehicle, people = _plan(coordinator)
    page = coordinator_client.get(f"/transport/vehicles/{vehicle.pk}/")
    assert page.status_code == 200
    done = coordinator_client.post(
        f"/transport/vehicles/{vehicle.pk}/board/", {"person": people[0].pk}
    )
    assert done.status_code == 302
    assert ManifestEntry.objects.get(person=people[0]).boarded_at is not None


def test_boarding_a_person_not_on_the_manifest_is_refused_on_the_page(
    coordinator, coordinator_client
):
    vehicle, _ = _plan(coordinator)
    _, stranger = family(1, port="SYS")
    before = AuditRecord.objects.count()
    for value in (stranger[0].pk, "abc"):
        response = coordinator_client.post(
            f"/transport/vehicles/{vehicle.pk}/board/", {"person": value}
        )
        assert response.status_code == 422
        assert "not on this vehicle" in response.content.decode()
    assert AuditRecord.objects.count() == before


def test_manifests_are_formula_safe_and_in_the_operators_language(coordinator, coordinator_client):
    vehicle, _ = _plan(coordinator)
    response = coordinator_client.get(f"/transport/vehicles/{vehicle.pk}/manifest.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["Orden", "Nombre"]
    assert rows[1][1].startswith("'=HYPERLINK")
    assert len(rows) == 3
    pdf = coordinator_client.get(f"/transport/vehicles/{vehicle.pk}/manifest.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_officer_hands_over_a_vehicle_with_one_person_missing(coordinator):
    vehicle, _people = _plan(coordinator)
    entries = list(vehicle.entries.order_by("boarding_order"))
    officer_client = verified_login(Client(), port_staff("HID"))
    listing = officer_client.get(f"/transport/port/?service_date={DAY.isoformat()}")
    assert f"/transport/port/vehicles/{vehicle.pk}/" in listing.content.decode()
    form = officer_client.get(f"/transport/port/vehicles/{vehicle.pk}/")
    assert form.status_code == 200
    done = officer_client.post(
        f"/transport/port/vehicles/{vehicle.pk}/",
        {f"present_{entries[0].pk}": "on", "extra_names": ""},
    )
    assert done.status_code == 302
    (difference,) = HandoverDifference.objects.all()
    assert difference.kind == "missing" and difference.entry == entries[1]
    shown = officer_client.get(done.url).content.decode()
    assert "On the manifest, not present" in shown

    again = officer_client.post(
        f"/transport/port/vehicles/{vehicle.pk}/", {f"present_{entries[0].pk}": "on"}
    )
    assert again.status_code == 422
    assert "a second acknowledgement is refused" in again.content.decode()
    assert HandoverDifference.objects.count() == 1


def test_an_officer_of_another_port_cannot_see_the_vehicle(coordinator):
    vehicle, _ = _plan(coordinator)
    other = verified_login(Client(), port_staff("SYS"))
    assert other.get(f"/transport/port/vehicles/{vehicle.pk}/").status_code == 404
    assert (
        f"/transport/port/vehicles/{vehicle.pk}/"
        not in other.get(f"/transport/port/?service_date={DAY.isoformat()}").content.decode()
    )


def test_the_coordinator_lands_on_the_transport_plan(client, coordinator):
    client = verified_login(client, coordinator)
    from portline.portals.accounts.views import home_url_for

    assert home_url_for(coordinator) == "/transport/"
    nav = client.get("/transport/").content.decode()
    assert 'href="/transport/"' in nav


def test_the_coordinator_reaches_no_other_staff_pages(coordinator_client):
    for path in ("/officer/", "/partner/", "/analysis/", "/transport/port/", "/oversight/"):
        assert coordinator_client.get(path).status_code in (403, 404), path
    admin = coordinator_client.get("/admin/transport/route/")
    assert admin.status_code == 302 and "login" in admin["Location"]  # not staff: no admin
