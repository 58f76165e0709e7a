"""An idempotency key for each form that creates something (a registration, a person, a
document), as the API's `Idempotency-Key` header is for its clients.

The page puts a new random key in a hidden field when it shows the form; the create takes it
(`registration_create_keyed` and the others). A POST that arrives twice (a double tap on a
slow phone, a browser resending after a timeout, nginx replaying a POST whose server died
after committing it) then makes one row, and the second answer shows that row. A form shown
again after a refusal keeps its key: nothing was stored with it."""

from __future__ import annotations

import secrets

from django.http import HttpRequest

FIELD = "idempotency_key"


def posted_key(request: HttpRequest) -> str:
    """The key the form carried ("" for none: then the create is not keyed)."""
    return request.POST.get(FIELD, "") if request.method == "POST" else ""


def form_key(request: HttpRequest) -> str:
    """The key to show in the form: the one it was posted with, else a new one."""
    return posted_key(request) or secrets.token_urlsafe(24)
