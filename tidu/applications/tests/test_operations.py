"""Every operation on an application: exactly one audit row with the right fields; check() refuses the wrong role
(403) and the wrong state (a Chinese message); buttons follow check()."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tidu.applications import operations, services
from tidu.applications.errors import ApplicationError, EvidenceRejected
from tidu.applications.events import ApplicationTransitioned
from tidu.applications.evidence import evidence_upload
from tidu.applications.models import Application, Evidence, SectionRevision
from tidu.applications.sections import SECTION_KEYS
from tidu.applications.testing import fill_complete_application, minimal_pdf_bytes
from tidu.applications.tests.conftest import IN_WINDOW, login, submit_now
from tidu.applications.workflow import TRANSITIONS, State
from tidu.core.models import AuditEntry, OutboxEvent
from tidu.core.operations import operation, registered
from tidu.review.testing import put_on_sent_list
from tidu.review.tests.lifecycle import drive_to, submit

pytestmark = pytest.mark.django_db

ROLE_USERS = {"enterprise": "a", "township": "x", "city": "city"}
REVIEWER_ROWS = [t for t in TRANSITIONS if t.action not in ("submit", "resubmit")]


def new_audit(before_id):
    return list(AuditEntry.objects.filter(id__gt=before_id).order_by("id"))


def last_audit_id():
    last = AuditEntry.objects.order_by("-id").first()
    return last.id if last else 0


def test_every_table_row_is_a_registered_operation():
    names = registered()
    for t in TRANSITIONS:
        assert f"application.{t.action}" in names
        assert operation(f"application.{t.action}", Application()).label == t.label
    for name in ("application.start", "application.section_save", "application.evidence_upload",
                 "application.evidence_delete"):
        assert name in names


@pytest.mark.parametrize("row", REVIEWER_ROWS, ids=lambda t: t.action)
def test_table_operation_writes_one_audit_row_and_refuses_wrong_role_and_state(row, app_a, users):
    application = drive_to(app_a, row.sources[0])
    if row.action == "city_receive":
        put_on_sent_list(application)  # 受理 only from the unit's sent 推荐名单 (a rule the review domain adds)
    actor = users[ROLE_USERS[row.roles[0]]]
    op = operations.TABLE_OPERATIONS[row.action](application, reason="测试意见",
                                                 section_reasons={"basic": "请补充"} if row.is_return else None)
    # wrong roles: never (403), and a township officer of another unit is outside their scope
    for role, key in ROLE_USERS.items():
        if role not in row.roles:
            verdict = operations.TABLE_OPERATIONS[row.action](application).check(users[key])
            assert not verdict and verdict.forbidden
    if "township" in row.roles:
        assert operations.TABLE_OPERATIONS[row.action](application).check(users["y"]).forbidden
    with pytest.raises(PermissionDenied):
        wrong = next(users[k] for r, k in ROLE_USERS.items() if r not in row.roles)
        operations.TABLE_OPERATIONS[row.action](application, reason="x").execute(wrong)

    assert op.check(actor)
    before, events_before = last_audit_id(), OutboxEvent.objects.count()
    op.execute(actor)
    application.refresh_from_db()
    entry, = new_audit(before)
    assert (entry.actor, entry.actor_role, entry.action) == (actor, row.roles[0], row.action)
    assert (entry.object_type, entry.object_id, entry.application_id) == ("application", str(application.pk),
                                                                          application.pk)
    assert (entry.from_status, entry.to_status) == (row.sources[0], application.status)
    assert entry.reason == "测试意见" and len(entry.content_sha256) == 64
    if row.is_return:
        assert entry.section_reasons == {"basic": "请补充"}
        assert application.returned_sections == {"basic": "请补充"} and application.return_to == row.sources[0]
    event = OutboxEvent.objects.filter(name=ApplicationTransitioned.name).order_by("-id").first()
    assert OutboxEvent.objects.count() > events_before
    assert (event.payload["action"], event.payload["audit_id"]) == (row.action, entry.pk)

    # the wrong state now: refused with a Chinese message, nothing written
    verdict = operations.TABLE_OPERATIONS[row.action](application).check(actor)
    assert not verdict and not verdict.forbidden and f"不能“{row.label}”" in verdict.reason
    before = last_audit_id()
    with pytest.raises(ApplicationError, match="申报当前状态为"):
        operations.TABLE_OPERATIONS[row.action](application, reason="再来一次",
                                                section_reasons={"basic": "x"}).execute(actor)
    assert new_audit(before) == []


def test_reason_and_section_reasons_are_required_in_chinese(app_a, users):
    application = drive_to(app_a, State.SUBMITTED)
    with pytest.raises(ApplicationError, match="退回补正须至少指明一个需要修改的部分"):
        services.application_transition(application=application, action="township_return", user=users["x"])
    with pytest.raises(ApplicationError, match="没有这些部分：nope"):
        services.application_transition(application=application, action="township_return", user=users["x"],
                                        section_reasons={"nope": "x"})
    with pytest.raises(ApplicationError, match="“不予推荐”须填写意见"):
        services.application_transition(application=application, action="township_not_recommend", user=users["x"])
    with pytest.raises(ApplicationError, match="未知的操作"):
        services.application_transition(application=application, action="submit", user=users["a"])
    assert not AuditEntry.objects.filter(application_id=application.pk, action__startswith="township").exists()


def test_start_writes_one_row_once_and_refuses_others(call, enterprises, users):
    before = last_audit_id()
    application = services.application_start(enterprise=enterprises["b"], call=call, tier="basic", user=users["b"])
    entry, = new_audit(before)
    assert (entry.actor, entry.action, entry.object_type, entry.application_id, entry.to_status) == (
        users["b"], "create", "application", application.pk, State.DRAFT)
    assert application.sections.count() == len(SECTION_KEYS) and application.sections.get(key="basic").data["name"]
    again = services.application_start(enterprise=enterprises["b"], call=call, tier="basic", user=users["b"])
    assert again == application and new_audit(before) == [entry]
    for key in ("a", "x", "city"):
        with pytest.raises(PermissionDenied):
            services.application_start(enterprise=enterprises["b"], call=call, tier="basic", user=users[key])
    with pytest.raises(ApplicationError, match="本批次只受理"):
        services.application_start(enterprise=enterprises["a"], call=call, tier="advanced", user=users["a"])


def test_submit_and_resubmit_write_one_row_each(app_a, users):
    fill_complete_application(app_a, users["a"])
    assert operations.Submit(app_a).check(users["x"]).forbidden
    assert operations.Submit(app_a).check(users["b"]).forbidden
    assert not operations.Resubmit(app_a).check(users["a"])  # a draft is submitted, not resubmitted
    before = last_audit_id()
    submission = services.application_submit(application=app_a, user=users["a"], idempotency_key="k1", now=IN_WINDOW)
    entry, = new_audit(before)
    assert (entry.actor, entry.action, entry.from_status, entry.to_status) == (users["a"], "submit", State.DRAFT,
                                                                               State.SUBMITTED)
    assert entry.content_sha256 == submission.content_sha256 and entry.detail["receipt"] == submission.number
    assert services.application_submit(application=app_a, user=users["a"], idempotency_key="k1") == submission
    assert new_audit(before) == [entry]
    app_a.refresh_from_db()
    verdict = operations.Submit(app_a).check(users["a"])
    assert not verdict and not verdict.forbidden and "不能提交" in verdict.reason
    with pytest.raises(ApplicationError, match="不能提交"):
        services.application_submit(application=app_a, user=users["a"], idempotency_key="k2", now=IN_WINDOW)

    services.application_transition(application=app_a, action="township_return", user=users["x"],
                                     section_reasons={"basic": "请补充"})
    app_a.refresh_from_db()
    assert operations.Resubmit(app_a).check(users["a"]) and not operations.Submit(app_a).check(users["a"])
    before = last_audit_id()
    services.application_submit(application=app_a, user=users["a"], idempotency_key="k3", now=IN_WINDOW)
    entry, = new_audit(before)
    assert (entry.action, entry.from_status, entry.to_status) == ("resubmit", State.RETURNED, State.SUBMITTED)


def test_withdraw_is_the_enterprises_with_a_reason(app_a, users):
    application = drive_to(app_a, State.SUBMITTED)
    assert operations.Withdraw(application).check(users["x"]).forbidden
    assert operations.Withdraw(application).check(users["b"]).forbidden
    with pytest.raises(ApplicationError, match="须填写意见"):
        services.application_transition(application=application, action="withdraw", user=users["a"])
    before = last_audit_id()
    services.application_transition(application=application, action="withdraw", user=users["a"], reason="不再申报")
    entry, = new_audit(before)
    assert (entry.action, entry.from_status, entry.to_status, entry.reason) == (
        "withdraw", State.SUBMITTED, State.WITHDRAWN, "不再申报")


def test_section_save_keeps_a_revision_and_writes_one_row(app_a, users):
    section = app_a.sections.get(key="organisation")
    before = last_audit_id()
    services.application_section_save(application=app_a, key="organisation", user=users["a"],
                                      data={"description": "设立数字化部", "has_mechanism": "yes"},
                                      base_revision=section.revision, editor_token="tab-1")
    entry, = new_audit(before)
    section.refresh_from_db()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id, entry.application_id) == (
        users["a"], "application.section_save", "application_section", str(section.pk), app_a.pk)
    assert entry.detail == {"key": "organisation", "revision": 1, "changed": ["description", "has_mechanism"]}
    services.application_section_save(application=app_a, key="organisation", user=users["a"],
                                      data={"description": "设立智能制造部", "has_mechanism": "yes"},
                                      base_revision=1, editor_token="tab-1")
    revisions = list(SectionRevision.objects.filter(section=section).order_by("revision"))
    assert [(r.revision, r.changed, r.saved_by, r.editor_token) for r in revisions] == [
        (1, ["description", "has_mechanism"], users["a"], "tab-1"), (2, ["description"], users["a"], "tab-1")]
    assert revisions[0].data["description"] == "设立数字化部"  # the history is kept, not only the latest

    for key in ("b", "x", "city"):
        assert operations.SectionSave(app_a, key="organisation").check(users[key]).forbidden
        with pytest.raises(PermissionDenied):
            services.application_section_save(application=app_a, key="organisation", data={}, base_revision=2,
                                              user=users[key])
    with pytest.raises(services.SectionConflict):
        services.application_section_save(application=app_a, key="organisation", data={}, base_revision=0,
                                          user=users["a"])
    assert SectionRevision.objects.filter(section=section).count() == 2


def test_section_save_refuses_outside_the_returned_sections(app_a, users):
    application = drive_to(app_a, State.RETURNED)  # basic was returned
    verdict = operations.SectionSave(application, key="scope").check(users["a"])
    assert not verdict and "不在退回补正范围内" in verdict.reason
    assert operations.SectionSave(application, key="basic").check(users["a"])
    submitted = submit(application)
    assert submitted.status == State.SUBMITTED
    with pytest.raises(ApplicationError, match="不能修改"):
        services.application_section_save(application=submitted, key="basic", data={}, base_revision=99,
                                          user=users["a"])


def pdf(name="证明.pdf"):
    return SimpleUploadedFile(name, minimal_pdf_bytes(name), content_type="application/pdf")


def test_evidence_upload_and_delete_write_one_row_each(app_a, users, django_capture_on_commit_callbacks):
    before = last_audit_id()
    evidence = evidence_upload(application=app_a, section="conditions", topic="申报条件1", upload=pdf(), user=users["a"])
    entry, = new_audit(before)
    assert (entry.actor, entry.action, entry.object_type, entry.object_id, entry.application_id) == (
        users["a"], "application.evidence_upload", "evidence", str(evidence.pk), app_a.pk)
    assert entry.content_sha256 == evidence.sha256 and entry.detail["topic"] == "申报条件1"
    for key in ("b", "x", "city"):
        with pytest.raises(PermissionDenied):
            evidence_upload(application=app_a, section="conditions", topic="申报条件1", upload=pdf(), user=users[key])
        assert operations.EvidenceDelete(app_a, evidence=evidence).check(users[key]).forbidden
    with pytest.raises(EvidenceRejected, match="佐证材料所属部分无效"):
        evidence_upload(application=app_a, section="nope", topic="", upload=pdf(), user=users["a"])

    before = last_audit_id()
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(evidence=evidence, user=users["a"])
    entry, = new_audit(before)
    assert (entry.action, entry.object_type, entry.object_id, entry.application_id) == (
        "application.evidence_delete", "evidence", str(evidence.pk), app_a.pk)
    assert not Evidence.objects.filter(pk=evidence.pk).exists()


def test_evidence_refused_once_submitted(app_a, users):
    submit_now(app_a, users["a"])
    app_a.refresh_from_db()
    verdict = operations.EvidenceUpload(app_a, section="maturity").check(users["a"])
    assert not verdict and not verdict.forbidden and "当前不能修改" in verdict.reason
    with pytest.raises(EvidenceRejected, match="“成熟度自评估”当前不能修改，不能上传佐证材料"):
        evidence_upload(application=app_a, section="maturity", topic="maturity_report", upload=pdf(), user=users["a"])
    evidence = app_a.evidence.get()
    with pytest.raises(PermissionDenied):
        services.evidence_delete(evidence=evidence, user=users["a"])
    assert app_a.evidence.count() == 1


# --- buttons ask the operations -----------------------------------------------------------------------------

def test_the_township_sees_only_the_actions_it_may_take(client, app_a, users):
    application = drive_to(app_a, State.SUBMITTED)
    login(client, users["x"])
    page = client.get(reverse("applications:review", args=[application.pk])).content.decode()
    for action in ("township_return", "township_recommend", "township_not_recommend"):
        assert f'value="{action}"' in page
    assert 'value="township_withdraw_recommendation"' not in page
    drive_to(application, State.TOWNSHIP_RECOMMENDED)
    page = client.get(reverse("applications:review", args=[application.pk])).content.decode()
    assert 'value="township_withdraw_recommendation"' in page and 'value="township_recommend"' not in page
    login(client, users["city"])  # the city's own steps have their own pages
    page = client.get(reverse("applications:review", args=[application.pk])).content.decode()
    assert 'name="action"' not in page


def test_the_status_page_offers_submit_or_withdraw_as_allowed(client, app_a, users):
    login(client, users["a"])
    url = reverse("applications:status", args=[app_a.pk])
    withdraw = reverse("applications:withdraw", args=[app_a.pk])
    page = client.get(url).content.decode()
    assert "检查并提交" in page and withdraw not in page  # a draft is not withdrawn, it is simply not submitted
    drive_to(app_a, State.SUBMITTED)
    page = client.get(url).content.decode()
    assert withdraw in page and "确认撤回" in page
    response = client.post(withdraw, {"reason": "企业决定不再申报"})
    assert response.status_code == 302
    app_a.refresh_from_db()
    assert app_a.status == State.WITHDRAWN
    page = client.get(url).content.decode()
    assert withdraw not in page
    login(client, users["x"])
    assert client.post(withdraw, {"reason": "x"}).status_code == 403
