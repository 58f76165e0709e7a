"""Every refusal answers one error body, with the right status, in the caller's language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from portline.common.lists import join_or
from portline.registrations.models import EvidenceDocument
from tests.api.conftest import error_of
from tests.api.test_access import draft_registration
from tests.factories import PDF_BYTES, complete_person_data, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(applicant):
    return draft_registration(applicant, people=0)


def test_eleventh_person_is_422(applicant_api, draft):
    for _ in range(10):
        assert (
            applicant_api.post(
                f"/registrations/{draft.reference}/people", {"given_names": "A"}
            ).status_code
            == 201
        )
    response = applicant_api.post(f"/registrations/{draft.reference}/people", {"given_names": "B"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert "10" in error["fields"]["__all__"][0]
    assert draft.people.count() == 10


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("date_of_birth", "2999-01-01", "future"),
        ("nationality", "XX", "country"),
        ("country_of_birth", "ZZ", "country"),
        ("height_cm", 900, ""),
        ("date_of_birth", "not a date", "date"),
        ("gender", "robot", ""),
        ("given_names", "x" * 101, "100"),
        ("given_names", "nul\x00byte", ""),
        ("favourite_colour", "blue", "exist"),
    ],
)
def test_bad_person_values_are_422_with_the_field_named(
    applicant_api, draft, field, value, fragment
):
    response = applicant_api.post(
        f"/registrations/{draft.reference}/people", complete_person_data(**{field: value})
    )
    assert response.status_code == 422, response.content
    error = error_of(response)
    assert list(error["fields"]) == [field]
    assert fragment in error["fields"][field][0]
    assert draft.people.count() == 0


def test_messages_follow_accept_language(applicant_api, draft):
    url = f"/registrations/{draft.reference}/people"
    english = error_of(applicant_api.post(url, {"date_of_birth": "2999-01-01"}))
    spanish = error_of(
        applicant_api.post(url, {"date_of_birth": "2999-01-01"}, headers={"Accept-Language": "es"})
    )
    creole = error_of(
        applicant_api.post(url, {"date_of_birth": "2999-01-01"}, headers={"Accept-Language": "ht"})
    )
    assert english["fields"]["date_of_birth"] == ["A date of birth cannot be in the future."]
    assert spanish["fields"]["date_of_birth"] != english["fields"]["date_of_birth"]
    assert creole["fields"]["date_of_birth"] != english["fields"]["date_of_birth"]
    assert spanish["message"] != english["message"]
    missing = applicant_api.get("/registrations/ZZZZZZZZZZ", headers={"Accept-Language": "es"})
    assert error_of(missing)["message"] != "No such registration."


def _upload(api, reference, name, content, **extra):
    return api.upload(
        f"/registrations/{reference}/evidence",
        {
            "kind": "identity",
            "file": SimpleUploadedFile(name, content, content_type="application/octet-stream"),
            **extra,
        },
    )


def test_lying_upload_is_422(applicant_api, draft):
    response = _upload(applicant_api, draft.reference, "passport.pdf", png_bytes())
    assert response.status_code == 422
    assert "PDF" in error_of(response)["fields"]["file"][0]
    assert not EvidenceDocument.objects.exists()


def test_not_a_document_is_422(applicant_api, draft):
    response = _upload(applicant_api, draft.reference, "run.exe", b"MZ\x90\x00" * 100)
    assert response.status_code == 422 and "file" in error_of(response)["fields"]


def test_empty_upload_is_422(applicant_api, draft):
    response = _upload(applicant_api, draft.reference, "empty.pdf", b"")
    assert response.status_code == 422
    assert error_of(response)["fields"]["file"]


def test_too_large_upload_is_422(applicant_api, draft, settings):
    settings.PORTLINE_MAX_UPLOAD_BYTES = 1024 * 1024
    big = PDF_BYTES[:-7] + b" " * (1024 * 1024) + b"%%EOF\n"
    response = _upload(applicant_api, draft.reference, "big.pdf", big)
    assert response.status_code == 422
    assert "1 MB" in error_of(response)["fields"]["file"][0]
    assert _upload(applicant_api, draft.reference, "small.pdf", PDF_BYTES).status_code == 201


def test_upload_without_a_file_or_with_an_unknown_kind_is_422(applicant_api, draft):
    response = applicant_api.upload(
        f"/registrations/{draft.reference}/evidence", {"kind": "identity"}
    )
    assert response.status_code == 422 and "file" in error_of(response)["fields"]
    response = _upload(applicant_api, draft.reference, "a.pdf", PDF_BYTES, kind="selfie")
    assert response.status_code == 422 and "kind" in error_of(response)["fields"]


def test_upload_for_a_person_not_in_the_group_is_404(applicant_api, draft):
    response = _upload(applicant_api, draft.reference, "a.pdf", PDF_BYTES, person="3")
    assert response.status_code == 404


def test_submitting_an_incomplete_registration_lists_what_is_missing(applicant_api, draft):
    applicant_api.post(f"/registrations/{draft.reference}/people", {"given_names": "Ana"})
    response = applicant_api.post(f"/registrations/{draft.reference}/submit")
    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert fields.get("person_1")


def test_changing_a_submitted_registration_is_409(applicant_api, applicant):
    from tests.api.test_access import submitted_registration

    registration = submitted_registration(applicant)
    response = applicant_api.patch(
        f"/registrations/{registration.reference}", {"us_city": "Dallas"}
    )
    assert response.status_code == 409 and error_of(response)["code"] == "not_draft"
    response = applicant_api.post(f"/registrations/{registration.reference}/submit")
    assert response.status_code == 409
    response = applicant_api.post(
        f"/registrations/{registration.reference}/people", complete_person_data()
    )
    assert response.status_code == 409


def test_request_errors(applicant_api, applicant, draft):
    response = applicant_api.post(
        "/requests",
        {"registration": draft.reference, "first_port": "SYS"},
        headers={"Idempotency-Key": "k1"},
    )
    assert response.status_code == 409 and error_of(response)["code"] == "not_submitted"
    response = applicant_api.post(
        "/requests",
        {"registration": draft.reference, "first_port": "NOPE"},
        headers={"Idempotency-Key": "k2"},
    )
    assert response.status_code == 422 and "first_port" in error_of(response)["fields"]
    response = applicant_api.post(
        "/requests",
        {"registration": draft.reference, "first_port": "SYS", "idempotency_key": "a"},
        headers={"Idempotency-Key": "b"},
    )
    assert response.status_code == 422


def test_bad_json_and_bad_paths(applicant_api, draft):
    response = applicant_api.client.post(
        "/api/v1/registrations",
        "{not json",
        content_type="application/json",
        headers=applicant_api.headers(),
    )
    assert response.status_code == 400 and error_of(response)["code"] == "bad_request"
    assert applicant_api.get("/registrations/lower-case").status_code == 422
    assert applicant_api.get(f"/registrations/{draft.reference}/people/11").status_code == 422
    assert applicant_api.get("/evidence/99999999999999999999999").status_code == 422
    assert applicant_api.get("/registrations", page=10**12).status_code == 422
    response = applicant_api.get("/registrations", page=0)
    assert response.status_code == 422 and "page" in error_of(response)["fields"]


def test_pagination(applicant_api, applicant):
    for _ in range(3):
        draft_registration(applicant, people=0)
    page = applicant_api.get("/registrations", page_size=2).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    second = applicant_api.get("/registrations", page_size=2, page=2).json()
    assert len(second["items"]) == 1
    assert {r["reference"] for r in page["items"]}.isdisjoint(
        r["reference"] for r in second["items"]
    )


def test_token_callers_without_accept_language_get_their_account_language(
    applicant, applicant_api, draft
):
    assert error_of(applicant_api.patch("/auth/me", {"language": "xx"}))["fields"]["language"]
    assert applicant_api.patch("/auth/me", {"language": "ht"}).json()["preferred_language"] == "ht"
    response = applicant_api.get("/registrations/ZZZZZZZZZZ")
    assert error_of(response)["message"] == "Enskripsyon sa a pa egziste."
    assert response["Content-Language"] == "ht"
    response = applicant_api.get("/registrations/ZZZZZZZZZZ", headers={"Accept-Language": "es"})
    assert error_of(response)["message"] == "No existe ese registro."


def test_list_counts_people_in_one_query(applicant_api, applicant, django_assert_max_num_queries):
    for _ in range(5):
        draft_registration(applicant, people=2)
    with django_assert_max_num_queries(6):
        page = applicant_api.get("/registrations").json()
    assert [r["people"] for r in page["items"]] == [2] * 5


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_a_list_of_allowed_values_is_joined_in_the_callers_language(applicant_api, draft, language):
    response = applicant_api.post(
        f"/registrations/{draft.reference}/people",
        complete_person_data(gender="robot"),
        headers={"Accept-Language": language},
    )
    message = error_of(response)["fields"]["gender"][0]
    with translation.override(language):
        joined = join_or(["1", "2"])[1:-1]  # " or ", " o ", " oswa "...
    assert joined.strip() and joined in message, message
    if language != "en":
        assert " or " not in message, message
