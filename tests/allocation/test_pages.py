"""Public pages, the public JSON of rounds, and the read-only admin."""

import pytest
from django.urls import reverse

from portline.allocation import services
from portline.scheduling.models import Port
from tests.allocation.conftest import LOCAL_VALUE
from tests.conftest import verified_login
from tests.factories.allocation import RequestSpec, make_requests

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(round_date, admin_user):
    Port.objects.filter(code="SYS").update(daily_capacity=8)
    make_requests(round_date, [RequestSpec(size=1 + i % 3) for i in range(20)])
    services.round_freeze(actor=admin_user, round_date=round_date, beacon_source="local")
    services.round_beacon_set(
        actor=admin_user, round_date=round_date, value=LOCAL_VALUE, local=True
    )
    return services.round_allocate(actor=admin_user, round_date=round_date)


def test_home_explains_and_links_to_accounts_and_rounds(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "Portline" in body
        and 'href="/accounts/signup/"' in body
        and 'href="/accounts/login/"' in body
    )
    assert reverse("public:rounds") in body


def test_home_in_spanish_and_haitian_creole(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Crear una cuenta" in body
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="ht").content.decode()
    assert "Kreye yon kont" in body


def test_rounds_page_lists_fingerprint_beacon_capacity_counts_and_marks_local(client, drawn):
    body = client.get(reverse("public:rounds")).content.decode()
    assert drawn.round_date.isoformat() in body and "local/demo" in body
    assert str(drawn.request_count) in body
    detail = client.get(
        reverse("public:round", args=[drawn.round_date.isoformat()])
    ).content.decode()
    assert drawn.fingerprint in detail and drawn.beacon_value in detail and drawn.seed in detail
    assert "local/demo" in detail and "results.csv" in detail


def test_export_files_download_and_match_the_cli_export(client, drawn, tmp_path):
    from portline.allocation.selectors import round_export_write

    written = {p.name: p for p in round_export_write(drawn, tmp_path)}
    day = drawn.round_date.isoformat()
    for name in ("requests.csv", "results.csv"):
        response = client.get(reverse("public:round_export", args=[day, name]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).decode() == written[name].read_text()
    assert (
        client.get(reverse("public:round_export", args=[day, "round.json"])).json()["fingerprint"]
        == drawn.fingerprint
    )
    assert client.get(reverse("public:round_export", args=[day, "secrets.txt"])).status_code == 404
    assert client.get(reverse("public:round", args=["2001-01-01"])).status_code == 404
    assert client.get("/rounds/not-a-date/").status_code == 404


def test_results_are_not_published_before_the_draw(client, round_date, admin_user):
    make_requests(round_date, [RequestSpec()])
    round_obj = services.round_freeze(actor=admin_user, round_date=round_date)
    day = round_date.isoformat()
    detail = client.get(reverse("public:round", args=[day])).content.decode()
    assert round_obj.fingerprint in detail and "results.csv" not in detail
    assert client.get(reverse("public:round_export", args=[day, "results.csv"])).status_code == 404
    assert client.get(reverse("public:round_export", args=[day, "requests.csv"])).status_code == 200


def test_api_lists_rounds_without_login(client, drawn):
    data = client.get("/api/v1/rounds").json()
    assert data[0]["fingerprint"] == drawn.fingerprint and data[0]["beacon"]["local"] is True
    one = client.get(f"/api/v1/rounds/{drawn.round_date.isoformat()}").json()
    assert (
        one["selected_people"] == drawn.selected_people
        and one["capacity_total"] == drawn.capacity_total
    )
    assert "request_salt" not in one
    assert client.get("/api/v1/rounds/2001-01-01").status_code == 404


def test_admin_shows_rounds_read_only_to_program_admins(client, drawn, admin_user):
    from tests.factories import UserFactory

    verified_login(client, admin_user)
    response = client.get("/admin/allocation/round/")
    assert (
        response.status_code == 200 and drawn.round_date.strftime("%b") in response.content.decode()
    )
    change = client.get(f"/admin/allocation/round/{drawn.pk}/change/")
    assert change.status_code == 200 and drawn.request_salt not in change.content.decode()
    assert client.get("/admin/allocation/round/add/").status_code == 403
    client.logout()
    verified_login(client, UserFactory(role="officer", is_staff=True))
    assert client.get("/admin/allocation/round/").status_code in (302, 403)


def test_rounds_pages_in_spanish_and_haitian_creole(client, drawn):
    body = client.get(reverse("public:rounds"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Rondas de asignación" in body and "local/demostración" in body
    body = client.get(
        reverse("public:round", args=[drawn.round_date.isoformat()]), HTTP_ACCEPT_LANGUAGE="ht"
    ).content.decode()
    assert "Verifye wonn sa a" in body


def test_round_page_shows_commitment_odds_beside_the_guarantee_and_the_three_commands(
    client, drawn
):
    day = drawn.round_date.isoformat()
    body = client.get(reverse("public:round", args=[day])).content.decode()
    assert drawn.commitment in body
    assert "Guarantee (engine version 2)" in body and "within 2% of one person" in body
    # The per-size chance of this round: 20 requests for 8 places at SYS.
    assert "10 people" in body and "(1.00)" in body
    verifier_url = "http://testserver" + reverse("public:verifier")
    assert f"curl -fsSO {verifier_url}" in body
    assert f"http://testserver/rounds/{day}/export/$f" in body
    assert f"python3 portline_verify.py round-{day} --commitment {drawn.commitment}" in body
    script = client.get(reverse("public:verifier"))
    assert script.status_code == 200
    assert b"".join(script.streaming_content).startswith(b"#!/usr/bin/env python3")


def test_round_page_in_spanish_and_haitian_creole_explains_the_odds(client, drawn):
    url = reverse("public:round", args=[drawn.round_date.isoformat()])
    assert (
        "Garantía (motor versión 2)" in client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    )
    assert "Garanti (motè vèsyon 2)" in client.get(url, HTTP_ACCEPT_LANGUAGE="ht").content.decode()
