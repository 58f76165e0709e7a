"""Schemathesis fuzzes every operation of the live schema, with a token, within a bound."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portline.accounts.services import api_token_create
from tests.api.test_access import draft_registration
from tests.factories import UserFactory


@pytest.fixture
def _keep_test_connection():
    """Calls go straight to the WSGI app, whose request signals would close the database
    connection that holds the test's transaction; Django's test client unhooks them too."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_token(db, _keep_test_connection):
    user = UserFactory()
    draft_registration(user, people=2)  # something real behind the ids the fuzzer guesses
    _token, raw = api_token_create(user=user)
    return raw


def _load_schema():
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


# Loaded at collection (the schema needs no database); each operation becomes its own test.
schema = _load_schema()


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_holds_up_under_fuzzing(case, fuzz_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
