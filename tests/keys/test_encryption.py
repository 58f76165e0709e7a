"""Encryption at rest: what lies on disk and in the database reveals nothing without the
key-encryption key; reading through the application gives the plaintext back."""

import io
import os
import secrets

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.urls import reverse

from portline.common import encryption
from portline.common.encryption import (
    SEGMENT_BYTES,
    DecryptionFailed,
    KeyRing,
    KeyUnavailable,
    decrypt_bytes,
    encrypt_bytes,
    kek_generate,
)
from portline.registrations import services
from portline.registrations.models import EvidenceDocument, Person
from tests.conftest import verified_login
from tests.factories import PersonFactory, UserFactory
from tests.portals.applicant.conftest import GROUP

MARKER = "CONVICTION-1998-TEGUCIGALPA"


def ring() -> KeyRing:
    return KeyRing(secrets.token_bytes(32))


@pytest.mark.parametrize(
    "size", [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES + 7]
)
def test_file_round_trip_at_segment_edges(size):
    keys = ring()
    data = os.urandom(size)
    sealed = encrypt_bytes(keys, data)
    assert decrypt_bytes(keys, sealed) == data
    segments = max(1, -(-size // SEGMENT_BYTES))  # an empty file still has one (final) segment
    assert len(sealed) == encryption.HEADER_BYTES + size + 16 * segments


def test_reader_seeks_anywhere_and_reports_the_plaintext_size():
    keys = ring()
    data = os.urandom(5 * SEGMENT_BYTES + 123)
    sealed = encrypt_bytes(keys, data)
    header = encryption.FileHeader.parse(sealed)
    reader = encryption.DecryptingReader(keys, io.BytesIO(sealed), header)
    assert reader.size == len(data)
    for start, length in [
        (0, 10),
        (SEGMENT_BYTES - 5, 10),
        (3 * SEGMENT_BYTES, 99999),
        (len(data) - 1, 5),
    ]:
        reader.seek(start)
        assert reader.read(length) == data[start : start + length]
    assert reader.seek(0, io.SEEK_END) == len(data)


@pytest.mark.parametrize("damage", ["flip", "truncate", "drop_last", "swap"])
def test_an_altered_file_fails_to_decrypt(damage):
    keys = ring()
    data = os.urandom(3 * SEGMENT_BYTES + 10)
    sealed = bytearray(encrypt_bytes(keys, data))
    sealed_segment = SEGMENT_BYTES + 16
    body = encryption.HEADER_BYTES
    if damage == "flip":
        sealed[body + 5] ^= 1
    elif damage == "truncate":
        sealed = sealed[:-3]
    elif damage == "drop_last":
        sealed = sealed[: body + 3 * sealed_segment]
    else:
        first = sealed[body : body + sealed_segment]
        second = sealed[body + sealed_segment : body + 2 * sealed_segment]
        sealed[body : body + 2 * sealed_segment] = second + first
    with pytest.raises(DecryptionFailed):
        decrypt_bytes(keys, bytes(sealed))


def test_a_file_needs_its_key():
    sealed = encrypt_bytes(ring(), b"secret")
    with pytest.raises(KeyUnavailable):
        decrypt_bytes(ring(), sealed)


def test_a_value_is_bound_to_its_field():
    keys = ring()
    stored = encryption.value_encrypt(
        keys, MARKER, b"registrations.person.declared_criminal_history"
    )
    assert MARKER not in stored
    assert (
        encryption.value_decrypt(keys, stored, b"registrations.person.declared_criminal_history")
        == MARKER
    )
    with pytest.raises(DecryptionFailed):
        encryption.value_decrypt(keys, stored, b"registrations.registration.basis_statement")


def test_a_malformed_key_is_refused_with_the_variable_named():
    with pytest.raises(encryption.KeyConfigurationError, match="PORTLINE_KEK"):
        encryption.kek_parse("too-short")
    assert len(encryption.kek_parse(kek_generate())) == 32


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_sensitive_fields_read_back_from_the_database_show_no_plaintext():
    person = PersonFactory(
        declared_criminal_history=MARKER, id_document_number="HN-0801-1990-12345"
    )
    person.registration.basis_statement = "Psychologist: severe PTSD after threats"
    person.registration.save()
    criminal = _raw("registrations_person", "declared_criminal_history", person.pk)
    document = _raw("registrations_person", "id_document_number", person.pk)
    statement = _raw("registrations_registration", "basis_statement", person.registration.pk)
    for stored, plain in [(criminal, MARKER), (document, "0801"), (statement, "PTSD")]:
        assert stored.startswith("pl1$") and plain not in stored
    again = Person.objects.select_related("registration").get(pk=person.pk)
    assert again.declared_criminal_history == MARKER
    assert again.id_document_number == "HN-0801-1990-12345"
    assert again.registration.basis_statement == "Psychologist: severe PTSD after threats"
    assert list(
        Person.objects.filter(pk=person.pk).values_list("id_document_number", flat=True)
    ) == ["HN-0801-1990-12345"]


@pytest.mark.django_db
def test_an_empty_value_is_encrypted_too():
    """Whether someone declared a criminal history at all is itself sensitive."""
    person = PersonFactory(declared_criminal_history="")
    assert _raw("registrations_person", "declared_criminal_history", person.pk).startswith("pl1$")
    assert Person.objects.get(pk=person.pk).declared_criminal_history == ""


@pytest.mark.django_db
def test_an_encrypted_field_cannot_be_searched_in_sql():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError, match="encrypted"):
        Person.objects.filter(declared_criminal_history=MARKER).count()


@pytest.mark.django_db
def test_a_field_without_the_key_cannot_be_read(settings):
    person = PersonFactory(declared_criminal_history=MARKER)
    settings.KEK = kek_generate()
    with pytest.raises(KeyUnavailable):
        Person.objects.get(pk=person.pk)


@pytest.mark.django_db
def test_an_uploaded_file_on_disk_shows_no_plaintext_and_is_served_decrypted(client, settings):
    applicant = UserFactory()
    registration = services.registration_create(actor=applicant, data=GROUP)
    content = b"%PDF-1.4\n% police report: " + MARKER.encode() * 2000 + b"\ntrailer<<>>\n%%EOF\n"
    document = services.evidence_upload(
        actor=applicant,
        registration=registration,
        kind="police_report",
        filename="r.pdf",
        content=content,
    )
    on_disk = (settings.MEDIA_ROOT / document.file.name).read_bytes()
    assert on_disk.startswith(encryption.FILE_MAGIC)
    assert MARKER.encode() not in on_disk and b"%PDF" not in on_disk
    verified_login(client, applicant)
    response = client.get(
        reverse("applicant:evidence_download", args=[registration.reference, document.pk])
    )
    assert int(response["Content-Length"]) == len(content)
    assert b"".join(response.streaming_content) == content
    assert EvidenceDocument.objects.get(pk=document.pk).file.size == len(content)
    settings.KEK = kek_generate()  # another key: the stored file cannot be opened
    with pytest.raises(KeyUnavailable):
        EvidenceDocument.objects.get(pk=document.pk).file.open("rb")


def test_the_storage_refuses_to_open_for_writing(settings):
    storage = storages["default"]
    name = storage.save("x/file.bin", ContentFile(b"abc"))
    with pytest.raises(ValueError):
        storage.open(name, "r+b")
    with storage.open(name) as handle:
        assert handle.read() == b"abc"


@pytest.mark.django_db
def test_every_way_of_writing_stores_ciphertext():
    people = [PersonFactory(), PersonFactory()]
    Person.objects.filter(pk=people[0].pk).update(declared_criminal_history=MARKER + " update")
    people[1].declared_criminal_history = MARKER + " bulk"
    Person.objects.bulk_update([people[1]], ["declared_criminal_history"])
    created = Person.objects.bulk_create(
        [
            PersonFactory.build(
                registration=people[0].registration,
                position=2 if people[0].position == 1 else 1,  # a place its registration has free
                declared_criminal_history=MARKER,
            )
        ]
    )
    for person, text in [(people[0], " update"), (people[1], " bulk"), (created[0], "")]:
        raw = _raw("registrations_person", "declared_criminal_history", person.pk)
        assert raw.startswith("pl1$") and MARKER not in raw
        assert Person.objects.get(pk=person.pk).declared_criminal_history == MARKER + text


def test_an_opened_file_offers_no_descriptor_so_no_server_sendfiles_ciphertext():
    from gunicorn.util import has_fileno

    storage = storages["default"]
    name = storage.save("x/photo.bin", ContentFile(b"plain photo"))
    with storage.open(name) as handle:
        assert not has_fileno(handle)
        assert handle.read() == b"plain photo"
