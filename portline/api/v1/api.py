"""The JSON API, version 1. Each area has its own router module; this file only wires them.

Authentication for every operation unless it says `auth=None`: a bearer token
(`Authorization: Bearer pl_…`) or a session cookie with a verified second factor (and the
CSRF token on unsafe methods). Errors share one body; see `errors.py` and docs/api.md.
"""

from ninja import NinjaAPI

from portline.api.v1.accounts import router as accounts_router
from portline.api.v1.appointment_requests import router as appointment_requests_router
from portline.api.v1.docs import OfflineSwagger, install_docs_assets
from portline.api.v1.errors import install_error_handlers
from portline.api.v1.ports import router as ports_router
from portline.api.v1.registrations import router as registrations_router
from portline.api.v1.security import AUTH

api = NinjaAPI(
    title="Portline API",
    version="1",
    description="Port-of-entry appointments: accounts, registrations, evidence and appointment requests. See docs/api.md.",
    urls_namespace="api-v1",
    auth=AUTH,
    docs=OfflineSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
install_docs_assets(api)


@api.get("/health", auth=None, summary="Service health")
def health(request):
    return {"status": "ok"}


# Routers: one add_router line per area (import the router above). ------------------------
api.add_router("/auth", accounts_router)
api.add_router("/", ports_router)
api.add_router("/", registrations_router)
api.add_router("/", appointment_requests_router)
# Other areas add theirs below, e.g. api.add_router("/", appointments_router)
api.add_router("/appointments", "portline.api.v1.appointments.router")
api.add_router("/release", "portline.api.v1.release.router")
api.add_router("/rounds", "portline.api.v1.rounds.router")
api.add_router("/", "portline.api.v1.statistics.router")
api.add_router("/", "portline.api.v1.privacy.router")
api.add_router("/", "portline.api.v1.consents.router")
