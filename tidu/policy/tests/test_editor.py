"""The call editor (issue 13): the city bureau makes the next version of a call's pack, edits it with named
sources, compares it with the published version and publishes it; published versions stay immutable."""

from __future__ import annotations

import copy

import pytest
import yaml
from django.urls import reverse

from tidu import testing
from tidu.core.models import AuditEntry
from tidu.policy.editor import (
    BUREAU,
    Basis,
    Edit,
    apply_edit,
    basis_problems,
    diff,
    next_version,
    rule_params,
)
from tidu.policy.loader import _StringDateLoader as StringDateLoader
from tidu.policy.loader import parse_pack
from tidu.policy.models import Call, PackDraft, PolicyPack
from tidu.policy.selectors import call_policy_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return testing.load_call()


@pytest.fixture
def city():
    return testing.city_officer()


def start_draft(client, call, **overrides) -> PackDraft:
    data = {"pack_id": call.call_pack.pack_id, "version": next_version(call.call_pack.version), "code": call.code,
            "title": call.title, "year": call.year, **overrides}
    response = client.post(reverse("policy:editor", args=[call.code]), data)
    assert response.status_code == 302, response.content.decode()
    return PackDraft.objects.get(pack_id=data["pack_id"], version=data["version"])


def edit_data(draft: PackDraft, **changes) -> dict:
    content = draft.document["content"]
    data = {"title": content["title"], "window_opens": content["window"]["opens"],
            "window_closes": content["window"]["closes"], "window_text": content["window"]["text"],
            "township_deadline": content["township_deadline"]["date"],
            "township_text": content["township_deadline"]["text"], "lookback_years": content["lookback_years"],
            "revenue_min": str(content["above_designated_size"]["revenue_min_10k_yuan"])}
    for position, item in enumerate(content["deliverables"]):
        data[f"formats_{position}"] = list(item["formats"])
    for position, param in enumerate(rule_params(draft.document)):  # packs that declare their clauses
        data[f"param_{position}"] = ("yes" if param.value else "no") if param.kind == "bool" else str(param.value)
    data.update(changes)
    return data


def test_city_starts_a_draft_from_the_call_and_the_editor_is_the_city_s_only(client, call, city):
    town = testing.officer(testing.unit("竟陵街道办事处"), "town")
    client.force_login(town)
    assert client.get(reverse("policy:editor", args=[call.code])).status_code == 403
    client.force_login(city)
    page = client.get(reverse("policy:call_detail", args=[call.code])).content.decode()
    assert reverse("policy:editor", args=[call.code]) in page
    draft = start_draft(client, call)
    assert draft.version == next_version(call.call_pack.version) and draft.base == call.call_pack
    assert draft.status == "draft"
    assert draft.document["content"] == call.call_pack.document["content"]
    assert AuditEntry.objects.filter(action="policy_draft.create", object_id=str(draft.pk)).count() == 1
    # A version already published cannot be drafted again.
    response = client.post(reverse("policy:editor", args=[call.code]),
                           {"pack_id": call.call_pack.pack_id, "version": call.call_pack.version, "code": call.code,
                            "title": call.title, "year": 2026})
    assert "已发布的版本不可修改" in response.content.decode()


def test_edits_are_checked_with_specific_chinese_messages_and_nothing_typed_is_lost(client, call, city):
    client.force_login(city)
    draft = start_draft(client, call)
    url = reverse("policy:draft", args=[draft.pk])
    page = client.post(url, edit_data(draft, window_opens="2027-03-20", window_closes="2027-03-01",
                                      revenue_min="两千")).content.decode()
    assert "申报截止日期（2027年3月1日）早于申报开始日期（2027年3月20日）" in page
    assert "规上营业收入门槛须为数字（单位：万元），例如 2000；“两千”不是数字。" in page
    assert 'value="两千"' in page  # what was typed stays in the form
    page = client.post(url, edit_data(draft, township_deadline="2026-03-20", township_text="3月20日前报送")).content.decode()
    assert "乡镇推荐截止日（2026年3月20日）晚于申报截止日期（2026年3月15日）" in page
    draft.refresh_from_db()
    assert draft.document["content"] == call.call_pack.document["content"]  # nothing saved


