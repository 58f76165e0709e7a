from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client

from portline.accounts.services import api_token_create

API = "/api/v1"
IN_AREA = {"latitude": 32.5149, "longitude": -117.0382, "accuracy_m": 25.0}  # Tijuana


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache; each test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


class ApiClient:
    """A thin JSON client over Django's test client, with an optional bearer token."""

    def __init__(self, client: Client, token: str | None = None):
        self.client = client
        self.token = token

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return headers | (extra or {})

    def get(self, path: str, headers: dict | None = None, **params: Any):
        return self.client.get(API + path, params, headers=self.headers(headers))

    def post(self, path: str, body: Any = None, headers: dict | None = None):
        return self.client.post(
            API + path,
            json.dumps(body or {}, cls=DjangoJSONEncoder),
            content_type="application/json",
            headers=self.headers(headers),
        )

    def patch(self, path: str, body: Any, headers: dict | None = None):
        return self.client.patch(
            API + path,
            json.dumps(body, cls=DjangoJSONEncoder),
            content_type="application/json",
            headers=self.headers(headers),
        )

    def delete(self, path: str, headers: dict | None = None):
        return self.client.delete(API + path, headers=self.headers(headers))

    def upload(self, path: str, data: dict, headers: dict | None = None):
        return self.client.post(API + path, data, headers=self.headers(headers))


def api_client_for(user) -> ApiClient:
    _token, raw = api_token_create(user=user, name="test")
    return ApiClient(Client(), raw)


@pytest.fixture
def anonymous_api() -> ApiClient:
    return ApiClient(Client())


@pytest.fixture
def applicant_api(applicant) -> ApiClient:
    return api_client_for(applicant)


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) - {"details"} == {"code", "message", "fields"}, body
    assert body["error"]["message"]
    return body["error"]
