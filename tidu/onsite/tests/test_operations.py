"""On-site verification on the operations layer: the check opens when expert review completes (the event,
exactly once however often it is delivered), every change writes exactly one audit row, ``check`` refuses
the wrong role (403) or state (a Chinese message), and photo files move with their rows."""

import ast
import os
import threading
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tidu.applications.events import ApplicationTransitioned
from tidu.applications.workflow import State
from tidu.core import operations as core_operations
from tidu.core.errors import TiduError
from tidu.core.events import subscribers
from tidu.core.models import AuditEntry, OutboxEvent
from tidu.core.operations import operation
from tidu.experts import services as expert_services
from tidu.experts import testing
from tidu.onsite import services
from tidu.onsite.models import CheckItem, CheckPhoto, OnsiteCheck
from tidu.onsite.subscribers import open_check_on_expert_complete
from tidu.onsite.tests.test_photos import image_bytes
from tidu.onsite.workflow import CHECK_TRANSITIONS_BY_ACTION, CheckState
from tidu.testing import AuditSince as Audit
from tidu.testing import audit_facts as facts

Result = CheckItem.Result




def _all_scored(w):
    application = testing.to_formal_passed(w, "a")
    for assignment in expert_services.assign_experts(application=application, user=w["users"]["city"],
                                                     experts=[w["experts"]["e1"], w["experts"]["e2"]]):
        testing.submit_scores(assignment)
    return application


@pytest.fixture
def check(w):
    application = testing.to_expert_reviewed(w, "a")
    found = OnsiteCheck.objects.get(application=application)
    services.inspectors_set(check=found, user=w["users"]["city"], inspectors=[w["experts"]["e4"]])
    return found


def _upload(name="a.jpg"):
    return SimpleUploadedFile(name, image_bytes(), content_type="image/jpeg")


def test_the_lifecycle_is_a_table_of_roles():
    assert CHECK_TRANSITIONS_BY_ACTION["complete"].roles == ("city",)
    assert CHECK_TRANSITIONS_BY_ACTION["complete"].sources == (CheckState.OPEN,)
    assert CHECK_TRANSITIONS_BY_ACTION["decide_item"].roles == ("city", "expert")
    assert issubclass(services.OnsiteError, TiduError)


# --- opened by the event -------------------------------------------------------------------------------

def test_expert_complete_opens_the_check_once_even_if_delivered_twice(w, django_capture_on_commit_callbacks):
    application = _all_scored(w)
    city = w["users"]["city"]
    audit = Audit()
    with django_capture_on_commit_callbacks(execute=True):
        expert_services.review_complete(application=application, user=city,
                                        quorum_override_reason="测试：少于三位专家")
    check = OnsiteCheck.objects.get(application=application)
    assert check.status == OnsiteCheck.Status.OPEN and check.items.count() == 12
    row = audit.one("onsite_check")
    assert facts(row) == (city, "onsite_check.open", "", "open") and row.object_id == str(check.pk)
    # the event as stored, delivered again (a retry, a second worker)
    stored = OutboxEvent.objects.filter(name=ApplicationTransitioned.name).order_by("-id").first()
    event = ApplicationTransitioned.from_payload(stored.payload)
    assert (event.action, event.application_id, event.actor_id) == ("expert_complete", application.pk, city.pk)
    assert open_check_on_expert_complete(event, stored.pk) is None
    assert OnsiteCheck.objects.filter(application=application).count() == 1
    assert len(audit.rows("onsite_check")) == 1
    assert "onsite.open_check_on_expert_complete" in [key for key, _ in subscribers(ApplicationTransitioned.name)]


def test_the_handler_with_a_constructed_event(w):
    application = _all_scored(w)
    city = w["users"]["city"]
    expert_services.review_complete(application=application, user=city,
                                        quorum_override_reason="测试：少于三位专家")  # never committed: not delivered
    assert not OnsiteCheck.objects.filter(application=application).exists()
    audit_row = AuditEntry.objects.filter(application_id=application.pk, action="expert_complete").get()
    other = ApplicationTransitioned(application_id=application.pk, action="formal_pass", from_status="received",
                                    to_status="formal_passed", actor_id=city.pk, audit_id=audit_row.pk)
    assert open_check_on_expert_complete(other, 1) is None and not OnsiteCheck.objects.exists()
    event = ApplicationTransitioned(application_id=application.pk, action="expert_complete",
                                    from_status=State.EXPERT_REVIEW, to_status=State.EXPERT_REVIEWED,
                                    actor_id=city.pk, audit_id=audit_row.pk)
    first = open_check_on_expert_complete(event, 1)
    assert first is not None and first.created_by == city
    assert open_check_on_expert_complete(event, 1) is None
    assert OnsiteCheck.objects.filter(application=application).count() == 1


