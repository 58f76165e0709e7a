import pytest
from django.db import DatabaseError, transaction

from portline.audit.models import AuditRecord
from portline.audit.services import audit_record
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_audit_record_requires_the_changes_transaction():
    user = UserFactory()
    with pytest.raises(RuntimeError):
        audit_record(actor=user, action="test.thing.do", target=user)


@pytest.mark.django_db
def test_audit_rows_cannot_be_updated_or_deleted_in_the_database():
    user = UserFactory()
    with transaction.atomic():
        record = audit_record(actor=user, action="test.thing.do", target=user, data={"n": 1})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).update(action="test.thing.undo")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).delete()
    record.refresh_from_db()
    assert record.action == "test.thing.do"
    assert record.target_type == "accounts.user" and record.target_id == str(user.pk)
