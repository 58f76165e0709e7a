import pytest

from portline.registrations import services
from portline.registrations.models import EvidenceKind
from tests.conftest import verified_login
from tests.factories import UserFactory, complete_person_data, png_bytes

GROUP = {
    "basis": "safety",
    "us_address_line1": "1 Main St",
    "us_city": "Houston",
    "us_state": "TX",
    "us_zip": "77002",
}


def make_registration(owner, *, people=1, submit=False):
    registration = services.registration_create(actor=owner, data=GROUP)
    for _ in range(people):
        person = services.person_add(
            actor=owner, registration=registration, data=complete_person_data()
        )
        services.evidence_upload(
            actor=owner,
            registration=registration,
            person=person,
            kind=EvidenceKind.PHOTO,
            filename="me.png",
            content=png_bytes(),
        )
    if submit:
        registration = services.registration_submit(actor=owner, registration=registration)
    return registration


@pytest.fixture
def other_client(db, client_factory):
    user = UserFactory()
    return user, verified_login(client_factory(), user)


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client