def test_a_changed_threshold_must_name_its_source_and_keeps_it(client, call, city):
    client.force_login(city)
    draft = start_draft(client, call)
    url = reverse("policy:draft", args=[draft.pk])
    page = client.post(url, edit_data(draft, revenue_min="5000")).content.decode()
    assert "已修改“规模以上工业企业营业收入门槛”，请注明新值的依据" in page
    page = client.post(url, edit_data(draft, revenue_min="5000", basis_above_designated_size=BUREAU)).content.decode()
    assert "请填写主管局的文号或设定理由" in page
    response = client.post(url, edit_data(draft, revenue_min="5000", basis_above_designated_size=BUREAU,
                                          basis_note_above_designated_size="天经信〔2026〕12号"))
    assert response.status_code == 302
    draft.refresh_from_db()
    node = draft.document["content"]["above_designated_size"]
    assert node["revenue_min_10k_yuan"] == 5000
    assert node["grade"] == "D" and node["source"] == ["BUREAU-1"]
    source = next(s for s in draft.document["pack"]["sources"] if s["id"] == "BUREAU-1")
    assert source == {"id": "BUREAU-1", "grade": "D", "title": "天门市经济和信息化局设定：天经信〔2026〕12号"}
    # the window, not edited, keeps its source
    assert draft.document["content"]["window"]["source"] == call.call_pack.document["content"]["window"]["source"]
    entry = AuditEntry.objects.get(action="policy_draft.save", object_id=str(draft.pk))
    assert {"field": "规上营业收入门槛（万元）", "old": "2000", "new": "5000"} in entry.detail["changes"]


