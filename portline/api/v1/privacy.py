"""The person's rights over their registration: their own copy of everything held, who
opened their file, and a request to delete a registration that never reached a port.

Only the registration owner's account may call these; anyone else (another applicant, partner
staff, port staff) gets 404, the same as for a registration that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Path, Router, Schema, Status
from pydantic import Field

from portline.api.v1.errors import responses
from portline.api.v1.schemas import REFERENCE_PATTERN
from portline.privacy import selectors, services

router = Router(tags=["personal data"])

Reference = Path(..., pattern=REFERENCE_PATTERN, description="The registration's reference.")


class AccessEventOut(Schema):
    at: str = Field(..., description="When (UTC, ISO 8601).")
    role: str = Field(..., description="The reader's role (never their name).")
    what: str = Field(..., description="case_file, evidence, confirmation_photo or export.")


class DeletionRequestOut(Schema):
    reference: str
    status: str = Field(..., description="pending until the next retention run, then done.")
    requested_at: str


def _fallback_language(request: HttpRequest) -> str:
    return getattr(request.auth, "preferred_language", "") or get_language() or "en"


@router.get(
    "/registrations/{reference}/personal-data",
    response=responses({200: dict[str, Any]}, 404),
    summary="Your copy of everything held about a registration (JSON)",
)
def personal_data(request: HttpRequest, reference: str = Reference):
    content, content_type, filename = services.personal_data_export(
        actor=request.auth, reference=reference, fmt="json"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/registrations/{reference}/personal-data.pdf",
    response=responses({}, 404),
    summary="Your copy as a readable PDF in your language",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def personal_data_pdf(request: HttpRequest, reference: str = Reference):
    content, content_type, filename = services.personal_data_export(
        actor=request.auth,
        reference=reference,
        fmt="pdf",
        fallback_language=_fallback_language(request),
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/registrations/{reference}/access-history",
    response=responses({200: list[AccessEventOut]}, 404),
    summary="Who opened your case file, documents or data, and when",
)
def access_history(request: HttpRequest, reference: str = Reference):
    registration = selectors.access_own_registration(request.auth, reference)
    return [
        {"at": event.at.isoformat(), "role": event.role, "what": event.action}
        for event in selectors.access_history(registration)
    ]


@router.post(
    "/registrations/{reference}/deletion-request",
    response=responses({201: DeletionRequestOut}, 404, 409),
    summary="Ask for a registration that never reached a port to be deleted",
)
def deletion_request(request: HttpRequest, reference: str = Reference):
    """Refused with 409 and the reason when someone of the registration reached a port
    (`reached_port`), while an appointment is waiting or confirmed (`live_appointment`), or
    when already asked (`already_requested`). Accepted: the registration is withdrawn now and
    deleted by the next retention run."""
    created = services.deletion_request_create(actor=request.auth, reference=reference)
    return Status(
        201,
        {
            "reference": created.reference,
            "status": created.status,
            "requested_at": created.requested_at.isoformat(),
        },
    )
