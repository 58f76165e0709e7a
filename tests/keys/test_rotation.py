"""`portline keys rotate`: re-wraps data keys only, resumes after an interruption with every
value and file readable throughout, and retires the old key when done."""

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portline.audit.models import AuditRecord
from portline.common.encryption import HEADER_BYTES, FileHeader, kek_generate, keyring
from portline.keys.models import RetiredKey
from portline.keys.selectors import KeyRefused, file_key_ids, keys_check, value_key_ids
from portline.keys.services import keys_encrypt, keys_rotate, private_files
from portline.registrations.models import EvidenceDocument, Person
from tests.factories import PersonFactory
from tests.factories.inspection import photo_for

pytestmark = pytest.mark.django_db

OLD, NEW = kek_generate(), kek_generate()


def _everything_reads(people, documents, bodies):
    for person in people:
        assert Person.objects.get(pk=person.pk).declared_criminal_history == f"record {person.pk}"
    for document in documents:
        with EvidenceDocument.objects.get(pk=document.pk).file.open("rb") as handle:
            assert handle.read() == bodies[document.pk]


def _stored(settings, n=6):
    settings.KEK, settings.KEK_PREVIOUS = OLD, []
    people = [PersonFactory(declared_criminal_history="") for _ in range(n)]
    for person in people:
        person.declared_criminal_history = f"record {person.pk}"
        person.save()
    documents, bodies = [], {}
    for person in people:
        body = f"photo of {person.pk}".encode() * 5000
        document = photo_for(person, content=body)
        documents.append(document)
        bodies[document.pk] = body
    return people, documents, bodies


def test_rotation_interrupted_and_resumed_leaves_everything_readable(settings):
    people, documents, bodies = _stored(settings)
    sealed_before = {p: p.read_bytes()[HEADER_BYTES:] for p in private_files()}
    settings.KEK, settings.KEK_PREVIOUS = NEW, [OLD]  # step 1: new key current, old one kept
    old_id = keyring().previous and sorted(k.hex() for k in keyring().ids - {keyring().current_id})

    values = sum(value_key_ids().values())  # three encrypted fields per person and registration
    first = keys_rotate(limit=values - 2, batch=4)  # an interrupted run: no file yet
    assert (first.values, first.files, first.finished) == (values - 2, 0, False)
    _everything_reads(people, documents, bodies)  # both keys configured: all readable
    assert not RetiredKey.objects.exists()

    second = keys_rotate(limit=5, batch=4)  # interrupted again, half-way through the files
    assert second.values == 2 and second.files == 3 and not second.finished
    _everything_reads(people, documents, bodies)

    last = keys_rotate(batch=4)
    assert last.finished and last.files == 3 and last.retired == old_id
    assert set(value_key_ids()) == set(file_key_ids()) == {keyring().current_id.hex()}
    # Only the wrapped keys changed: every body on disk is byte for byte what it was.
    assert {p: p.read_bytes()[HEADER_BYTES:] for p in private_files()} == sealed_before
    assert AuditRecord.objects.filter(action="keys.kek.rotate").count() == 3

    settings.KEK_PREVIOUS = []  # step 3: the old key is removed; everything still reads
    keys_check(files=None)
    _everything_reads(people, documents, bodies)


def test_the_old_key_is_refused_after_rotation(settings):
    people, _documents, _bodies = _stored(settings, n=2)
    settings.KEK, settings.KEK_PREVIOUS = NEW, [OLD]
    assert keys_rotate().finished
    with pytest.raises(KeyRefused, match="retired"):  # still configured as previous
        keys_check()
    settings.KEK, settings.KEK_PREVIOUS = OLD, []  # or put back as the current key
    with pytest.raises(KeyRefused, match="retired"):
        keys_check()
    with pytest.raises(CommandError, match="retired"):
        call_command("worker")
    with pytest.raises(Exception, match="not configured"):
        Person.objects.get(pk=people[0].pk)


def test_a_running_application_is_not_overwritten_by_rotation(settings):
    """A value rewritten by the application between rotation's read and write is kept."""
    from portline.keys import services

    (person,), _documents, _bodies = _stored(settings, n=1)
    settings.KEK, settings.KEK_PREVIOUS = NEW, [OLD]
    column = next(
        c for c in services.encrypted_columns() if c.column == "declared_criminal_history"
    )
    rows = services._rows(column, *services._under_old_key(keyring()), 0, 10)
    Person.objects.filter(pk=person.pk).update(declared_criminal_history="changed meanwhile")
    services._swap(column, [("stale", pk, stored) for pk, stored in rows])
    assert Person.objects.get(pk=person.pk).declared_criminal_history == "changed meanwhile"


def test_the_wrong_key_refuses_to_start_and_writes_nothing(settings):
    _stored(settings, n=1)
    settings.KEK = kek_generate()
    before = AuditRecord.objects.count()
    with pytest.raises(KeyRefused, match="PORTLINE_KEK"):
        keys_check()
    for command in ("serve", "worker", "keys_rotate", "keys_encrypt"):
        with pytest.raises(CommandError, match="key id"):
            call_command(command)
    assert AuditRecord.objects.count() == before


def test_a_file_under_an_unknown_key_refuses_start(settings):
    from django.core.files.storage import storages

    settings.KEK = kek_generate()
    storages["default"].save("evidence/x/a.bin", ContentFile(b"data"))
    settings.KEK = kek_generate()
    with pytest.raises(KeyRefused):
        keys_check()


def test_plaintext_stored_before_encryption_is_encrypted_resumably(settings):
    people, documents, bodies = _stored(settings, n=3)
    settings.KEK = OLD
    # As stored before encryption: plaintext in the column and on disk.
    with connection.cursor() as cursor:
        for person in people:
            cursor.execute(
                "UPDATE registrations_person SET declared_criminal_history = %s WHERE id = %s",
                [f"record {person.pk}", person.pk],
            )
    plain = next(private_files())
    plain_document = next(d for d in documents if plain.name in d.file.name)
    plain.write_bytes(bodies[plain_document.pk])
    assert value_key_ids()["plaintext"] >= 3 and file_key_ids()["plaintext"] == 1
    _everything_reads(people, documents, bodies)  # still readable meanwhile

    result = keys_encrypt()
    assert result.files == 1 and result.values >= 3
    assert "plaintext" not in value_key_ids() and "plaintext" not in file_key_ids()
    assert bodies[plain_document.pk][:20] not in plain.read_bytes()
    assert FileHeader.parse(plain.read_bytes()[:HEADER_BYTES]) is not None
    _everything_reads(people, documents, bodies)
    again = keys_encrypt()  # a second run (a resumed one) finds nothing left
    assert (again.values, again.files) == (0, 0)


def test_dry_runs_count_and_write_nothing(settings):
    from io import StringIO

    _stored(settings, n=2)
    settings.KEK, settings.KEK_PREVIOUS = NEW, [OLD]
    before = (dict(value_key_ids()), dict(file_key_ids()), AuditRecord.objects.count())
    out = StringIO()
    call_command("keys_rotate", "--dry-run", stdout=out)
    call_command("keys_encrypt", "--dry-run", stdout=out)
    assert "2 files to re-wrap" in out.getvalue() and "0 values and 0 files" in out.getvalue()
    assert (dict(value_key_ids()), dict(file_key_ids()), AuditRecord.objects.count()) == before
