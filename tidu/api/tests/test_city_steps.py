"""The city's later steps through the API — 形式审查, 选派专家, 专家评审完成, 现场核查, 评审结论, batch actions, 集体决策,
公示 — each through the page's own operation: visibility first (404), the operation's check (403 / 409 with its
Chinese reason), one audit row carrying the token id, the Idempotency-Key honoured."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tidu import testing as build
from tidu.api.models import ApiToken
from tidu.api.tests.conftest import NOW, auth, token
from tidu.applications.workflow import State
from tidu.core.events import deliver_pending
from tidu.core.models import AuditEntry
from tidu.review.formal import formal_checklist
from tidu.review.models import FormalReview
from tidu.testing import AuditSince

pytestmark = pytest.mark.django_db


def _post(client, path, secret, body=None, **headers):
    return client.post(path, data=json.dumps(body) if body is not None else "", content_type="application/json",
                       **auth(secret), **headers)


def _app(world, state, name="天门市竟陵电子有限公司", username="ent_d"):
    enterprise = build.enterprise(world["units"]["x"], name)
    build.enterprise_user(enterprise, username)
    application = build.application(enterprise, call=world["call"])
    return build.drive_to(application, state)


def test_formal_review_through_the_api_records_the_review_and_the_transition_with_the_token(world, client):
    city = world["people"]["city"]
    secret = token(city)
    received = _app(world, State.RECEIVED)
    unticked = _post(client, f"/api/applications/{received.pk}/actions/formal_pass", secret)
    assert unticked.status_code == 409 and "未勾选，不能通过形式审查" in unticked.json()["detail"]
    assert unticked.json()["problems"]  # each unticked item of the engine's pre-check, as on the page
    items = formal_checklist(received)
    body = {"checked": {item.key: True for item in items},
            "override_reasons": {item.key: "已核对纸质材料" for item in items if not item.engine_checked}}
    since = AuditSince()
    response = _post(client, f"/api/applications/{received.pk}/actions/formal_pass", secret, body,
                     HTTP_IDEMPOTENCY_KEY="fp-1")
    assert response.status_code == 200, response.json()
    row = since.one("application")
    assert (row.action, row.to_status, row.detail["api_token"]) == (
        "formal_pass", State.FORMAL_PASSED, ApiToken.objects.get(user=city).pk)
    assert response.json()["audit_id"] == row.pk and response.json()["to_status"] == State.FORMAL_PASSED
    review = FormalReview.objects.get(application=received)
    assert review.audit_entry_id == row.pk and not review.batch
    again = _post(client, f"/api/applications/{received.pk}/actions/formal_pass", secret, body,
                  HTTP_IDEMPOTENCY_KEY="fp-1")
    assert again.json() == response.json() and FormalReview.objects.filter(application=received).count() == 1
    # The state moved on: the operation's own refusal, in Chinese.
    refused = _post(client, f"/api/applications/{received.pk}/actions/formal_fail", secret, {"reason": "不符合"})
    assert refused.status_code == 409 and "不能" in refused.json()["detail"]

    other = _app(world, State.RECEIVED, "天门市竟陵化工有限公司", "ent_e")
    no_sections = _post(client, f"/api/applications/{other.pk}/actions/formal_return", secret, {"reason": "请补正"})
    assert no_sections.status_code == 409 and no_sections.json()["detail"]
    returned = _post(client, f"/api/applications/{other.pk}/actions/formal_return", secret,
                     {"section_reasons": {"basic": "请补充主要产品市场占有率"}})
    assert returned.status_code == 200 and returned.json()["to_status"] == State.RETURNED
    assert FormalReview.objects.get(application=other).decision == "city_return"


def test_a_step_needs_city_act_and_a_visible_application(world, client):
    received = _app(world, State.RECEIVED)
    town = _post(client, f"/api/applications/{received.pk}/actions/formal_pass", token(world["people"]["town_x"]))
    assert town.status_code == 403 and "市经信局办理" in town.json()["detail"]
    draft = world["apps"]["c"]  # a draft: only its enterprise sees it
    hidden = _post(client, f"/api/applications/{draft.pk}/actions/formal_pass", token(world["people"]["city"]))
    assert hidden.status_code == 404
    assert not AuditEntry.objects.filter(action="formal_pass").exists()


def test_expert_assignment_completion_onsite_and_conclusion_through_the_api(world, client):
    city = world["people"]["city"]
    secret = token(city)
    application = _app(world, State.FORMAL_PASSED)
    experts = [build.expert(f"exp{n}", f"专家{n}", profile=True) for n in range(3)]
    unknown = _post(client, f"/api/applications/{application.pk}/actions/expert_assign", secret,
                     {"expert_id": world["people"]["town_x"].pk})
    assert unknown.status_code == 422 and unknown.json()["problems"][0]["field"] == "expert_id"
    for expert in experts:
        made = _post(client, f"/api/applications/{application.pk}/actions/expert_assign", secret,
                     {"expert_id": expert.pk})
        assert made.status_code == 200, made.json()
        assert made.json()["object_type"] == "assignment" and made.json()["to_status"] == State.EXPERT_REVIEW
    twice = _post(client, f"/api/applications/{application.pk}/actions/expert_assign", secret,
                  {"expert_id": experts[0].pk})
    assert twice.status_code == 409 and "不能选派" in twice.json()["detail"]
    listed = client.get(f"/api/applications/{application.pk}/assignments", **auth(secret)).json()
    assert [a["expert"] for a in listed] == ["专家0", "专家1", "专家2"]
    owner = token(application.enterprise.organisation.users.first())
    assert client.get(f"/api/applications/{application.pk}/assignments", **auth(owner)).json() == []

    early = _post(client, f"/api/applications/{application.pk}/actions/expert_review_complete", secret)
    assert early.status_code == 409 and "还有专家未提交评分" in early.json()["detail"]
    for assignment in application.expert_assignments.all():
        build.submit_scores(assignment)
    done = _post(client, f"/api/applications/{application.pk}/actions/expert_review_complete", secret,
                 {"note": "已核对"})
    assert done.status_code == 200 and done.json()["to_status"] == State.EXPERT_REVIEWED
    assert AuditEntry.objects.get(action="expert_review.complete").detail["api_token"]
    deliver_pending()  # the on-site check opens when the on-site domain hears of the completion

    checks = client.get(f"/api/applications/{application.pk}/onsite-checks", **auth(secret)).json()
    assert len(checks) == 1 and checks[0]["status"] == "open" and checks[0]["items"]
    assert client.get(f"/api/applications/{application.pk}/onsite-checks", **auth(owner)).json() == []
    assert client.get(f"/api/onsite-checks/{checks[0]['id']}", **auth(owner)).status_code == 404
    open_again = _post(client, f"/api/applications/{application.pk}/actions/onsite_open", secret)
    assert open_again.status_code == 409 and "已有进行中的现场核查" in open_again.json()["detail"]
    undecided = _post(client, f"/api/onsite-checks/{checks[0]['id']}/actions/complete", secret)
    assert undecided.status_code == 409 and "未填写核查结果" in undecided.json()["detail"]
    no_reason = _post(client, f"/api/onsite-checks/{checks[0]['id']}/actions/cancel", secret)
    assert no_reason.status_code == 409 and "理由" in no_reason.json()["detail"]

    bad = _post(client, f"/api/applications/{application.pk}/actions/conclusion", secret, {"outcome": "pass"})
    assert bad.status_code == 409 and "理由" in bad.json()["detail"]
    concluded = _post(client, f"/api/applications/{application.pk}/actions/conclusion", secret,
                      {"outcome": "pass", "reasons": "专家评审符合要求"})
    assert concluded.status_code == 200 and concluded.json()["object_type"] == "review_conclusion"


def test_a_batch_over_listed_ids_runs_each_item_through_its_operation_and_reports_progress(world, client):
    city = world["people"]["city"]
    secret = token(city)
    first, second = _app(world, State.RECEIVED), _app(world, State.RECEIVED, "天门市竟陵化工有限公司", "ent_e")
    hidden = _post(client, "/api/batches", secret, {"action": "formal_fail", "reason": "材料不全",
                                                     "application_ids": [first.pk, world["apps"]["c"].pk]})
    assert hidden.status_code == 404 and str(world["apps"]["c"].pk) in hidden.json()["problems"][0]["message"]
    started = _post(client, "/api/batches", secret, {"action": "formal_fail", "reason": "材料不全",
                                                      "application_ids": [first.pk, second.pk, world["apps"]["a"].pk]})
    assert started.status_code == 200, started.json()
    run = started.json()
    assert run["total"] == 3 and run["finished"]  # inline in tests; db_worker in production
    from tidu.review.models import BatchRun

    assert f"令牌 {ApiToken.objects.get(user=city).pk}" in BatchRun.objects.get(pk=run["id"]).filters_text
    read = client.get(f"/api/batches/{run['id']}", **auth(secret)).json()
    results = {item["application_id"]: item for item in read["items"]}
    assert results[first.pk]["ok"] and results[second.pk]["ok"]
    assert results[world["apps"]["a"].pk]["ok"] is False and results[world["apps"]["a"].pk]["message"]
    assert (read["succeeded"], read["failed"]) == (2, 1)
    assert client.get(f"/api/batches/{run['id']}", **auth(token(world["people"]["town_x"]))).status_code == 404
    assert _post(client, "/api/batches", token(world["people"]["town_x"]),
                 {"action": "city_receive", "application_ids": [first.pk]}).status_code == 403


def test_publicity_is_drafted_read_and_refuses_what_cannot_be_listed(world, client):
    secret = token(world["people"]["city"])
    call = world["call"]
    body = {"title": "2026年度基础级智能工厂拟认定名单公示", "start_date": (NOW.date() + dt.timedelta(days=3)).isoformat(),
            "contact_office": "市经信局中小企业科", "contact_phone": "0728-1234567"}
    since = AuditSince()
    made = _post(client, f"/api/calls/{call.pk}/publicities", secret, body)
    assert made.status_code == 200, made.json()
    row = since.one("publicity")
    assert row.action == "publicity.create" and "api_token" in row.detail
    publicity_id = made.json()["object_id"]
    listed = client.get(f"/api/calls/{call.pk}/publicities", **auth(secret)).json()
    assert [p["id"] for p in listed] == [publicity_id] and listed[0]["status"] == "draft"
    refused = _post(client, f"/api/publicities/{publicity_id}/entries", secret,
                    {"application_ids": [world["apps"]["a"].pk]})
    assert refused.status_code == 409 and "不能列入本公示" in refused.json()["detail"]
    empty = _post(client, f"/api/publicities/{publicity_id}/actions/publish", secret)
    assert empty.status_code == 409 and "公示名单为空" in json.dumps(empty.json(), ensure_ascii=False)
    town = token(world["people"]["town_x"])
    assert client.get(f"/api/publicities/{publicity_id}", **auth(town)).status_code == 404
    assert client.get(f"/api/calls/{call.pk}/publicities", **auth(town)).json() == []

    verified = _app(world, State.ONSITE_VERIFIED)
    added = _post(client, f"/api/publicities/{publicity_id}/entries", secret, {"application_ids": [verified.pk]})
    assert added.status_code == 200, added.json()
    detail = client.get(f"/api/publicities/{publicity_id}", **auth(secret)).json()
    assert [e["application_id"] for e in detail["entries"]] == [verified.pk]
    not_on = _post(client, f"/api/publicities/{publicity_id}/entries/{world['apps']['a'].pk}/remove", secret)
    assert not_on.status_code == 404
    assert _post(client, f"/api/publicities/{publicity_id}/entries/{verified.pk}/remove", town).status_code == 403
    removed = _post(client, f"/api/publicities/{publicity_id}/entries/{verified.pk}/remove", secret)
    assert removed.status_code == 200, removed.json()
    assert AuditEntry.objects.get(action="publicity.remove_entry").detail["api_token"]
    assert client.get(f"/api/publicities/{publicity_id}", **auth(secret)).json()["entries"] == []

    short = _post(client, f"/api/publicities/{publicity_id}/update", secret, {"working_days": 3})
    assert short.status_code == 409 and short.json()["detail"]  # fewer than 5 working days needs a reason
    renamed = _post(client, f"/api/publicities/{publicity_id}/update", secret, {"title": "2026年度拟认定名单公示（更正）"})
    assert renamed.status_code == 200, renamed.json()
    assert client.get(f"/api/publicities/{publicity_id}", **auth(secret)).json()["title"] == "2026年度拟认定名单公示（更正）"
    gone = _post(client, f"/api/publicities/{publicity_id}/actions/delete", secret)
    assert gone.status_code == 200, gone.json()
    assert client.get(f"/api/publicities/{publicity_id}", **auth(secret)).status_code == 404


def test_inspectors_check_items_and_assignment_steps_through_the_api(world, client):
    city = world["people"]["city"]
    secret = token(city)
    application = _app(world, State.FORMAL_PASSED)
    experts = [build.expert(f"exq{n}", f"专家Q{n}", profile=True) for n in range(3)]
    for expert in experts:
        assert _post(client, f"/api/applications/{application.pk}/actions/expert_assign", secret,
                     {"expert_id": expert.pk}).status_code == 200
    listed = client.get(f"/api/applications/{application.pk}/assignments", **auth(secret)).json()
    leader = _post(client, f"/api/assignments/{listed[0]['id']}/actions/set_leader", secret)
    assert leader.status_code == 200, leader.json()
    assert client.get(f"/api/applications/{application.pk}/assignments", **auth(secret)).json()[0]["is_leader"]
    no_reason = _post(client, f"/api/assignments/{listed[2]['id']}/actions/withdraw", secret)
    assert no_reason.status_code == 409 and no_reason.json()["detail"]
    withdrawn = _post(client, f"/api/assignments/{listed[2]['id']}/actions/withdraw", secret,
                      {"reason": "该专家曾为企业提供申报咨询服务"})
    assert withdrawn.status_code == 200, withdrawn.json()
    assert AuditEntry.objects.get(action="withdrawn", object_type="assignment").detail["api_token"]
    town = token(world["people"]["town_x"])
    assert _post(client, f"/api/assignments/{listed[0]['id']}/actions/set_leader", town).status_code == 403

    for assignment in application.expert_assignments.filter(status="assigned"):
        build.submit_scores(assignment)
    done = _post(client, f"/api/applications/{application.pk}/actions/expert_review_complete", secret,
                 {"note": "已核对", "quorum_override_reason": "一位专家撤回，经分管领导同意以两位专家完成评审。"})
    assert done.status_code == 200, done.json()
    deliver_pending()
    check = client.get(f"/api/applications/{application.pk}/onsite-checks", **auth(secret)).json()[0]

    unknown = _post(client, f"/api/onsite-checks/{check['id']}/inspectors", secret, {"inspector_ids": [2**31 - 1]})
    assert unknown.status_code == 404
    assigned = _post(client, f"/api/onsite-checks/{check['id']}/inspectors", secret,
                     {"inspector_ids": [city.pk], "planned_date": "2026-03-20"})
    assert assigned.status_code == 200, assigned.json()
    assert AuditEntry.objects.get(action="onsite_check.set_inspectors").detail["api_token"]
    first = check["items"][0]["order"]
    no_note = _post(client, f"/api/onsite-checks/{check['id']}/items/{first}/actions/decide", secret, {"result": "mismatch"})
    assert no_note.status_code == 409 and no_note.json()["detail"]
    for item in check["items"]:
        decided = _post(client, f"/api/onsite-checks/{check['id']}/items/{item['order']}/actions/decide", secret,
                        {"result": "confirmed", "note": "现场查看属实"})
        assert decided.status_code == 200, decided.json()
    detail = client.get(f"/api/onsite-checks/{check['id']}", **auth(secret)).json()
    assert {item["result"] for item in detail["items"]} == {"confirmed"}

    # A photo for the first item: checked by its content; a text file named .jpg is refused with a reason.
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    fake = SimpleUploadedFile("车间.jpg", b"not a picture at all", content_type="image/jpeg")
    refused = client.post(f"/api/onsite-checks/{check['id']}/items/{first}/photos", {"photo": fake}, **auth(secret))
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "photo", refused.content.decode()
    photo = SimpleUploadedFile("车间.png", buffer.getvalue(), content_type="image/png")
    stored = client.post(f"/api/onsite-checks/{check['id']}/items/{first}/photos", {"photo": photo},
                         **auth(secret), HTTP_IDEMPOTENCY_KEY="photo-1")
    assert stored.status_code == 200, stored.json()
    again = client.post(f"/api/onsite-checks/{check['id']}/items/{first}/photos",
                        {"photo": SimpleUploadedFile("车间.png", buffer.getvalue(), content_type="image/png")},
                        **auth(secret), HTTP_IDEMPOTENCY_KEY="photo-1")
    assert again.json() == stored.json()  # the same upload with the same key: stored once
    photos = client.get(f"/api/onsite-checks/{check['id']}", **auth(secret)).json()["items"][0]["photos"]
    assert len(photos) == 1 and AuditEntry.objects.get(action="check_photo.add").detail["api_token"]
    deleted = _post(client, f"/api/onsite-checks/{check['id']}/photos/{photos[0]}/delete", secret)
    assert deleted.status_code == 200, deleted.json()
    assert client.get(f"/api/onsite-checks/{check['id']}", **auth(secret)).json()["items"][0]["photos"] == []
    assert _post(client, f"/api/onsite-checks/{check['id']}/actions/complete", secret).status_code == 200
    assert client.get(f"/api/onsite-checks/{check['id']}", **auth(secret)).json()["status"] != "open"
