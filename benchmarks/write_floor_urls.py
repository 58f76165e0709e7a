"""The product's URLs plus two benchmark-only endpoints behind the same middleware and the
same bearer-token authentication as POST /api/v1/requests (benchmarks/service_write_floor.py):

- POST /api/floor/write: parses the appointment request's body, then one INSERT of a row
  and COMMIT (synchronous_commit on, as every Portline write): the least a durable,
  authenticated write can cost on this stack.
- POST /api/floor/noop: the same without the INSERT and COMMIT (HTTP, middleware, token).
"""

from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI, Schema, Status

from config.urls import urlpatterns as product_urlpatterns
from portline.api.v1.schemas import AppointmentRequestIn
from portline.api.v1.security import BearerToken
from portline.common import clock

TABLE = "bench_floor_write"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, user_id bigint NOT NULL, "
    "registration text NOT NULL, latitude double precision, longitude double precision, "
    "idempotency_key text NOT NULL UNIQUE, created_at timestamptz NOT NULL)"
)

floor = NinjaAPI(urls_namespace="floor", auth=BearerToken(), docs_url=None)


class FloorOut(Schema):
    id: int


@floor.post("/write", response={201: FloorOut})
def floor_write(request: HttpRequest, payload: AppointmentRequestIn):
    key = request.headers.get("Idempotency-Key", "")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (user_id, registration, latitude, longitude, "  # noqa: S608  # fixed table name
            "idempotency_key, created_at) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            [
                request.auth.pk,
                payload.registration,
                payload.latitude,
                payload.longitude,
                key,
                clock.now(),
            ],
        )
        row_id = cursor.fetchone()[0]
    return Status(201, {"id": row_id})


@floor.post("/noop", response={201: FloorOut})
def floor_noop(request: HttpRequest, payload: AppointmentRequestIn):
    return Status(201, {"id": 0})


urlpatterns = [path("api/floor/", floor.urls), *product_urlpatterns]
