"""The organizations acting for an applicant (their recorded consent), and withdrawing it.

The same as the applicant's "Organizations acting for you" page: an applicant lists the live
consents on their own registrations and withdraws one; after that the organization sees
nothing new. Anyone else's consent answers 404.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from portline.api.v1.errors import responses
from portline.registrations.models import PartnerConsent
from portline.registrations.selectors import access_consent, consents_for_applicant
from portline.registrations.services import consent_withdraw

router = Router(tags=["registrations"])


class ConsentOut(Schema):
    id: int
    organization: str = Field(..., description="The organization acting for the person.")
    registration: str = Field(..., description="The registration's reference.")
    statement: str = Field(..., description="What was agreed, word for word.")
    language: str = Field(..., description="The language the statement was read in.")
    medium: str = Field(..., description="paper or screen.")
    given_on: str = Field(..., description="The date the consent was given (ISO 8601).")
    withdrawn: bool


def _out(consent: PartnerConsent) -> ConsentOut:
    return ConsentOut(
        id=consent.pk,
        organization=consent.partner.name,
        registration=consent.registration.reference,
        statement=consent.statement,
        language=consent.language,
        medium=consent.medium,
        given_on=consent.given_on.isoformat(),
        withdrawn=consent.withdrawn_at is not None,
    )


@router.get(
    "/consents",
    response=responses({200: list[ConsentOut]}),
    summary="The organizations acting for you, with what you agreed",
)
def consents(request: HttpRequest):
    return Status(200, [_out(consent) for consent in consents_for_applicant(request.auth)])


@router.post(
    "/consents/{consent_id}/withdraw",
    response=responses({200: ConsentOut}, 404),
    summary="Withdraw your consent: the organization sees nothing new from then on",
)
def consent_withdraw_call(request: HttpRequest, consent_id: int):
    consent = access_consent(request.auth, consent_id)
    return Status(200, _out(consent_withdraw(actor=request.auth, consent=consent)))
