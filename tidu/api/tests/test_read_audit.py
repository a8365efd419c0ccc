"""Every API call is audited with its token id: reads (one compact row each, with the object or the listed ids),
refused calls, evaluations; an action's own operation row is the call's only row. The auditor finds them on the
操作日志 page, filtered by token."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tidu.api.middleware import CALL_ACTION, READ_ACTION
from tidu.api.models import ApiToken
from tidu.api.tests.conftest import auth, token
from tidu.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_every_read_leaves_one_row_with_the_token_the_object_and_the_status(world, client):
    town = world["people"]["town_x"]
    secret = token(town)
    made = ApiToken.objects.get(user=town)
    app_a, app_b = world["apps"]["a"], world["apps"]["b"]
    assert client.get("/api/applications?limit=5", **auth(secret)).status_code == 200
    assert client.get(f"/api/applications/{app_a.pk}", **auth(secret)).status_code == 200
    assert client.get(f"/api/applications/{app_b.pk}", **auth(secret)).status_code == 404  # another unit's
    reads = list(AuditEntry.objects.filter(action=READ_ACTION).order_by("pk"))
    assert len(reads) == 3 and {row.detail["api_token"] for row in reads} == {made.pk}
    assert {row.actor for row in reads} == {town}
    listing, one, refused = reads
    assert listing.detail["listed"] == {"kind": "application", "ids": [app_a.pk]}
    assert listing.detail["query"] == "limit=5" and listing.detail["status"] == 200
    assert (one.object_type, one.object_id, one.detail["status"]) == ("application", str(app_a.pk), 200)
    assert (refused.object_type, refused.object_id, refused.detail["status"]) == ("application", str(app_b.pk), 404)
    assert one.application_id is None  # a read is not part of the application's own timeline


def test_refused_and_stateless_calls_are_audited_and_an_action_has_only_its_operation_row(world, client):
    town = world["people"]["town_x"]
    secret = token(town, scopes=["read", "township:act"])
    made = ApiToken.objects.get(user=town)
    client.post("/api/evaluate", data="{}", content_type="application/json", **auth(secret))  # scope missing
    path = f"/api/applications/{world['apps']['a'].pk}/actions/township_recommend"
    client.post(path, data=json.dumps({"reason": "同意"}), content_type="application/json", **auth(secret))
    calls = AuditEntry.objects.filter(detail__api_token=made.pk).order_by("pk")
    assert [(row.action, row.detail.get("status")) for row in calls] == [(CALL_ACTION, 403),
                                                                          ("township_recommend", None)]
    ApiToken.objects.filter(pk=made.pk).update(revoked_at=made.created_at)
    assert client.get("/api/calls", **auth(secret)).status_code == 401
    last = AuditEntry.objects.filter(detail__api_token=made.pk).latest("pk")
    assert (last.action, last.detail["status"]) == (READ_ACTION, 401)


def test_calls_without_a_known_token_and_rate_limited_calls_add_no_rows(world, client, settings):
    client.get("/api/applications", HTTP_AUTHORIZATION="Bearer tidu_unknown")
    client.get("/api/openapi.json")
    assert not AuditEntry.objects.filter(action__in=(READ_ACTION, CALL_ACTION)).exists()
    settings.TIDU_API_RATE_PER_MINUTE = 1
    secret = token(world["people"]["city"])
    assert [client.get("/api/calls", **auth(secret)).status_code for _ in range(3)] == [200, 429, 429]
    assert AuditEntry.objects.filter(action=READ_ACTION).count() == 1


def test_the_auditor_filters_the_log_by_token(world, client):
    secret_x, secret_c = token(world["people"]["town_x"]), token(world["people"]["city"])
    client.get("/api/calls", **auth(secret_x))
    client.get("/api/enterprises", **auth(secret_c))
    city_token = ApiToken.objects.get(user=world["people"]["city"])
    client.force_login(world["people"]["auditor"])
    page = client.get(reverse("accounts:audit_log"), {"api_token": city_token.pk, "action": READ_ACTION})
    html = page.content.decode()
    assert page.status_code == 200 and "GET /api/enterprises → 200" in html and "/api/calls" not in html
