"""The city's 操作日志 of a call: who may read it, its filters, the before/after of a section save, the export."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tidu import testing as build
from tidu.accounts.models import User
from tidu.applications import services as application_services
from tidu.applications.workflow import State
from tidu.core.models import AuditEntry
from tidu.core.operations import AuditRecord, write_audit
from tidu.records.selectors import call_audit_entries

pytestmark = pytest.mark.django_db


def log_url(call, **query):
    from urllib.parse import urlencode

    return reverse("records:call_log", args=[call.pk]) + ("?" + urlencode(query) if query else "")


def test_enterprise_township_expert_and_admin_are_refused(client, world):
    call = world["call"]
    for key in ("a", "x", "expert"):
        client.force_login(world["users"][key])
        assert client.get(log_url(call)).status_code == 403
        assert client.get(reverse("records:call_log_export", args=[call.pk])).status_code == 403
    client.force_login(build.admin())
    assert client.get(log_url(call)).status_code == 403


def test_city_sees_the_calls_rows_and_filters_narrow_them(client, world, verified, city):
    call = world["call"]
    client.force_login(city)
    page = client.get(log_url(call))
    text = page.content.decode()
    assert page.status_code == 200 and reverse("records:index") in text  # the city's navigation links it
    assert page.context["page"].paginator.count == call_audit_entries(call).count() > 50  # paged in SQL
    assert len(page.context["page"].object_list) == 50
    a, b = verified["a"], verified["b"]
    only_a = client.get(log_url(call, application=a.pk)).context["page"]
    assert only_a.paginator.count == AuditEntry.objects.filter(application_id=a.pk).count() > 0
    assert {entry.application_id for entry in only_a} == {a.pk}
    by_enterprise = client.get(log_url(call, enterprise="岳口纺织")).context["page"]
    assert {entry.application_id for entry in by_enterprise} == {b.pk}
    by_role = client.get(log_url(call, role=User.Role.TOWNSHIP)).context["page"]
    assert by_role.paginator.count > 0 and {entry.actor_role for entry in by_role} == {"township"}
    by_user = client.get(log_url(call, actor="town_y", action="township_recommend")).context["page"]
    assert by_user.paginator.count == 2  # b and c, both of unit Y
    none = client.get(log_url(call, date_from="2000-01-01", date_to="2000-01-02")).context["page"]
    assert none.paginator.count == 0
    wrong = client.get(log_url(call, date_from="2026-05-02", date_to="2026-05-01"))
    assert "截止日期不能早于起始日期" in wrong.content.decode()


def test_the_csv_export_has_the_filtered_rows_with_neutralised_cells(client, world, verified, city):
    call, a = world["call"], verified["a"]
    # A reason as a user might type it, which a spreadsheet would evaluate.
    write_audit(city, AuditRecord(object_type="application", object_id=a.pk, application_id=a.pk,
                                  action="test.note", reason="=HYPERLINK(\"http://x\")"))
    client.force_login(city)
    response = client.get(reverse("records:call_log_export", args=[call.pk]) + "?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) - 1 == call_audit_entries(call).count()
    assert any(cell == "'=HYPERLINK(\"http://x\")" for row in rows for cell in row)
    assert not any(cell.startswith("=") for row in rows for cell in row)
    filtered = client.get(reverse("records:call_log_export", args=[call.pk]) + f"?application={a.pk}&format=xlsx")
    sheet = load_workbook(io.BytesIO(filtered.content)).active
    body = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(body) == AuditEntry.objects.filter(application_id=a.pk).count()
    assert {row[6] for row in body} == {a.pk}


def test_a_section_save_after_a_return_shows_its_fields_before_and_after(client, world, city):
    call = world["call"]
    application = build.application(world["enterprises"]["a"], call=call, user=world["users"]["a"])
    build.submitted(application, user=world["users"]["a"])
    build.transition(application, "township_return", "township")
    assert application.status == State.RETURNED
    section = application.sections.get(key="basic")
    data = {**section.data, "main_business_revenue_10k_yuan": "98765"}
    application_services.application_section_save(application=application, key="basic", data=data,
                                                   base_revision=section.revision, user=world["users"]["a"])
    entry = AuditEntry.objects.filter(object_type="application_section", application_id=application.pk).latest("id")
    client.force_login(city)
    page = client.get(reverse("records:call_log_entry", args=[call.pk, entry.pk]))
    changed = [change for change in page.context["changes"] if change.changed]
    assert [(c.label, c.after) for c in changed] == [("上年度主营业务收入（万元）", "98765")]
    assert "修改前后对比" in page.content.decode()
    # The same entry in the 审计管理员's log (the same page design, every row).
    auditor = build.user("auditor1", User.Role.AUDITOR, email=None)
    client.force_login(auditor)
    assert client.get(reverse("accounts:audit_entry", args=[entry.pk])).context["changes"] == \
        page.context["changes"]
    assert client.get(reverse("accounts:audit_log") + f"?application={application.pk}").context["page"] \
        .paginator.count == AuditEntry.objects.filter(application_id=application.pk).count()


def test_an_entry_of_another_call_is_not_found(client, world, verified, city):
    call = world["call"]
    outside = AuditEntry.objects.exclude(pk__in=call_audit_entries(call).values("pk")).first() or \
        AuditEntry.objects.create(object_type="user", object_id="1", action="user.change_role")
    client.force_login(city)
    assert client.get(reverse("records:call_log_entry", args=[call.pk, outside.pk])).status_code == 404


def test_the_administrators_own_changes_in_admin_are_in_the_auditors_log(client, world):
    from tidu.accounts.tests.test_operations import admin_form

    superuser = build.admin("root")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    officer = world["users"]["x"]
    client.force_login(superuser)
    response = client.post(reverse("admin:accounts_user_change", args=[officer.pk]),
                           admin_form(officer, is_active=""))
    assert response.status_code == 302
    client.force_login(build.user("auditor1", User.Role.AUDITOR, email=None))
    page = client.get(reverse("accounts:audit_log") + "?role=admin&actor=root")
    assert [entry.action for entry in page.context["page"]] == ["user.deactivate"]
    assert "user.deactivate" in page.content.decode()


def test_actions_statuses_and_roles_read_as_words_with_the_codes_beside_them(client, world, verified, city):
    """An auditor reads 同意推荐 and 待乡镇审核 → …, not application.township_recommend and submitted → …; the internal
    names stay on the page (a small code line, a title) for those who search the export by them."""
    from tidu.applications.workflow import state_label
    from tidu.core import audit_log

    call = world["call"]
    client.force_login(city)
    page = client.get(log_url(call, action="township_recommend"))
    text = page.content.decode()
    entry = page.context["page"].object_list[0]
    assert entry.action == "township_recommend"  # a transition records its bare name
    assert entry.action_label == "同意推荐" and "同意推荐" in text and "<code class=\"small muted\">township_recommend" in text
    assert entry.from_label == str(state_label(entry.from_status)) != entry.from_status
    assert entry.role_label != "township" and f'title="{entry.actor_role}"' in text
    # An action no operation is registered for reads as recorded.
    assert audit_log.action_label("legacy.something") == "legacy.something"
    assert audit_log.action_label("application.section_save") == "保存申报书"
    assert audit_log.status_label("application", "no-such-status") == "no-such-status"
    # Statuses of other objects (a check item's result, an 申报 state recorded on a conclusion, a stored file) too.
    write_audit(city, AuditRecord(object_type="check_item", object_id=1, application_id=verified["a"].pk,
                                  action="onsite.check_item_decide", from_status="undecided", to_status="mismatch"))
    text = client.get(log_url(call, object_type="check_item")).content.decode()
    assert "待核查 → 不符" in text and 'title="undecided → mismatch"' in text
    assert audit_log.status_label("onsite_check", "onsite_verified") == str(state_label("onsite_verified"))
    assert audit_log.status_label("assignment", "assigned") == "待评分"
    assert audit_log.status_label("check_photo", "stored") != "stored"
