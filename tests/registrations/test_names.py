"""Names are normalised on the way in, through the pages, the API and the watchlist importer,
refused when nothing is left, and screened in the form that is stored and shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portline.registrations import services
from portline.registrations.models import Person
from portline.scheduling.models import Port
from portline.screening.models import WatchlistEntry
from portline.screening.services import screening_run_for_person, screening_run_for_query
from tests.api.conftest import api_client_for, error_of
from tests.api.test_access import draft_registration
from tests.factories import UserFactory, complete_person_data
from tests.factories.screening import person_at_port, watchlist_with
from tests.portals.applicant.conftest import make_registration

pytestmark = pytest.mark.django_db
RLO, ZWSP, ZWJ = "\u202e", "\u200b", "\u200d"
DISGUISED = f"{RLO}abeurP aicuL"  # a browser shows "Lucia Prueba"


def test_the_api_stores_names_in_normal_form_and_refuses_empty_ones(applicant):
    registration = draft_registration(applicant, people=0)
    api = api_client_for(applicant)
    url = f"/registrations/{registration.reference}/people"
    data = complete_person_data(given_names=DISGUISED, family_names=f"Ro{ZWSP}sa\u3000 Luz")
    created = api.post(url, data)
    assert created.status_code == 201, created.content
    person = Person.objects.get(registration=registration)
    assert person.given_names == "abeurP aicuL" and person.family_names == "Rosa Luz"
    assert created.json()["given_names"] == "abeurP aicuL"

    refused = api.patch(f"{url}/1", {"family_names": f"{RLO}{ZWSP} {ZWJ}"})
    assert refused.status_code == 422
    assert "at least one letter" in error_of(refused)["fields"]["family_names"][0]
    person.refresh_from_db()
    assert person.family_names == "Rosa Luz"

    spanish = api.patch(
        f"/registrations/{registration.reference}",
        {"sponsor_name": f"{ZWSP}{ZWSP}"},
        headers={"Accept-Language": "es"},
    )
    assert spanish.status_code == 422
    assert "al menos una letra" in error_of(spanish)["fields"]["sponsor_name"][0]


def test_the_person_page_stores_names_in_normal_form_and_refuses_empty_ones(
    applicant_client, applicant
):
    registration = make_registration(applicant, people=1)
    url = reverse("applicant:person", args=[registration.reference, 1])
    data = complete_person_data(relationship="self", given_names=DISGUISED)
    post = {k: ("" if v is None else str(v)) for k, v in data.items()} | {"action": "continue"}
    applicant_client.post(url, post)
    person = Person.objects.get(registration=registration, position=1)
    assert person.given_names == "abeurP aicuL"
    page = applicant_client.post(url, post | {"family_names": f"{ZWSP}{RLO}"})
    assert page.status_code == 200
    assert "at least one letter" in page.content.decode()
    person.refresh_from_db()
    assert person.family_names == data["family_names"]


def test_services_normalise_whatever_interface_calls_them(applicant):
    registration = services.registration_create(
        actor=applicant, data={"sponsor_name": f"  Ana{ZWJ}\u00a0 Ruiz "}
    )
    assert registration.sponsor_name == "Ana Ruiz"


def test_screening_sees_the_name_that_is_shown():
    port = Port.objects.get(code="SYS")
    officer = UserFactory(role="officer", port=port)
    watchlist_with("wanted", [{"name": "Lucia Prueba", "external_id": "W-1"}])
    # A Hangul filler draws as a space: shown "Lucia Prueba", screened as one word before.
    person = person_at_port(port, given_names="Lucia\u3164Prueba", family_names="")
    run = screening_run_for_person(actor=officer, person=person)
    assert run.hits.count() == 1
    by_name = screening_run_for_query(actor=officer, name=f"Lu{ZWSP}cia{ZWSP}\u3164Prueba")
    assert by_name.hits.count() == 1 and by_name.query_name == "Lucia Prueba"


def test_the_watchlist_importer_normalises_names():
    watchlist_with("wanted", [{"name": f"{RLO}Lucia  Prueba{ZWSP}", "aliases": f"L.{ZWJ}P."}])
    entry = WatchlistEntry.objects.get()
    assert entry.primary_name == "Lucia Prueba" and entry.aliases == ["L.P."]
