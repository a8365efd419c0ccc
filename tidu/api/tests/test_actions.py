"""Township and city actions through the API: the same operation and check as the page, the same audit row
(plus the token id), refusals as clear Chinese 4xx answers, and the Idempotency-Key honoured."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tidu import testing as build
from tidu.api.models import ApiToken
from tidu.api.tests.conftest import NOW, auth, token
from tidu.applications.workflow import State
from tidu.core.models import AuditEntry
from tidu.testing import AuditSince

pytestmark = pytest.mark.django_db


def _facts(row):
    detail = {k: v for k, v in row.detail.items() if k != "api_token"}
    return row.actor, row.actor_role, row.object_type, row.action, row.from_status, row.to_status, row.reason, detail


def _second_application(world, name="天门市竟陵电子有限公司", username="ent_d"):
    enterprise = build.enterprise(world["units"]["x"], name)
    build.enterprise_user(enterprise, username)
    application = build.application(enterprise, call=world["call"])
    build.submitted(application, now=NOW)
    return application


def _post(client, path, secret, body=None, **headers):
    import json

    return client.post(path, data=json.dumps(body) if body is not None else "", content_type="application/json",
                       **auth(secret), **headers)


def test_a_recommendation_through_the_api_writes_the_same_audit_row_as_the_page_plus_the_token(world, client):
    town = world["people"]["town_x"]
    by_page, by_api = world["apps"]["a"], _second_application(world)
    client.force_login(town)
    since = AuditSince()
    client.post(reverse("applications:review", args=[by_page.pk]), {"action": "township_recommend",
                                                                     "reason": "同意"})
    page_row = since.one("application")
    client.logout()
    secret = token(town)
    since = AuditSince()
    response = _post(client, f"/api/applications/{by_api.pk}/actions/township_recommend", secret, {"reason": "同意"})
    assert response.status_code == 200, response.json()
    api_row = since.one("application")
    assert _facts(api_row) == _facts(page_row)
    assert api_row.detail["api_token"] == ApiToken.objects.get(user=town).pk and "api_token" not in page_row.detail
    assert response.json() == {"audit_id": api_row.pk, "object_type": "application", "object_id": by_api.pk,
                               "action": "township_recommend", "from_status": "submitted",
                               "to_status": "township_recommended", "status_label": "乡镇已推荐，待报送推荐名单"}


def test_a_return_for_revision_needs_its_sections_and_the_city_receives_only_from_a_sent_list(world, client):
    app_a, app_b = world["apps"]["a"], world["apps"]["b"]
    town = token(world["people"]["town_x"])
    refused = _post(client, f"/api/applications/{app_a.pk}/actions/township_return", town, {"reason": "请补正"})
    assert refused.status_code == 409 and "至少指明一个需要修改的部分" in refused.json()["detail"]
    bad_date = _post(client, f"/api/applications/{app_a.pk}/actions/township_return", town,
                     {"section_reasons": {"basic": "请补充"}, "due_date": "2026-02-31"})
    assert bad_date.status_code == 422 and bad_date.json()["problems"][0] == {
        "field": "due_date", "message": "应为日期（YYYY-MM-DD）"}
    done = _post(client, f"/api/applications/{app_a.pk}/actions/township_return", town,
                 {"section_reasons": {"basic": "请补充主要产品市场占有率"}})
    assert done.status_code == 200 and done.json()["to_status"] == State.RETURNED
    city = token(world["people"]["city"])
    not_sent = _post(client, f"/api/applications/{app_b.pk}/actions/city_receive", city)
    assert not_sent.status_code == 409 and "推荐名单" in not_sent.json()["detail"]
    build.put_on_sent_list(app_b)
    since = AuditSince()
    received = _post(client, f"/api/applications/{app_b.pk}/actions/city_receive", city)
    assert received.status_code == 200 and received.json()["to_status"] == State.RECEIVED
    assert since.one("application").detail["api_token"] == ApiToken.objects.get(user=world["people"]["city"]).pk


def test_wrong_scope_wrong_unit_and_unknown_actions_are_refused(world, client):
    app_a, app_b = world["apps"]["a"], world["apps"]["b"]
    town_y = token(world["people"]["town_y"])
    assert _post(client, f"/api/applications/{app_a.pk}/actions/township_recommend", town_y).status_code == 404
    city_as_town = _post(client, f"/api/applications/{app_b.pk}/actions/township_withdraw_recommendation",
                          token(world["people"]["city"]), {"reason": "x"})
    assert city_as_town.status_code == 403 and "乡镇办理" in city_as_town.json()["detail"]
    unknown = _post(client, f"/api/applications/{app_a.pk}/actions/recognise", town_y)
    assert unknown.status_code == 422 and unknown.json()["problems"] == [{"field": "action", "message": "不是允许的取值"}]
    enterprise = token(world["people"]["ent_a"])
    assert _post(client, f"/api/applications/{app_a.pk}/actions/township_recommend", enterprise).status_code == 403
    assert not AuditEntry.objects.filter(object_id=str(app_a.pk), action="township_recommend").exists()


def test_the_idempotency_key_gives_one_action_and_the_same_answer(world, client):
    app_a = world["apps"]["a"]
    secret = token(world["people"]["town_x"])
    path = f"/api/applications/{app_a.pk}/actions/township_recommend"
    first = _post(client, path, secret, {"reason": "同意"}, HTTP_IDEMPOTENCY_KEY="k-1")
    again = _post(client, path, secret, {"reason": "同意"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert AuditEntry.objects.filter(object_id=str(app_a.pk), action="township_recommend").count() == 1
    other = _post(client, path, secret, {"reason": "另一个意见"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    # Without a key a repeat is the operation's own refusal (the state moved on), not a second row.
    repeat = _post(client, path, secret, {"reason": "同意"})
    assert repeat.status_code == 409 and "不能“同意推荐”" in repeat.json()["detail"]


def test_the_township_confirms_an_enterprise_like_on_its_page(world, client):
    town = world["people"]["town_x"]
    pending = world["pending"]
    other = build.enterprise(world["units"]["x"], "天门市另一待确认有限公司", confirmed=False)
    client.force_login(town)
    since = AuditSince()
    client.post(reverse("enterprises:enterprise_confirm", args=[other.pk]))
    page_row = since.one("enterprise")
    client.logout()
    since = AuditSince()
    response = _post(client, f"/api/enterprises/{pending.pk}/confirm", token(town), HTTP_IDEMPOTENCY_KEY="c-1")
    assert response.status_code == 200 and response.json()["status_label"] == "已确认"
    api_row = since.one("enterprise")
    assert _facts(api_row) == _facts(page_row) and "api_token" in api_row.detail
    again = _post(client, f"/api/enterprises/{pending.pk}/reject", token(town), {"reason": ""})
    assert again.status_code in (400, 409) and again.json()["detail"]
    assert _post(client, f"/api/enterprises/{pending.pk}/confirm", token(world["people"]["town_y"])).status_code == 404
