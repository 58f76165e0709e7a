"""Reads of partner organizations."""

from __future__ import annotations

from django.db.models import QuerySet

from portline.partners.models import PartnerOrganization


def partner_organizations() -> QuerySet[PartnerOrganization]:
    return PartnerOrganization.objects.order_by("name")
