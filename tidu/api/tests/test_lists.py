"""The township's 推荐名单 through the API — create, add, order and 推荐意见, sign, send — and the city's 退回修改:
each through the list operation the pages use, visible only to its own unit and the city, one audit row per step
carrying the token id, the operation's Chinese refusal when the state does not allow it."""

from __future__ import annotations

import json

import pytest

from tidu import testing as build
from tidu.api.models import ApiToken
from tidu.api.tests.conftest import auth, token
from tidu.applications.workflow import State
from tidu.core.models import AuditEntry
from tidu.review.models import RecommendationList

pytestmark = pytest.mark.django_db


def _post(client, path, secret, body=None):
    return client.post(path, data=json.dumps(body) if body is not None else "", content_type="application/json",
                       **auth(secret))


def test_a_township_files_its_list_through_the_api_and_the_city_reopens_it(world, client):
    call, town_x = world["call"], world["people"]["town_x"]
    secret = token(town_x)
    recommended = []
    for n, name in enumerate(("天门市竟陵电子有限公司", "天门市竟陵化工有限公司")):
        enterprise = build.enterprise(world["units"]["x"], name)
        build.enterprise_user(enterprise, f"ent_l{n}")
        recommended.append(build.drive_to(build.application(enterprise, call=call), State.TOWNSHIP_RECOMMENDED))

    created = _post(client, f"/api/calls/{call.pk}/recommendation-lists", secret)
    assert created.status_code == 200, created.json()
    rlist = RecommendationList.objects.get(call=call, unit=world["units"]["x"])
    assert created.json()["object_id"] == rlist.pk
    again = _post(client, f"/api/calls/{call.pk}/recommendation-lists", secret)
    assert again.status_code == 409 and again.json()["detail"]  # one list per unit and call

    added = _post(client, f"/api/recommendation-lists/{rlist.pk}/entries", secret,
                  {"application_ids": [recommended[1].pk, recommended[0].pk]})
    assert added.status_code == 200, added.json()
    detail = client.get(f"/api/recommendation-lists/{rlist.pk}", **auth(secret)).json()
    assert [e["application_id"] for e in detail["entries"]] == [recommended[1].pk, recommended[0].pk]
    first, second = detail["entries"]
    edited = _post(client, f"/api/recommendation-lists/{rlist.pk}/edit", secret,
                   {"order": [second["id"], first["id"]], "opinions": {str(second["id"]): "同意推荐，设备联网率高。",
                                                                       str(first["id"]): "同意推荐。"}})
    assert edited.status_code == 200, edited.json()
    detail = client.get(f"/api/recommendation-lists/{rlist.pk}", **auth(secret)).json()
    assert [e["application_id"] for e in detail["entries"]] == [recommended[0].pk, recommended[1].pk]
    assert detail["entries"][0]["opinion"] == "同意推荐，设备联网率高。"

    signed = _post(client, f"/api/recommendation-lists/{rlist.pk}/actions/sign", secret)
    assert signed.status_code == 200, signed.json()
    rlist.refresh_from_db()
    assert rlist.status == "signed" and rlist.snapshot_sha256
    frozen = _post(client, f"/api/recommendation-lists/{rlist.pk}/entries/{detail['entries'][0]['id']}/remove", secret)
    assert frozen.status_code == 409 and frozen.json()["detail"]  # a signed list is frozen
    sent = _post(client, f"/api/recommendation-lists/{rlist.pk}/actions/send", secret)
    assert sent.status_code == 200, sent.json()
    rlist.refresh_from_db()
    assert rlist.status == "sent"

    token_id = ApiToken.objects.get(user=town_x).pk
    rows = AuditEntry.objects.filter(object_type="recommendation_list", object_id=str(rlist.pk)).order_by("pk")
    assert [r.action for r in rows] == ["create", "add", "edit", "sign", "send"]
    assert all(r.detail.get("api_token") == token_id for r in rows)

    # The township may not reopen; the city may, with a reason.
    assert _post(client, f"/api/recommendation-lists/{rlist.pk}/actions/reopen", secret,
                 {"reason": "请补充"}).status_code == 403
    city = token(world["people"]["city"])
    reopened = _post(client, f"/api/recommendation-lists/{rlist.pk}/actions/reopen", city,
                     {"reason": "请补充第二家企业的推荐意见依据。"})
    assert reopened.status_code == 200, reopened.json()
    rlist.refresh_from_db()
    assert rlist.status == "reopened"


def test_another_units_list_is_not_there_and_a_token_without_the_scope_is_refused(world, client):
    call = world["call"]
    rlist = RecommendationList.objects.create(call=call, unit=world["units"]["x"])
    other = token(world["people"]["town_y"])
    assert client.get(f"/api/recommendation-lists/{rlist.pk}", **auth(other)).status_code == 404
    assert _post(client, f"/api/recommendation-lists/{rlist.pk}/actions/sign", other).status_code == 404
    listed = client.get(f"/api/calls/{call.pk}/recommendation-lists", **auth(other)).json()
    assert listed == []
    read_only = token(world["people"]["town_x"], scopes=["read"])
    refused = _post(client, f"/api/recommendation-lists/{rlist.pk}/actions/sign", read_only)
    assert refused.status_code == 403 and "权限范围" in refused.json()["detail"]
    assert not AuditEntry.objects.filter(object_type="recommendation_list", action="sign").exists()
    enterprise = token(world["people"]["ent_a"])
    assert client.get(f"/api/calls/{call.pk}/recommendation-lists", **auth(enterprise)).json() == []
