"""The ports of entry taking requests (published information: no login needed)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from portline.api.v1.errors import responses
from portline.api.v1.schemas import PortOut
from portline.scheduling.selectors import ports_active

router = Router(tags=["ports"])


@router.get(
    "/ports", response=responses({200: list[PortOut]}), auth=None, summary="Ports taking requests"
)
def port_list(request: HttpRequest):
    """Eight ports at most, so this list is not paginated."""
    return ports_active()