def test_diff_lists_each_change_old_to_new_and_publish_makes_an_immutable_version(client, call, city):
    client.force_login(city)
    draft = start_draft(client, call)
    url = reverse("policy:draft", args=[draft.pk])
    response = client.post(url, edit_data(draft, window_closes="2026-03-20", basis_window="SEED",
                                          revenue_min="3000", basis_above_designated_size=BUREAU,
                                          basis_note_above_designated_size="市经信局2026年第3次局务会"))
    assert response.status_code == 302
    page = client.get(reverse("policy:draft_diff", args=[draft.pk])).content.decode()
    assert "<th scope=\"row\">申报截止日期</th><td>2026年3月15日</td><td>2026年3月20日</td>" in page
    assert "<th scope=\"row\">申报时间（原文）</th><td>2026年1月22日-3月15日</td><td>2026年1月22日-3月20日</td>" in page
    assert "<th scope=\"row\">规上营业收入门槛（万元）</th><td>2000</td><td>3000</td>" in page

    response = client.post(reverse("policy:draft_publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    published = PolicyPack.objects.get(pack_id=draft.pack_id, version=draft.version)
    assert draft.status == "published" and draft.published_pack == published
    call = Call.objects.get(pk=call.pk)
    assert call.call_pack == published and call.closes_on.isoformat() == "2026-03-20"
    assert call_policy_for(call).revenue_min_10k_yuan == 3000
    # The published version as a pack file, loadable like any file of the packs directory.
    text = client.get(reverse("policy:draft_yaml", args=[draft.pk])).content.decode()
    assert parse_pack(yaml.load(text, Loader=StringDateLoader)).sha256 == published.sha256
    assert AuditEntry.objects.filter(action="policy_draft.publish", object_id=str(draft.pk)).count() == 1

    # Published: editing and publishing again are refused; the version stays as published.
    page = client.post(url, edit_data(draft, revenue_min="4000", basis_above_designated_size=BUREAU,
                                      basis_note_above_designated_size="再次调整")).content.decode()
    assert "已发布，已发布的版本不可修改" in page
    assert client.post(reverse("policy:draft_publish", args=[draft.pk])).status_code == 400
    published.refresh_from_db()
    assert published.document["content"]["above_designated_size"]["revenue_min_10k_yuan"] == 3000


def test_publishing_a_document_the_schema_refuses_shows_why_in_chinese(client, call, city):
    client.force_login(city)
    draft = start_draft(client, call)
    document = copy.deepcopy(draft.document)
    document["content"]["lookback_years"] = 0
    PackDraft.objects.filter(pk=draft.pk).update(document=document)
    response = client.post(reverse("policy:draft_publish", args=[draft.pk]))
    page = response.content.decode()
    assert response.status_code == 400
    assert "不能发布，内容未通过策略包校验" in page and "content.lookback_years：0 不能小于 1" in page
    assert not PolicyPack.objects.filter(pack_id=draft.pack_id, version=draft.version).exists()


def test_a_next_year_call_is_a_new_call_when_published(client, call, city):
    client.force_login(city)
    draft = start_draft(client, call, pack_id="call-tianmen-2027-basic", version="2027.1", code="tianmen-2027-basic",
                        title="天门市2027年度基础级智能工厂申报", year=2027)
    response = client.post(reverse("policy:draft", args=[draft.pk]), edit_data(
        draft, window_opens="2027-01-20", window_closes="2027-03-15", basis_window=BUREAU,
        basis_note_window="2027年度申报通知（待印发）", township_deadline="2027-03-01",
        township_text="于2027年3月1日前将推荐名单报送市经信局。", basis_township_deadline=BUREAU,
        basis_note_township_deadline="2027年度申报通知（待印发）"))
    assert response.status_code == 302
    assert client.post(reverse("policy:draft_publish", args=[draft.pk])).status_code == 302
    new = Call.objects.get(code="tianmen-2027-basic")
    assert new.year == 2027 and call_policy_for(new).window_opens.isoformat() == "2027-01-20"
    assert Call.objects.get(pk=call.pk).call_pack == call.call_pack  # the 2026 call is untouched


# --- packs that declare their clauses: every scalar under rule.params is editable ----------------------------

def declared(document: dict) -> dict:
    document = copy.deepcopy(document)
    conditions = document["content"]["conditions"]
    for condition in conditions:  # only the two rules below (whatever the pack itself declares)
        condition.pop("rule", None)
        condition.pop("also", None)
    conditions[2]["rule"] = {"kind": "threshold", "params": {"field": "main_business_revenue_10k_yuan", "min": 2000}}
    conditions[6]["rule"] = {"kind": "maturity", "params": {"min_level": 2, "platforms": ["c3mep", "www.c3mep.cn"]}}
    return document


def test_rule_params_are_editable_leaves_and_need_a_basis(call):
    document = declared(call.call_pack.document)
    params = rule_params(document)
    # ``field`` names what the rule reads: part of the clause, not an editable parameter
    assert [(p.clause, p.path, p.value) for p in params] == [
        ("申报条件3", ("min",), 2000), ("申报条件7", ("min_level",), 2), ("申报条件7", ("platforms", 0), "c3mep"),
        ("申报条件7", ("platforms", 1), "www.c3mep.cn")]
    content = document["content"]
    edit = Edit(title=content["title"], window_opens=call_policy_for(call).window_opens, window_closes=call.closes_on,
                window_text=content["window"]["text"], township_deadline=call.township_deadline_on,
                township_text=content["township_deadline"]["text"], lookback_years=3, revenue_min=2000,
                params={1: 3}, formats={}, bases={})
    assert basis_problems(document, edit) == {
        "condition-6": "已修改“申报条件7 的规则参数”，请注明新值的依据：选择一项来源，或选择“主管局设定”并填写文号或理由。"}
    edit.bases["condition-6"] = Basis(BUREAU, "省级通知要求三级")
    new = apply_edit(document, edit)
    rule = new["content"]["conditions"][6]["rule"]
    assert rule["params"]["min_level"] == 3
    assert rule["grade"] == "D" and rule["source"] == ["BUREAU-1"]  # the basis goes on the rule itself
    assert new["content"]["conditions"][6]["grade"] == document["content"]["conditions"][6]["grade"]
    [change] = [c for c in diff(document, new) if c.path.endswith("params.min_level")]
    assert (change.label, change.old, change.new) == ("申报条件 › 申报条件7 › 规则 › 参数 › min_level", "2", "3")


def test_the_edit_page_shows_a_field_per_rule_param(client, call, city):
    client.force_login(city)
    draft = start_draft(client, call)
    PackDraft.objects.filter(pk=draft.pk).update(document=declared(draft.document))
    page = client.get(reverse("policy:draft", args=[draft.pk])).content.decode()
    assert "申报条件7 · min_level" in page and 'name="param_2"' in page
    assert "申报条件7 的规则参数”新值的依据" in page


# --- the editor on 2026.4, the version that declares its clauses (rule + also) ------------------------------

def position_of(document: dict, clause: str, key: str, rule: tuple = ("rule",)) -> int:
    return next(i for i, p in enumerate(rule_params(document))
                if p.clause == clause and p.path == (key,) and p.rule == rule)


def test_2026_4_rule_and_also_params_are_edited_with_their_basis_and_published(client, call, city):
    assert call.call_pack.version == "2026.4"
    params = rule_params(call.call_pack.document)
    assert not any(p.path[0] in ("field", "figure", "declared", "of", "lists") for p in params)
    scale = position_of(call.call_pack.document, "申报条件3", "min")
    talent = position_of(call.call_pack.document, "申报条件6", "min", ("also", 0))
    assert (params[scale].value, params[talent].value) == (2000, 1)

    client.force_login(city)
    draft = start_draft(client, call)
    url = reverse("policy:draft", args=[draft.pk])
    page = client.get(url).content.decode()
    assert "申报条件3 · min" in page and "申报条件6 · 附加规则1（threshold） · min" in page
    # a changed parameter of an ``also`` rule must name its basis, like any other value
    page = client.post(url, edit_data(draft, **{f"param_{scale}": "5000", f"param_{talent}": "3",
                                               "basis_condition-2": "S65"})).content.decode()
    assert "已修改“申报条件6 附加规则1（threshold）的参数”，请注明新值的依据" in page
    assert 'value="5000"' in page  # nothing typed is lost
    page = client.post(url, edit_data(draft, **{f"param_{scale}": "五千"})).content.decode()
    assert "“申报条件3 · min”须为数字，“五千”不是数字。" in page
    response = client.post(url, edit_data(draft, **{
        f"param_{scale}": "5000", f"param_{talent}": "3", "basis_condition-2": "S65",
        "basis_condition-5-also-0": BUREAU, "basis_note_condition-5-also-0": "天经信〔2026〕15号"}))
    assert response.status_code == 302, response.content.decode()
    draft.refresh_from_db()
    conditions = draft.document["content"]["conditions"]
    assert conditions[2]["rule"]["params"] == {"figure": "main_business_revenue_10k_yuan",
                                               "declared": "above_designated_size", "min": 5000}
    assert conditions[2]["rule"]["source"] == ["S65"] and conditions[2]["rule"]["grade"] == "A"
    assert conditions[5]["also"][0]["params"]["min"] == 3
    assert conditions[5]["also"][0]["source"] == ["BUREAU-1"] and conditions[5]["also"][0]["grade"] == "D"
    assert conditions[5]["rule"] == call.call_pack.document["content"]["conditions"][5]["rule"]  # untouched
    # the 规上 definition itself is not changed by the rule's threshold
    assert draft.document["content"]["above_designated_size"] == call.call_pack.document["content"][
        "above_designated_size"]

    page = client.get(reverse("policy:draft_diff", args=[draft.pk])).content.decode()
    assert "申报条件 › 申报条件3 › 规则 › 参数 › min</th><td>2000</td><td>5000</td>" in page
    assert "申报条件 › 申报条件6 › also › 1 › 参数 › min</th><td>1</td><td>3</td>" in page

    assert client.post(reverse("policy:draft_publish", args=[draft.pk])).status_code == 302
    call = Call.objects.get(pk=call.pk)
    assert call.call_pack.version == "2026.5"
    declarations = {d["clause"]: d for d in call_policy_for(call).condition_declarations}
    assert declarations["申报条件3"]["rule"]["params"]["min"] == 5000
    assert declarations["申报条件6"]["also"][0]["params"]["min"] == 3


def test_2026_4_a_draft_with_a_broken_rule_is_refused_on_save_and_publish(client, call, city):
    client.force_login(city)
    draft = start_draft(client, call)
    document = copy.deepcopy(draft.document)
    document["content"]["conditions"][5]["also"][0].update(source=["NOPE"], grade="D")
    PackDraft.objects.filter(pk=draft.pk).update(document=document)
    response = client.post(reverse("policy:draft_publish", args=[draft.pk]))
    assert response.status_code == 400
    assert "引用了不存在的来源 &#x27;NOPE&#x27;" in response.content.decode()
    document["content"]["conditions"][5]["also"][0] = {"kind": "threshold", "params": {"min": 3}, "source": ["SEED"]}
    PackDraft.objects.filter(pk=draft.pk).update(document=document)
    page = client.post(reverse("policy:draft_publish", args=[draft.pk])).content.decode()
    assert "不能发布，内容未通过策略包校验" in page
    assert "content.conditions[5].also[0].grade：写了 source 就须同时写 grade（缺少必填项）" in page
    assert not PolicyPack.objects.filter(pack_id=draft.pack_id, version=draft.version).exists()
