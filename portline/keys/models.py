from django.db import models

from portline.common import clock


class RetiredKey(models.Model):
    """A key-encryption key that a finished rotation replaced: refused from then on."""

    key_id = models.CharField(max_length=16, unique=True)
    retired_at = models.DateTimeField(default=clock.now)
    replaced_by = models.CharField(max_length=16)

    def __str__(self) -> str:
        return self.key_id
