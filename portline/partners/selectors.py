"""Reads of partner organizations."""

from __future__ import annotations

from django.db.models import QuerySet

from portline.partners.models import PartnerOrganization


def partner_organizations() -> QuerySet[PartnerOrganization]:
    return PartnerOrganization.objects.order_by("name")


def partner_organization_is_active(organization_id: int | None) -> bool:
    """Whether the organization exists and is not suspended (read fresh, never cached)."""
    if organization_id is None:
        return False
    return PartnerOrganization.objects.filter(pk=organization_id, active=True).exists()
