"""Background integrity work (django-tasks, database backend; run by `portline worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def integrity_check_registration(registration_id: int) -> int:
    """Queued at submission: check the new registration against every earlier one."""
    from portline.integrity.services import registration_check

    return registration_check(registration_id=registration_id)