def test_a_late_event_for_an_application_that_moved_on_does_nothing(w, check):
    services.check_return(check=check, user=w["users"]["city"], section_reasons={"scenarios": "请补充场景说明"})
    audit_row = AuditEntry.objects.filter(application_id=check.application_id, action="expert_complete").get()
    event = ApplicationTransitioned(application_id=check.application_id, action="expert_complete",
                                    from_status=State.EXPERT_REVIEW, to_status=State.EXPERT_REVIEWED,
                                    actor_id=w["users"]["city"].pk, audit_id=audit_row.pk)
    assert open_check_on_expert_complete(event, 1) is None
    assert OnsiteCheck.objects.filter(application_id=check.application_id).count() == 1


# --- one audit row per operation ----------------------------------------------------------------------

def test_every_change_of_a_check_writes_one_row(w, check):
    city, inspector = w["users"]["city"], w["experts"]["e4"]
    audit = Audit()
    services.inspectors_set(check=check, user=city, inspectors=[inspector, w["users"]["city2"]])
    row = audit.one("onsite_check")
    assert facts(row) == (city, "onsite_check.set_inspectors", "open", "open")
    assert row.detail["inspectors"] == ["e4", "city2"] and row.application_id == check.application_id

    item = check.items.get(key="SC24")
    audit = Audit()
    services.item_decide(item=item, user=inspector, result=Result.MISMATCH, note="现场无该设备")
    row = audit.one("check_item")
    assert facts(row) == (inspector, "check_item.decide", "undecided", "mismatch")
    assert (row.reason, row.application_id) == ("现场无该设备", check.application_id)

    audit = Audit()
    photo = services.photo_add(item=item, user=inspector, upload=_upload())
    row = audit.one("check_photo")
    assert facts(row) == (inspector, "check_photo.add", "", "stored") and row.content_sha256 == photo.sha256
    audit = Audit()
    services.photo_delete(photo=photo, user=inspector)
    row = audit.one("check_photo")
    assert facts(row) == (inspector, "check_photo.delete", "stored", "deleted") and row.object_id == str(photo.pk)

    for other in check.items.exclude(pk=item.pk):
        services.item_decide(item=other, user=inspector, result=Result.CONFIRMED)
    audit = Audit()
    services.inspector_report(check=check, user=inspector)
    assert facts(audit.one("onsite_check")) == (inspector, "onsite_check.report", "open", "open")

    audit = Audit()
    services.check_complete(check=check, user=city)
    row = audit.one("onsite_check")
    assert facts(row) == (city, "onsite_check.complete", "open", "completed") and "现场无该设备" in row.reason
    assert [r.action for r in audit.rows("application")] == ["onsite_complete"]

    audit = Audit()
    services.item_resolve(item=item, user=city, resolution="企业已说明，评分已据实调整")
    row = audit.one("check_item")
    assert facts(row) == (city, "check_item.resolve", "open_discrepancy", "resolved")


def test_return_writes_one_row(w, check):
    city = w["users"]["city"]
    audit = Audit()
    services.check_return(check=check, user=city, section_reasons={"kpis": "K01 口径不一致"}, reason="请补正")
    row = audit.one("onsite_check")
    assert facts(row) == (city, "onsite_check.return", "open", "returned")
    assert row.detail == {"section_reasons": {"kpis": "K01 口径不一致"}} and row.reason == "请补正"
    assert [r.action for r in audit.rows("application")] == ["city_return"]


def test_regenerating_after_a_change_cancels_the_old_list_in_one_row(w, check):
    city = w["users"]["city"]
    item = check.items.first()
    assert services.check_open(application=check.application, user=city) == check  # same claims: no change
    section = check.application.sections.get(key="organisation")
    section.data = {**section.data, "talent_count": 99}
    section.save()
    audit = Audit()
    fresh = services.check_open(application=check.application, user=city)
    row = audit.one("onsite_check")
    assert facts(row) == (city, "onsite_check.open", "", "open") and row.detail["cancelled"] == check.pk
    assert fresh.pk != check.pk and OnsiteCheck.objects.get(pk=check.pk).status == OnsiteCheck.Status.CANCELLED
    assert item.onsite_check_id == check.pk


