"""Every 公示 operation writes exactly one audit row of its own, and check() refuses wrong roles and states."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tidu.applications.testing import minimal_pdf_bytes
from tidu.core.models import AuditEntry
from tidu.core.operations import operation
from tidu.publicity import operations, services
from tidu.publicity.models import CalendarDay, Objection, Publicity
from tidu.publicity.tests.conftest import AFTER, BEFORE, DURING, START, entry_of, make_publicity

CONTENT = "该企业申报的在线视觉检测场景实际并未投入使用，现场仍为人工目检，请核实。"


class Audited:
    """Rows written (outside the applications' own timeline) while the block runs."""

    def __enter__(self):
        last = AuditEntry.objects.order_by("-id").first()
        self.after_id = last.pk if last else 0
        return self

    def __exit__(self, *exc):
        new = AuditEntry.objects.filter(pk__gt=self.after_id).order_by("id")
        self.rows = list(new.exclude(object_type="application"))
        self.all = list(new)

    @property
    def row(self) -> AuditEntry:
        assert len(self.rows) == 1, [r.action for r in self.rows]
        return self.rows[0]


def shape(row: AuditEntry):
    return row.actor, row.actor_role, row.action, row.from_status, row.to_status


def lodge(publicity, entry, *, user=None, upload=None, now=DURING):
    return services.objection_submit(publicity=publicity, entry=entry, name="张三", phone="13900001111", email="",
                                     content=CONTENT, client_address="203.0.113.9", upload=upload, now=now, user=user)


# --- one audit row each ------------------------------------------------------------------------------

def test_create_update_add_remove_delete_are_audited(world, verified, city):
    with Audited() as created:
        publicity = services.publicity_create(call=world["call"], user=city, title="公示", start_date=START,
                                              working_days=5, contact_office="中小企业科", contact_phone="0728-5221234")
    assert shape(created.row) == (city, "city", "publicity.create", "", "draft")
    assert created.row.object_id == str(publicity.pk) and created.row.detail["end_date"] == "2026-04-09"

    with Audited() as updated:
        services.publicity_update(publicity=publicity, user=city, title="改过的公示", working_days=6)
    assert shape(updated.row) == (city, "city", "publicity.update", "draft", "draft")
    assert updated.row.detail["changed"] == {"title": ["公示", "改过的公示"], "working_days": [5, 6]}

    with Audited() as added:
        services.publicity_add_entries(publicity=publicity, application_ids=[verified["a"].pk, verified["b"].pk],
                                       user=city)
    assert shape(added.row) == (city, "city", "publicity.add_entries", "draft", "draft")
    assert added.row.detail["applications_added"] == sorted([verified["a"].pk, verified["b"].pk])

    with Audited() as removed:
        services.publicity_remove_entry(entry=entry_of(publicity, verified["b"]), user=city)
    assert shape(removed.row) == (city, "city", "publicity.remove_entry", "draft", "draft")
    assert removed.row.detail == {"application_removed": verified["b"].pk}

    with Audited() as deleted:
        services.publicity_delete(publicity=publicity, user=city)
    assert shape(deleted.row) == (city, "city", "publicity.delete", "draft", "deleted")
    assert not Publicity.objects.exists()


def test_publish_writes_one_row_for_the_notice_and_the_applications_their_own(world, verified, city):
    publicity = make_publicity(world["call"], city, verified.values())
    with Audited() as audited:
        services.publicity_publish(publicity=publicity, user=city, now=BEFORE)
    assert shape(audited.row) == (city, "city", "publicity.publish", "draft", "published")
    assert sorted(r.action for r in audited.all if r.object_type == "application") == ["propose"] * 3


def test_close_is_done_by_the_system_without_an_account(published):
    with Audited() as audited:
        assert services.publicity_close_expired(now=AFTER) == [published]
    assert shape(audited.row) == (None, "system", "publicity.close", "published", "closed")


def test_an_anonymous_objection_is_audited_as_the_public(published, verified):
    with Audited() as audited:
        objection = lodge(published, entry_of(published, verified["a"]), user=AnonymousUser())
    row = audited.row
    assert shape(row) == (None, "public", "objection.submit", "", "received")
    assert row.object_type == "objection" and row.object_id == str(objection.pk)
    assert "张三" not in str(row.detail) and "13900001111" not in str(row.detail)  # contacts stay off the trail


def test_a_logged_in_visitor_is_named(published, verified, world):
    visitor = world["users"]["expert"]
    with Audited() as audited:
        lodge(published, entry_of(published, verified["a"]), user=visitor)
    assert shape(audited.row) == (visitor, "expert", "objection.submit", "", "received")


def test_decide_reject_and_finalise_are_audited(published, verified, city):
    entry = entry_of(published, verified["b"])
    objection = lodge(published, entry)
    with Audited() as decided:
        services.objection_handle(objection=objection, user=city, investigation="核实属实。", outcome="upheld",
                                  reply="异议成立。")
    assert shape(decided.row) == (city, "city", "objection.decide", "received", "upheld")

    with Audited() as rejected:
        services.entry_reject(objection=objection, user=city, reason="场景未投入使用")
    row = rejected.row
    assert shape(row) == (city, "city", "publicity_entry.reject", "proposed", "rejected")
    assert row.object_id == str(entry.pk) and row.application_id == verified["b"].pk
    assert [r.action for r in rejected.all if r.object_type == "application"] == ["reject"]

    with Audited() as finalised:
        services.publicity_finalise(publicity=published, user=city, now=AFTER)
    assert shape(finalised.row) == (city, "city", "publicity.finalise", "published", "finalised")
    assert finalised.row.content_sha256 == Publicity.objects.get().final_snapshot_sha256


def test_calendar_changes_are_audited(world, verified, city):
    draft = make_publicity(world["call"], city, [verified["a"]])
    with Audited() as added:
        day = services.calendar_day_add(day=dt.date(2026, 4, 6), kind="holiday", note="清明节", user=city)
    assert shape(added.row) == (city, "city", "calendar_day.set", "", "holiday")
    assert added.row.detail["drafts_recomputed"] == [draft.pk]
    with Audited() as removed:
        services.calendar_day_delete(row=day, user=city)
    assert shape(removed.row) == (city, "city", "calendar_day.delete", "holiday", "deleted")


# --- refusals: 403 for the wrong role, a Chinese message for the wrong state -------------------------------

@pytest.mark.parametrize("who", ["a", "x", "expert"])
def test_wrong_roles_are_forbidden(published, verified, world, who):
    user = world["users"][who]
    objection = lodge(published, entry_of(published, verified["a"]))
    day = CalendarDay(date=dt.date(2026, 5, 1), kind="holiday")
    for name, obj in (("publicity.finalise", published), ("objection.decide", objection),
                      ("publicity_entry.reject", objection), ("calendar_day.set", day),
                      ("publicity.create", world["call"])):
        verdict = operation(name, obj).check(user)
        assert not verdict and verdict.forbidden, name
    with pytest.raises(PermissionDenied):
        services.objection_handle(objection=objection, user=user, investigation="x", outcome="upheld", reply="y")
    with pytest.raises(PermissionDenied):
        services.calendar_day_add(day=dt.date(2026, 5, 1), kind="holiday", note="", user=user)
    assert not AuditEntry.objects.filter(action__in=["objection.decide", "calendar_day.set"]).exists()


def test_wrong_states_are_refused_in_chinese(published, verified, city):
    verdict = operation("publicity.publish", published).check(city)
    assert not verdict and not verdict.forbidden and verdict.reason == "该公示已经发布"
    with pytest.raises(services.PublicityError, match="该公示已经发布"):
        services.publicity_publish(publicity=published, user=city, now=BEFORE)
    objection = lodge(published, entry_of(published, verified["a"]))
    verdict = operation("publicity_entry.reject", objection).check(city)
    assert verdict.reason == "只有异议成立时，才能据此不予认定"
    assert operations.OPERATIONS["objection.submit"](published, now=DURING).check(AnonymousUser())
    closed = operations.OPERATIONS["objection.submit"](published, now=AFTER).check(None)
    assert not closed and "不再受理异议" in closed.reason
    assert not AuditEntry.objects.filter(action="publicity.publish", object_id=str(published.pk)).count() > 1


def test_templates_ask_the_operations(client, published, verified, city, settings):
    settings.TIDU_NOW = DURING.isoformat()
    client.force_login(city)
    page = client.get(reverse("publicity:manage_detail", args=[published.pk])).content.decode()
    assert reverse("publicity:edit", args=[published.pk]) not in page  # published: no more edits
    assert 'disabled>认定并公布认定名单' in page  # the period still runs
    objection = lodge(published, entry_of(published, verified["a"]))
    page = client.get(reverse("publicity:objection", args=[objection.pk])).content.decode()
    assert "保存处理结果" in page and reverse("publicity:entry_reject", args=[objection.pk]) not in page


# --- files and rows move together ----------------------------------------------------------------------

def test_a_failed_objection_leaves_no_file(published, verified, settings, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(operations, "notify", broken)  # fails after the attachment was written
    upload = SimpleUploadedFile("证明.pdf", minimal_pdf_bytes(), content_type="application/pdf")
    with pytest.raises(RuntimeError):
        lodge(published, entry_of(published, verified["a"]), upload=upload)
    assert not Objection.objects.exists()
    stored = settings.MEDIA_ROOT / "objections"
    assert not [p for p in stored.rglob("*") if p.is_file()]
    assert not AuditEntry.objects.filter(action="objection.submit").exists()


def test_a_stored_objection_keeps_its_file(published, verified, settings):
    upload = SimpleUploadedFile("证明.pdf", minimal_pdf_bytes(), content_type="application/pdf")
    objection = lodge(published, entry_of(published, verified["a"]), upload=upload)
    assert objection.attachment.name.startswith("objections/")
    assert objection.attachment.storage.exists(objection.attachment.name)
    assert AuditEntry.objects.get(action="objection.submit").content_sha256 == objection.attachment_sha256
