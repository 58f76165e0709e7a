"""The published schema declares every error; the docs page works with no network."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from portline.api.v1.schemas import PHONE_PATTERN

API = "/api/v1"
OPEN = {("get", "/api/v1/health"), ("get", "/api/v1/ports")}


@pytest.fixture
def schema(db):
    return Client().get(f"{API}/openapi.json").json()


def test_every_operation_declares_the_error_body(schema):
    assert "ErrorOut" in schema["components"]["schemas"]
    operations = [
        (method, path, op) for path, item in schema["paths"].items() for method, op in item.items()
    ]
    assert len(operations) >= 20
    for method, path, op in operations:
        if path == "/api/v1/health":
            continue  # no input, no login: nothing to refuse
        codes = set(op["responses"])
        assert {"400", "429"} <= codes, (method, path, codes)
        if (method, path) not in OPEN and "security" in op:
            assert {"401", "403"} <= codes, (method, path, codes)
        for code in codes - {"200", "201", "204"}:
            content = op["responses"][code]["content"]["application/json"]["schema"]
            assert content == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, code)


def test_authentication_is_in_the_schema(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    registrations = schema["paths"]["/api/v1/registrations"]["get"]
    assert len(registrations["security"]) == 2
    assert "security" not in schema["paths"]["/api/v1/auth/token"]["post"]


def test_docs_page_needs_no_network(db):
    client = Client()
    page = client.get(f"{API}/docs")
    assert page.status_code == 200
    html = page.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/api/v1/docs/assets/") for u in urls), urls
    # The CSRF token is random letters and may hold "cdn" by chance (it did once).
    assert "cdn" not in re.sub(r'data-csrf-token="[^"]*"', "", html).lower()
    assert "default-src 'self'" in page["Content-Security-Policy"]
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(b"".join(asset.streaming_content)) > 500
        asset.close()
    assert client.get(f"{API}/docs/assets/..%2Fsettings.py").status_code == 404


def _body_schema(schema, path: str, method: str, media: str = "application/json") -> dict:
    body = schema["paths"][path][method]["requestBody"]["content"][media]["schema"]
    if "$ref" in body:
        return schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return body


def _plain(prop: dict) -> list[dict]:
    return prop.get("anyOf", [prop])


def test_the_schema_states_what_the_server_checks(schema):
    """Schema-valid input must not be refused for what the schema could have said."""
    for path, method in (("/api/v1/auth/signup", "post"), ("/api/v1/auth/me", "patch")):
        language = _body_schema(schema, path, method)["properties"]["language"]
        assert language["enum"] == [code for code, _name in settings.LANGUAGES], (path, language)
    registration = _body_schema(schema, "/api/v1/registrations", "post")["properties"]
    phone = next(p for p in _plain(registration["sponsor_phone"]) if p.get("type") == "string")
    assert phone["pattern"] == PHONE_PATTERN  # spaces and dashes too, as the pages take them
    assert re.match(PHONE_PATTERN, "+52 55 1234 5678") and not re.match(PHONE_PATTERN, "55 1234")
    states = next(p for p in _plain(registration["us_state"]) if p.get("type") != "null")
    assert "TX" in states["enum"] and "XX" not in states["enum"]
    person = _body_schema(schema, "/api/v1/registrations/{reference}/people", "post")["properties"]
    height = next(p for p in _plain(person["height_cm"]) if p.get("type") == "integer")
    assert (height["minimum"], height["maximum"]) == (40, 250)
    assert person["relationship"].get("type") != "null" and "anyOf" not in person["relationship"]
    confirm = _body_schema(
        schema,
        "/api/v1/appointments/{confirmation_number}/people/{position}/confirm",
        "post",
        "multipart/form-data",
    )["properties"]
    assert confirm["accuracy_m"] == confirm["accuracy_m"] | {
        "type": "number",
        "minimum": 0,
        "maximum": 5000.0,
    }
    assert (confirm["latitude"]["minimum"], confirm["latitude"]["maximum"]) == (-90, 90)
    upload = _body_schema(
        schema, "/api/v1/registrations/{reference}/evidence", "post", "multipart/form-data"
    )["properties"]
    assert upload["person"]["type"] == "integer"  # a form field is never null
    (key,) = [
        p
        for p in schema["paths"]["/api/v1/requests"]["post"]["parameters"]
        if p["name"] == "Idempotency-Key"
    ]
    assert key["required"] is True and key["in"] == "header"
    for item in schema["paths"].values():
        for op in item.values():
            if "security" in op:
                assert {"400", "401", "403", "422", "429"} <= set(op["responses"])


def test_a_number_is_not_a_date_of_birth(db):
    response = Client().post(
        f"{API}/appointments/verify",
        {"date_of_birth": 0, "confirmation_number": "0"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "date_of_birth" in response.json()["error"]["fields"]