def test_not_recognised_cancels_the_open_check_in_one_row(w, check):
    """不予认定 after expert review: the check opened for it is cancelled with the reason, once."""
    from tidu.applications import services as application_services
    from tidu.core.events import deliver_pending

    city = w["users"]["city"]
    audit = Audit()
    application_services.application_transition(application=check.application, action="reject", user=city,
                                                reason="专家组总分低于合格分数线")
    deliver_pending()
    deliver_pending()  # a repeated delivery finds nothing open
    row = audit.one("onsite_check")
    assert facts(row) == (city, "onsite_check.cancel", "open", "cancelled") and "不予认定" in row.reason
    check.refresh_from_db()
    assert check.status == OnsiteCheck.Status.CANCELLED and check.completed_by == city


# --- refusals -------------------------------------------------------------------------------------------

def test_wrong_role_is_forbidden(w, check):
    item = check.items.first()
    for user in (w["users"]["ent_a"], w["users"]["town_x"], w["experts"]["e1"]):  # e1: not this check's inspector
        assert operation("check_item.decide", item).check(user).forbidden
        with pytest.raises(PermissionDenied):
            services.item_decide(item=item, user=user, result=Result.CONFIRMED)
    for user in (w["experts"]["e4"], w["users"]["town_x"]):  # inspectors and others do not decide for the city
        with pytest.raises(PermissionDenied):
            services.check_complete(check=check, user=user)
        with pytest.raises(PermissionDenied):
            services.inspectors_set(check=check, user=user, inspectors=[w["users"]["city"]])
    with pytest.raises(PermissionDenied):
        services.check_open(application=check.application, user=w["experts"]["e4"])


def test_wrong_state_is_refused_in_chinese(w, check):
    city = w["users"]["city"]
    item = check.items.first()
    services.item_decide(item=item, user=city, result=Result.CONFIRMED)
    verdict = operation("check_item.resolve", item).check(city)
    assert not verdict and not verdict.forbidden and verdict.reason == "只有核查结果为“不符”的事项需要处理"
    for other in check.items.exclude(pk=item.pk):
        services.item_decide(item=other, user=city, result=Result.CONFIRMED)
    services.check_complete(check=check, user=city)
    audit = Audit()
    item = CheckItem.objects.get(pk=item.pk)
    verdict = operation("check_item.decide", item).check(w["experts"]["e4"])
    assert not verdict and verdict.reason == "本次现场核查已完成，不能再修改"
    with pytest.raises(services.OnsiteError, match="本次现场核查已完成，不能再修改"):
        services.item_decide(item=item, user=w["experts"]["e4"], result=Result.MISMATCH, note="x")
    with pytest.raises(services.OnsiteError, match="本次现场核查已完成"):
        services.check_complete(check=check, user=city)
    with pytest.raises(services.OnsiteError, match="专家评审完成后才能安排现场核查"):
        services.check_open(application=check.application, user=city)
    assert audit.rows() == []


def test_inspectors_come_from_the_rules_of_both_domains(w, check):
    from tidu.experts.models import ExpertProfile

    profile = ExpertProfile.objects.get(user=w["experts"]["e1"])
    profile.employer_enterprise = w["enterprises"]["a"]
    profile.save()
    allowed, excluded = services.inspector_choices(check)
    assert [u.username for u in allowed] == ["city", "city2", "e2", "e3", "e4"]
    assert [(u.username, reasons) for u, reasons in excluded] == [("e1", ["工作单位为申报企业"])]
    outsider = w["experts"]["e2"].__class__.objects.create_user("e8", password="pw-not-used-123", role="expert")
    assert operation("onsite_check.be_inspector", check).check(outsider).forbidden  # not in the pool
    with pytest.raises(services.OnsiteError) as refused:
        services.inspectors_set(check=check, user=w["users"]["city"], inspectors=[outsider, w["experts"]["e1"]])
    assert refused.value.details == ["e8：不是市经信局人员或在库专家", "张专家：工作单位为申报企业"]


# --- photos: lock, re-check, files move with rows -------------------------------------------------------

