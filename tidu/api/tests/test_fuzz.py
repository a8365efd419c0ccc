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

from tidu import testing as build
from tidu.api.tests.conftest import NOW, token
from tidu.api.visibility import outside_visibility
from tidu.applications.workflow import State

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


@pytest.fixture
def later_steps(world):
    """Objects of the city's later steps, so that their reads and actions meet real rows: a received
    application, an expert-reviewed one with its on-site check, a draft 公示 and a finished batch."""
    from tidu.publicity.services import publicity_create
    from tidu.review.services import batch_run

    city, x = world["people"]["city"], world["units"]["x"]
    made = []
    for n, state in enumerate((State.RECEIVED, State.FORMAL_PASSED)):
        enterprise = build.enterprise(x, f"天门市后续环节{n}有限公司")
        build.enterprise_user(enterprise, f"ent_later{n}")
        made.append(build.drive_to(build.application(enterprise, call=world["call"]), state))
    build.expert_reviewed(made[1], [build.expert(f"fuzz_exp{n}", profile=True) for n in range(3)], city=city)
    publicity_create(call=world["call"], user=city, title="拟认定名单公示", start_date=NOW.date(),
                     contact_office="市经信局", contact_phone="0728-1234567")
    batch_run(applications=made[0].__class__.objects.filter(pk=made[0].pk), action="city_receive", user=city)
    return made


def test_the_api_holds_its_own_contract_for_every_role(world, later_steps, settings, wsgi_app):
    settings.ALLOWED_HOSTS = ["*"]
    settings.TIDU_API_RATE_PER_MINUTE = 0
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 24
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
