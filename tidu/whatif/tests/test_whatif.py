"""The what-if (issue 13): raising a threshold in a draft shows exactly the applicants who would change, per clause,
with counts and an export, and no stored verdict or receipt changes."""

from __future__ import annotations

import copy
import csv
import io

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from openpyxl import load_workbook

from tidu import testing
from tidu.applications.models import Submission
from tidu.core.models import AuditEntry
from tidu.policy.editor import BUREAU, next_version, rule_params
from tidu.policy.models import PackDraft
from tidu.policy.operations import DraftCreate
from tidu.whatif.models import WhatIfRun

pytestmark = pytest.mark.django_db

REVENUES = {"天门市甲机械有限公司": 2600, "天门市乙纺织有限公司": 4200, "天门市丙化工有限公司": 6000,
            "天门市丁电子有限公司": 9800}
TALENTS = {"天门市甲机械有限公司": 6, "天门市乙纺织有限公司": 4, "天门市丙化工有限公司": 1, "天门市丁电子有限公司": 2}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    call = testing.load_call()
    town = testing.unit("竟陵街道办事处")
    for position, (name, revenue) in enumerate(REVENUES.items()):
        enterprise = testing.enterprise(town, name)
        testing.enterprise_user(enterprise, f"ent{position}")
        application = testing.application(enterprise, call=call, filled=True)
        testing.edit_section(application, "basic", main_business_revenue_10k_yuan=str(revenue))
        testing.edit_section(application, "organisation", talent_count=str(TALENTS[name]))
        testing.submitted(application)
    city = testing.city_officer()
    draft = DraftCreate(call, pack_id=call.call_pack.pack_id, version=next_version(call.call_pack.version), code=call.code, title=call.title,
                        year=call.year).execute(city)
    return call, city, draft


def raise_threshold(draft: PackDraft, value: int) -> None:
    document = copy.deepcopy(draft.document)
    old = document["content"]["above_designated_size"]["revenue_min_10k_yuan"]
    document["content"]["above_designated_size"]["revenue_min_10k_yuan"] = value
    # a pack that declares its clauses may carry the threshold as a rule parameter too
    for param in rule_params(document):
        if param.kind in ("int", "number") and param.value == old:
            node = document["content"]["conditions"][param.index]["rule"]["params"]
            for part in param.path[:-1]:
                node = node[part]
            node[param.path[-1]] = value
    PackDraft.objects.filter(pk=draft.pk).update(document=document)
    draft.refresh_from_db()


def stored():
    return [model_to_dict(s) for s in Submission.objects.order_by("pk")]


def test_raising_the_threshold_shows_the_two_applicants_that_fall_below(client, world):
    call, city, draft = world
    raise_threshold(draft, 5000)
    before = stored()
    assert len(before) == 4 and {s["outcome"] for s in before} == {"eligible"}

    client.force_login(city)
    response = client.post(reverse("whatif:start", args=[draft.pk]), {"call": call.pk})
    run = WhatIfRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("whatif:run", args=[run.pk])
    assert run.status == "done" and run.progress == 100
    assert run.summary["total"] == 4 and run.summary["judged"] == 4 and run.summary["outcome_changed"] == 2
    clause3 = [model_to_dict(row) for row in run.changes.filter(clause="申报条件3")]
    assert sorted(row["enterprise"] for row in clause3) == ["天门市乙纺织有限公司", "天门市甲机械有限公司"]
    assert {(row["before"], row["after"]) for row in clause3} == {("pass", "review")}
    counts = {item["clause"]: item["changed"] for item in run.summary["clauses"]}
    assert counts["申报条件3"] == 2 and counts["基础要求1"] == 2

    page = client.get(reverse("whatif:run", args=[run.pk]) + "?clause=申报条件3").content.decode()
    assert "2 份的结论会改变" in page
    assert "天门市甲机械有限公司" in page and "天门市乙纺织有限公司" in page and "天门市丙化工有限公司" not in page
    assert "符合 → 需人工复核" in page and "符合申报条件 → 需人工复核" in page

    rows = list(csv.reader(io.StringIO(client.get(reverse("whatif:export", args=[run.pk, "csv"])).content
                                       .decode("utf-8-sig"))))
    assert rows[0][:5] == ["回执编号", "企业名称", "条款", "原结果", "新结果"]
    assert sorted(r[1] for r in rows[1:] if r[2] == "申报条件3") == ["天门市乙纺织有限公司", "天门市甲机械有限公司"]
    sheet = load_workbook(io.BytesIO(client.get(reverse("whatif:export", args=[run.pk, "xlsx"])).content)).active
    assert sheet.max_row == len(rows)

    assert stored() == before  # no stored verdict, receipt or summary touched
    assert AuditEntry.objects.filter(action="whatif.start", object_id=str(run.pk)).count() == 1


def test_an_unchanged_draft_changes_nobody_and_others_cannot_see_the_run(client, world):
    call, city, draft = world
    client.force_login(city)
    client.post(reverse("whatif:start", args=[draft.pk]), {"call": call.pk})
    run = WhatIfRun.objects.get()
    assert run.summary["outcome_changed"] == 0 and not run.changes.exists()
    assert "没有任何条款的结果改变" in client.get(reverse("whatif:run", args=[run.pk])).content.decode()
    town = testing.officer(testing.unit("岳口镇"), "town_y")
    client.force_login(town)
    assert client.get(reverse("whatif:run", args=[run.pk])).status_code == 403


# --- issue 13 done-when, on the version that declares its clauses: the threshold raised is a declared rule
# parameter, changed in the call editor like the bureau would ------------------------------------------------

