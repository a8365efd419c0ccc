"""Property-based fuzz of the whole API from its own OpenAPI document (schemathesis), with a token of each role:
no 500, every response documented and matching its schema, and no object outside the caller's visibility.

In-process through the WSGI handler (the test database stays visible to the requests); CI runs the same
checks with the schemathesis command line against gunicorn on PostgreSQL (deploy/ci_production_smoke.sh).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tidu.api.tests.conftest import token
from tidu.api.visibility import outside_visibility

pytestmark = pytest.mark.django_db

ROLES = ("ent_a", "town_x", "city")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """The real WSGI handler, without closing the test's database connection after each request (as the test
    client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_api_holds_its_own_contract_for_every_role(world, settings, wsgi_app):
    settings.ALLOWED_HOSTS = ["*"]
    settings.TIDU_API_RATE_PER_MINUTE = 0
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for username in ROLES:
        user = world["people"][username]
        headers = {"Authorization": f"Bearer {token(user)}"}
        for operation in operations:
            fuzz(operation, user, headers)


def fuzz(operation, user, headers) -> None:
    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=6, deadline=None, database=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        if response.status_code == 200 and "json" in response.headers.get("Content-Type", [""])[0]:
            assert not outside_visibility(user, case.formatted_path, response.json()), case.formatted_path

    run()
