"""Policy as data, proven: a third call written only in YAML runs the whole journey with no Python change.

The packs are copied to a temporary directory with one more call pack (tests/third_call/: a new city, new dates,
four of the seed's conditions renumbered, 规上 re-parameterised to 20000 万元), loaded with ``load_policy --dir``;
then registration → wizard → verdict → submission → township list → city intake, and the wizard, the dossier and
both checklists show exactly that call's clauses.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tidu import testing as build
from tidu.accounts.models import Organisation
from tidu.applications import services as application_services
from tidu.applications.evidence import evidence_upload
from tidu.applications.workflow import State
from tidu.core.timezones import BEIJING
from tidu.documents.dossier import build_dossier
from tidu.onsite.checklist import build_checklist
from tidu.policy.loader import DEFAULT_PACKS_DIR
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for
from tidu.review.errors import ReviewError
from tidu.review.formal import formal_checklist

pytestmark = pytest.mark.django_db
THIRD_CALL = Path(__file__).resolve().parent / "third_call"
CLAUSES = ["申报条件1", "申报条件2", "申报条件3", "申报条件4"]
IN_WINDOW = dt.datetime(2027, 2, 1, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def third_call(tmp_path, settings):
    packs = tmp_path / "packs"
    shutil.copytree(DEFAULT_PACKS_DIR, packs)
    shutil.copytree(THIRD_CALL / "call-xiantao-2027-basic", packs / "call-xiantao-2027-basic")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = IN_WINDOW.isoformat()  # the third call's window is open
    call_command("load_policy", "--dir", str(packs), verbosity=0, stdout=io.StringIO())
    return Call.objects.get(code="xiantao-2027-basic")


def test_a_yaml_only_call_runs_the_whole_journey(third_call, client):
    policy = call_policy_for(third_call)
    assert third_call.region == "湖北省仙桃市" and policy.window_opens == dt.date(2027, 1, 10)
    assert [d["clause"] for d in policy.condition_declarations] == CLAUSES

    # Registration: the region comes from the call (no region in the code).
    town_unit = build.unit("沙嘴街道办事处", Organisation.Kind.SUBDISTRICT)
    build.officer(town_unit, "town_xt")
    city = build.city_officer("city_xt")
    enterprise = build.enterprise(town_unit, "仙桃市某精密机械有限公司", register=True, username="ent_xt")
    assert enterprise.registered_region == "湖北省仙桃市"

    # The wizard: the 申报条件 step shows this call's clauses and only the fields they read.
    application = build.application(enterprise, call=third_call, filled=True)
    client.force_login(build._owner(application))
    page = client.get(reverse("applications:section", args=[application.pk, "conditions"])).content.decode()
    for clause in CLAUSES:
        assert clause in page
    assert "申报条件5" not in page
    assert "愿意配合典型案例交流" not in page and "已完成智能工厂建设" not in page  # not read by any clause here
    assert "近三年经营和财务状况良好" in page
    progress = {p.key: p for p in application_services.application_progress(application, policy)}
    assert progress["maturity"].evidence_missing == []  # the 自评估报告 its 申报条件4 declares (uploaded)
    # 申报条件4 requires its evidence in this call: the step says it is missing until uploaded.
    assert progress["conditions"].clean.complete and progress["conditions"].evidence_missing == ["申报条件4"]
    upload = SimpleUploadedFile("评估证书.pdf", build.minimal_pdf_bytes("证书"), content_type="application/pdf")
    evidence_upload(application=application, section="conditions", topic="申报条件4", upload=upload,
                    user=build._owner(application))
    progress = {p.key: p for p in application_services.application_progress(application, policy)}
    assert progress["conditions"].complete

    # The verdict: exactly this call's clauses, the re-parameterised threshold applied.
    verdict = application_services.application_verdict(application, policy)
    clauses = [f.clause for f in verdict.findings]
    assert clauses[:5] == [*CLAUSES, "申报时间"]
    assert verdict.finding("申报条件1").result == "pass"
    scale = verdict.finding("申报条件2")
    assert scale.result == "review" and "低于规上标准 20000 万元" in scale.message

    # Submission, township recommendation and list, city intake.
    build.submitted(application, now=IN_WINDOW, fill=False)
    assert application.status == State.SUBMITTED
    stored = application_services.stored_verdict(application.latest_submission())
    assert [f.clause for f in stored.findings][:5] == [*CLAUSES, "申报时间"]
    build.transition(application, "township_recommend", "township")
    build.receive(application, city)
    application.refresh_from_db()
    assert application.status == State.RECEIVED

    # 形式审查: the evidence items are this call's clauses (and the 自评估报告 its 申报条件4 declares).
    evidence_items = [item.key for item in formal_checklist(application) if item.key.startswith("evidence:")]
    assert evidence_items == ["evidence:maturity_report", *(f"evidence:{c}" for c in CLAUSES)]
    clause_items = [item.key for item in formal_checklist(application) if item.key.startswith("clause:申报条件")]
    assert clause_items == [f"clause:{c}" for c in CLAUSES]

    # The dossier: one row per clause of this call (plus 申报时间), with the wording the pack declares.
    dossier = build_dossier(application, policy, inspect_files=False)
    assert [c.clause for c in dossier.conditions] == [*CLAUSES, "申报时间"]
    assert dossier.conditions[0].declaration.startswith("注册地：湖北省仙桃市")
    assert dossier.conditions[1].declaration.startswith("上年度主营业务收入（万元）：18600")

    # The on-site checklist: the declaration items this call's clauses declare, nothing of the seed's others.
    items = build_checklist(application_services.section_raw(application), policy)
    assert [(i.key, i.title) for i in items if i.kind == "declaration"] == [
        ("scale", "主营业务收入（2亿元及以上）"), ("maturity", "成熟度自评估等级与报告编号")]


def test_the_declared_recommendation_quota_is_enforced_when_a_unit_signs(third_call):
    assert call_policy_for(third_call).recommendation_quota == 1
    town_unit = build.unit("沙嘴街道办事处", Organisation.Kind.SUBDISTRICT)
    build.officer(town_unit, "town_xt")
    build.city_officer("city_xt")
    applications = []
    for n in (1, 2):
        enterprise = build.enterprise(town_unit, f"仙桃市示例{n}有限公司", username=f"ent_xt{n}")
        build.enterprise_user(enterprise, f"ent_xt{n}")
        application = build.application(enterprise, call=third_call, filled=True)
        upload = SimpleUploadedFile("证书.pdf", build.minimal_pdf_bytes("证书"), content_type="application/pdf")
        evidence_upload(application=application, section="conditions", topic="申报条件4", upload=upload,
                        user=build._owner(application))
        build.submitted(application, now=IN_WINDOW, fill=False)
        build.transition(application, "township_recommend", "township")
        applications.append(application)
    with pytest.raises(ReviewError) as error:
        build.put_on_sent_list(*applications)
    assert "超过本批次每个单位最多推荐 1 家的名额" in str(error.value.problems if hasattr(error.value, "problems")
                                                   else error.value)
