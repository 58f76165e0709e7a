"""Hostile input gets the documented JSON error body and a 4xx, never a 500 or an HTML page:
image bombs, images with metadata or appended data, PDF/HTML polyglots, unknown paths,
unreadable bodies."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from portline.appointments import services as appointment_services
from portline.appointments.models import PersonConfirmation
from portline.audit.models import AuditRecord
from portline.common.uploads import MAX_IMAGE_PIXELS
from portline.registrations.models import EvidenceDocument
from tests.api.conftest import API, api_client_for, error_of
from tests.api.test_access import draft_registration
from tests.factories import PDF_BYTES, UserFactory, png_bytes
from tests.factories.appointments import TIJUANA, drawn_round, selection, submitted_registration

pytestmark = pytest.mark.django_db
HERE = {"latitude": TIJUANA[0], "longitude": TIJUANA[1], "accuracy_m": 25}


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header that claims width x height pixels, with (almost) no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_with_metadata(size=(320, 240)) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    exif[0x0112] = 6  # orientation: rotate 90 degrees
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 60, 30)).save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def _upload(api, reference: str, content: bytes, name: str):
    return api.upload(
        f"/registrations/{reference}/evidence",
        {"kind": "other", "file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize("side", [30000, 7000])
def test_an_image_bomb_is_refused_on_upload(applicant, side):
    registration = draft_registration(applicant, people=0)
    api = api_client_for(applicant)
    audit_rows = AuditRecord.objects.count()
    response = _upload(api, registration.reference, png_claiming(side, side), "bomb.png")
    assert response.status_code == 422, response.content
    message = error_of(response)["fields"]["file"][0]
    assert f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels" in message
    assert not EvidenceDocument.objects.exists()
    assert AuditRecord.objects.count() == audit_rows


def test_uploaded_images_are_re_encoded_without_metadata_or_appended_data(applicant):
    registration = draft_registration(applicant, people=0)
    api = api_client_for(applicant)
    hidden = b"<script>alert(1)</script>" + b"PK\x03\x04 a zip appended"
    response = _upload(api, registration.reference, jpeg_with_metadata() + hidden, "me.jpg")
    assert response.status_code == 201, response.content
    document = EvidenceDocument.objects.get()
    with document.file.open("rb") as handle:
        stored = handle.read()
    assert b"SecretCameraMaker" not in stored and b"Exif" not in stored
    assert b"<script>" not in stored and b"PK\x03\x04" not in stored
    from PIL import Image

    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (240, 320)  # turned upright by its orientation, then dropped
    import hashlib

    assert document.sha256 == hashlib.sha256(stored).hexdigest()
    assert document.size == len(stored)


def test_a_pdf_that_is_also_a_web_page_is_refused(applicant):
    registration = draft_registration(applicant, people=0)
    api = api_client_for(applicant)
    polyglot = (
        b"%PDF-1.4\n<html><body><script>fetch('/api/v1/auth/me')</script></body></html>\n"
        b"1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    )
    response = _upload(api, registration.reference, polyglot, "report.pdf")
    assert response.status_code == 422, response.content
    assert "web page" in error_of(response)["fields"]["file"][0]
    assert not EvidenceDocument.objects.exists()
    assert _upload(api, registration.reference, PDF_BYTES, "report.pdf").status_code == 201


@freeze_time("2026-11-22T17:00:00Z")
def test_an_image_bomb_is_refused_as_a_confirmation_photo():
    owner = UserFactory()
    round_ = drawn_round()
    selection(round=round_, registration=submitted_registration(owner=owner), rank=1)
    (appointment,) = appointment_services.appointments_offer_for_round(actor=None, round=round_)
    api = api_client_for(owner)
    url = f"/appointments/{appointment.confirmation_number}/people/1/confirm"
    bomb = SimpleUploadedFile("me.png", png_claiming(30000, 30000), content_type="image/png")
    response = api.upload(url, {"photo": bomb, **HERE})
    assert response.status_code == 422, response.content
    assert "megapixels" in error_of(response)["fields"]["photo"][0]
    assert not PersonConfirmation.objects.exists()
    photo = jpeg_with_metadata() + b"appended"
    good = api.upload(url, {"photo": SimpleUploadedFile("me.jpg", photo), **HERE})
    assert good.status_code == 200, good.content
    confirmation = PersonConfirmation.objects.get()
    with confirmation.photo.open("rb") as handle:
        stored = handle.read()
    assert b"SecretCameraMaker" not in stored and not stored.endswith(b"appended")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/no-such-thing", 404, "not_found"),
        ("get", "/registrations/ABC/people/1/nothing/here", 404, "not_found"),
        ("get", "/", 404, "not_found"),
        ("post", "/no-such-thing", 404, "not_found"),
        ("put", "/registrations", 405, "method_not_allowed"),
        ("delete", "/ports", 405, "method_not_allowed"),
    ],
)
def test_unknown_paths_and_methods_answer_the_json_error_body(
    applicant, method, path, status, code
):
    api = api_client_for(applicant)
    response = getattr(api.client, method)(API + path, headers=api.headers())
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert error_of(response)["code"] == code
    if status == 405:
        assert response["Allow"]


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_multipart_without_a_boundary_is_a_400_with_the_error_body(applicant, content_type):
    registration = draft_registration(applicant, people=0)
    api = api_client_for(applicant)
    for path in (f"/registrations/{registration.reference}/evidence", "/registrations"):
        response = api.client.post(
            API + path, b"--x\r\nbroken", content_type=content_type, headers=api.headers()
        )
        assert response.status_code == 400, (path, response.content)
        assert error_of(response)["code"] == "bad_request"
    assert not EvidenceDocument.objects.exists()


def test_error_pages_are_translated(applicant):
    api = api_client_for(applicant)
    response = api.client.get(
        API + "/no-such-thing", headers=api.headers({"Accept-Language": "es"})
    )
    assert error_of(response)["message"] == "No encontrado."


def test_a_small_real_png_is_still_stored_unchanged(applicant):
    registration = draft_registration(applicant, people=0)
    api = api_client_for(applicant)
    content = png_bytes(size=(200, 100))
    assert _upload(api, registration.reference, content, "p.png").status_code == 201
    with EvidenceDocument.objects.get().file.open("rb") as handle:
        assert handle.read() == content  # already clean: re-encoding changes nothing