def _param(draft: PackDraft, clause: str, rule: tuple) -> int:
    return next(i for i, p in enumerate(rule_params(draft.document))
                if p.clause == clause and p.path == ("min",) and p.rule == rule)


def _edit_in_the_editor(client, draft: PackDraft, **changes) -> None:
    from tidu.policy.forms import DraftEditForm
    form = DraftEditForm(document=draft.document)
    data = {}
    for name, value in form.initial.items():
        data[name] = value
    data.update(changes)
    response = client.post(reverse("policy:draft", args=[draft.pk]), data)
    assert response.status_code == 302, response.content.decode()
    draft.refresh_from_db()


def test_raising_declared_rule_params_of_2026_4_names_the_right_applicants_per_clause(client, world):
    call, city, draft = world
    assert call.call_pack.version == "2026.4" and draft.document["content"]["conditions"][2]["rule"]["kind"] == "threshold"
    before = stored()

    client.force_login(city)
    scale, talent = _param(draft, "申报条件3", ("rule",)), _param(draft, "申报条件6", ("also", 0))
    _edit_in_the_editor(client, draft, **{
        f"param_{scale}": "5000", "basis_condition-2": BUREAU, "basis_note_condition-2": "天经信〔2026〕15号",
        f"param_{talent}": "3", "basis_condition-5-also-0": BUREAU, "basis_note_condition-5-also-0": "天经信〔2026〕15号"})
    conditions = draft.document["content"]["conditions"]
    assert conditions[2]["rule"]["params"]["min"] == 5000 and conditions[5]["also"][0]["params"]["min"] == 3
    assert draft.document["content"]["above_designated_size"]["revenue_min_10k_yuan"] == 2000  # only the rule

    client.post(reverse("whatif:start", args=[draft.pk]), {"call": call.pk})
    run = WhatIfRun.objects.get()
    assert run.status == "done" and run.summary["judged"] == 4
    changed = {(row.clause, row.enterprise, row.before, row.after) for row in run.changes.all()
               if row.clause.startswith("申报条件")}
    assert changed == {
        ("申报条件3", "天门市甲机械有限公司", "pass", "review"), ("申报条件3", "天门市乙纺织有限公司", "pass", "review"),
        ("申报条件6", "天门市丙化工有限公司", "pass", "fail"), ("申报条件6", "天门市丁电子有限公司", "pass", "fail")}
    counts = {item["clause"]: item["changed"] for item in run.summary["clauses"]}
    assert counts["申报条件3"] == 2 and counts["申报条件6"] == 2
    assert run.summary["outcome_changed"] == 4

    page = client.get(reverse("whatif:run", args=[run.pk]) + "?clause=申报条件6").content.decode()
    assert "天门市丙化工有限公司" in page and "天门市丁电子有限公司" in page
    assert "天门市甲机械有限公司" not in page and "天门市乙纺织有限公司" not in page
    assert "智能制造专业人才 1 人，少于 3 人" in page  # why the clause changes, from the draft's rule
    rows = list(csv.reader(io.StringIO(client.get(reverse("whatif:export", args=[run.pk, "csv"])).content
                                       .decode("utf-8-sig"))))
    assert rows[0][-1] == "新结果的理由"
    assert any(r[1] == "天门市乙纺织有限公司" and r[2] == "申报条件3" and "低于规上标准 5000 万元" in r[-1] for r in rows)
    assert stored() == before  # no stored verdict touched


# --- a worker killed mid-run: the committed chunks stay, the run is started again and finishes exactly once ----

class Killed(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (not an Exception: no handler catches it)."""


def test_a_run_killed_after_one_chunk_resumes_to_the_same_result(client, world, settings):
    from django.core.management import call_command

    from tidu.whatif import services
    from tidu.whatif.models import WhatIfRow

    call, city, draft = world
    raise_threshold(draft, 5000)
    settings.TIDU_BATCH_CHUNK_SIZE = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # nothing runs on start
    run = services.start_whatif(draft=draft, call=call, user=city)
    assert run.status == "pending"

    def die(run_id):
        raise Killed

    with pytest.raises(Killed):
        services.run_whatif(run.pk, between_chunks=die)
    run.refresh_from_db()
    assert run.status == "running" and run.summary["seen"] == 2 and run.progress == 50
    ids = sorted(Submission.objects.values_list("application_id", flat=True))
    assert run.cursor == ids[1]  # the first chunk (two applications) committed with its rows
    assert set(WhatIfRow.objects.filter(run=run).values_list("application_id", flat=True)) <= set(ids[:2])

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    out = io.StringIO()
    call_command("resume_batches", "--stale-seconds", "3600", stdout=out)
    assert "重新启动 0 个政策试算" in out.getvalue()  # it moved a moment ago: not stalled yet
    call_command("resume_batches", "--stale-seconds", "0", stdout=out)
    assert f"重新启动 1 个政策试算：{run.pk}" in out.getvalue()
    run.refresh_from_db()
    assert run.status == "done" and run.progress == 100 and run.summary["seen"] == 4
    assert run.summary["judged"] == 4 and run.summary["outcome_changed"] == 2
    rows = list(WhatIfRow.objects.filter(run=run).values_list("application_id", "clause"))
    assert len(rows) == len(set(rows))  # no application judged twice
    assert sorted(r.enterprise for r in run.changes.filter(clause="申报条件3")) == [
        "天门市乙纺织有限公司", "天门市甲机械有限公司"]
    counts = {item["clause"]: item["changed"] for item in run.summary["clauses"]}
    assert counts["申报条件3"] == 2 and counts["基础要求1"] == 2
