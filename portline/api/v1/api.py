"""The JSON API, version 1. Each area has its own router module; this file only wires them."""

from ninja import NinjaAPI

api = NinjaAPI(title="Portline API", version="1", urls_namespace="api-v1")


@api.get("/health", auth=None, summary="Service health")
def health(request):
    return {"status": "ok"}