def _files(media_root) -> list[str]:
    root = Path(media_root) / "onsite"
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def test_a_failed_upload_leaves_no_file(w, check, settings, monkeypatch):
    item = check.items.first()

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(core_operations, "write_audit", broken)  # fails after the file is written
    with pytest.raises(RuntimeError):
        services.photo_add(item=item, user=w["experts"]["e4"], upload=_upload())
    assert not CheckPhoto.objects.exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_an_upload_to_a_closed_check_is_refused_on_the_locked_row(w, check, settings):
    item = check.items.first()
    stale = CheckItem.objects.select_related("onsite_check").get(pk=item.pk)  # loaded while the check was open
    OnsiteCheck.objects.filter(pk=check.pk).update(status=OnsiteCheck.Status.COMPLETED)
    with pytest.raises(services.OnsiteError, match="不能再修改"):
        services.photo_add(item=stale, user=w["experts"]["e4"], upload=_upload())
    assert not CheckPhoto.objects.exists() and _files(settings.MEDIA_ROOT) == []


def test_a_deleted_photo_loses_its_file_only_on_commit(w, check, settings, django_capture_on_commit_callbacks):
    photo = services.photo_add(item=check.items.first(), user=w["experts"]["e4"], upload=_upload())
    path = photo.file.path
    assert _files(settings.MEDIA_ROOT) == [path]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.photo_delete(photo=photo, user=w["experts"]["e4"])
        assert os.path.exists(path) and not CheckPhoto.objects.filter(pk=photo.pk).exists()
    assert callbacks and not os.path.exists(path)


# --- no import loop between experts and onsite ----------------------------------------------------------

def _imports(package: str) -> set[str]:
    root = Path(__file__).resolve().parents[2] / package
    found = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_experts_and_onsite_do_not_import_each_other():
    assert not [m for m in _imports("onsite") if m.startswith("tidu.experts")]
    assert not [m for m in _imports("experts") if m.startswith("tidu.onsite")]


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no SELECT … FOR UPDATE row locks, so the race cannot be reproduced")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_uploads_racing_completion_leave_no_late_photo_and_no_orphan_file(w, check, settings):
    city, inspector = w["users"]["city"], w["experts"]["e4"]
    for item in check.items.all():
        services.item_decide(item=item, user=inspector, result=Result.CONFIRMED)
    item = check.items.first()
    barrier = threading.Barrier(6)
    outcomes = []

    def run(i):
        try:
            barrier.wait(timeout=10)
            if i == 0:
                services.check_complete(check=check, user=city)
            else:
                services.photo_add(item=item, user=inspector, upload=_upload(f"{i}.jpg"))
            outcomes.append((i, "ok"))
        except services.OnsiteError as refused:
            outcomes.append((i, refused.message))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    check.refresh_from_db()
    assert check.status == OnsiteCheck.Status.COMPLETED and (0, "ok") in outcomes
    photos = list(CheckPhoto.objects.filter(item=item))
    assert all(photo.uploaded_at <= check.completed_at for photo in photos)  # nothing attached after completion
    assert sorted(photo.file.path for photo in photos) == _files(settings.MEDIA_ROOT)  # no orphan, no dangling row
    refused = [message for i, message in outcomes if i and message != "ok"]
    assert all("不能再修改" in message for message in refused)
    assert len(photos) + len(refused) == 5


# --- 全部核查完毕 pressed twice ----------------------------------------------------------------------------

def test_reporting_twice_tells_the_city_once(w, check):
    """全部核查完毕 pressed twice: the city is told once (the notice is an outbox event); the second press is a
    no-op — no audit row, no event — until a result changes."""
    inspector = w["experts"]["e4"]  # assigned by the fixture
    for item in check.items.all():
        services.item_decide(item=item, user=inspector, result=Result.CONFIRMED)
    before = OutboxEvent.objects.count()
    services.inspector_report(check=check, user=inspector)
    after_first = OutboxEvent.objects.count()
    assert after_first > before  # the city's notice
    audit = Audit()
    check.refresh_from_db()
    services.inspector_report(check=check, user=inspector)  # the second press: nothing new to tell
    assert audit.rows() == []
    assert OutboxEvent.objects.count() == after_first
    # A result changed after the report: reporting again is news for the city.
    item = check.items.first()
    services.item_decide(item=item, user=inspector, result=Result.MISMATCH, note="复核发现设备未安装")
    audit = Audit()
    services.inspector_report(check=check, user=inspector)
    assert facts(audit.one("onsite_check")) == (inspector, "onsite_check.report", "open", "open")
