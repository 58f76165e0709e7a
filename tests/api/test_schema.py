"""The published schema declares every error; the docs page works with no network."""

from __future__ import annotations

import re

import pytest
from django.test import Client

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
    assert "cdn" not in html.lower()
    assert "default-src 'self'" in page["Content-Security-Policy"]
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(b"".join(asset.streaming_content)) > 500
        asset.close()
    assert client.get(f"{API}/docs/assets/..%2Fsettings.py").status_code == 404
