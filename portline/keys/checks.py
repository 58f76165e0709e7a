"""`portline migrate` and `portline check --database default` refuse keys that cannot read
the stored data (`portline serve` and `portline worker` call `keys_check` themselves)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from portline.common.errors import ApplicationError


@register(Tags.database)
def keys_configured(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list:
    if not databases:
        return []
    from portline.keys.selectors import keys_check

    try:
        keys_check()
    except DatabaseError:  # tables not created yet: nothing stored, nothing to check
        return []
    except ApplicationError as exc:
        return [Error(str(exc.message), id="portline.keys.E001")]
    return []


@register(Tags.security, deploy=True)
def demo_key_in_use(app_configs: Any = None, **kwargs: Any) -> list:
    if settings.KEK == settings.DEMO_KEK:
        return [
            Warning(
                "PORTLINE_KEK is not set: data is encrypted with the public demo key.",
                hint="Set PORTLINE_KEK (`portline keys generate`); see docs/encryption.md.",
                id="portline.keys.W001",
            )
        ]
    return []
