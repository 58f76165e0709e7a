import base64

import pytest
from freezegun import freeze_time

from portline.accounts.services import api_token_create
from portline.inspection import services
from portline.inspection.models import AddressChange, ReleaseCheckIn
from tests.factories import UserFactory, png_bytes
from tests.factories.inspection import identity_checked, submitted_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def released(officer):
    with freeze_time("2025-06-05 19:00:00"):
        owner = UserFactory()
        person = submitted_group(1, owner=owner)[0]
        services.walk_up_record(actor=officer, person=person)
        identity_checked(officer, person)
        decision = services.decision_record(
            actor=officer, person=person, kind="parole", reason_code="humanitarian"
        )
    return decision, owner


def _auth(user):
    _token, raw = api_token_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@freeze_time("2025-07-04 18:00:00")
def test_person_reads_schedule_and_checks_in_with_selfie_and_location(client, released):
    decision, owner = released
    headers = _auth(owner)
    response = client.get(f"/api/v1/release/cases/{decision.record_number}", **headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["term_end"] == "2027-06-04" and body["work_authorization_from"] == "2025-11-02"
    assert body["next_due"]["due"] == "2025-07-05" and body["next_due"]["state"] == "open"
    payload = {
        "selfie_base64": base64.b64encode(png_bytes()).decode(),
        "latitude": 29.7604,
        "longitude": -95.3698,
    }
    response = client.post(
        f"/api/v1/release/cases/{decision.record_number}/check-ins",
        payload,
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    assert response.json()["selfie"] is True and ReleaseCheckIn.objects.get().latitude == 29.7604
    again = client.post(
        f"/api/v1/release/cases/{decision.record_number}/check-ins",
        {},
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 409


@freeze_time("2025-07-10 18:00:00")
def test_address_change_by_api_reports_the_deadline(client, released):
    decision, owner = released
    response = client.post(
        f"/api/v1/release/cases/{decision.record_number}/address",
        {
            "line1": "5 Elm St",
            "city": "Dallas",
            "state": "TX",
            "zip_code": "75201",
            "moved_on": "2025-07-02",
        },
        content_type="application/json",
        **_auth(owner),
    )
    assert response.status_code == 201, response.content
    assert response.json()["deadline"] == "2025-07-09" and response.json()["late"] is True
    assert AddressChange.objects.get().late


@freeze_time("2025-07-10 18:00:00")
def test_a_replayed_address_change_with_its_key_is_recorded_once(client, released):
    """nginx may replay the report after its first try committed (docs/api.md, "Idempotency")."""
    from portline.audit.models import AuditRecord

    decision, owner = released
    path = f"/api/v1/release/cases/{decision.record_number}/address"
    body = {"line1": "5 Elm St", "city": "Dallas", "state": "TX", "zip_code": "75201"}
    body["moved_on"] = "2025-07-02"
    headers = _auth(owner) | {"HTTP_IDEMPOTENCY_KEY": "moved-1"}
    first = client.post(path, body, content_type="application/json", **headers)
    assert first.status_code == 201, first.content
    replay = client.post(path, body, content_type="application/json", **headers)
    assert replay.status_code == 200 and replay.json() == first.json()
    assert AddressChange.objects.count() == 1
    assert AuditRecord.objects.filter(action="inspection.release.address_change").count() == 1
    other = client.post(path, body | {"city": "Austin"}, content_type="application/json", **headers)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert AddressChange.objects.count() == 1


@freeze_time("2025-07-10 18:00:00")
def test_others_get_404_and_bad_input_changes_nothing(client, released):
    decision, owner = released
    stranger = _auth(UserFactory())
    assert (
        client.get(f"/api/v1/release/cases/{decision.record_number}", **stranger).status_code == 404
    )
    url = f"/api/v1/release/cases/{decision.record_number}/check-ins"
    assert client.post(url, {}, content_type="application/json", **stranger).status_code == 404
    response = client.post(
        url, {"selfie_base64": "not base64!!"}, content_type="application/json", **_auth(owner)
    )
    assert response.status_code == 422
    response = client.post(url, {"latitude": 123}, content_type="application/json", **_auth(owner))
    assert response.status_code == 422
    assert not ReleaseCheckIn.objects.exists()
    assert client.get(f"/api/v1/release/cases/{decision.record_number}").status_code == 401
