"""Bulk import of enterprises from a registry file: every problem located by row and column, the valid rows
imported once (as confirmed enterprises with invitations and one audit row each), the same file again imports
nothing new, a township only into its own unit, and an interrupted import resumes."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from tidu import testing
from tidu.accounts.models import Organisation, User
from tidu.core.models import AuditEntry
from tidu.enterprises import bulk_import, imports
from tidu.enterprises.models import Enterprise, EnterpriseImport, EnterpriseImportRow

pytestmark = pytest.mark.django_db
Outcome = EnterpriseImportRow.Outcome


@pytest.fixture
def world():
    testing.load_call()
    town = testing.unit("竟陵街道办事处")
    other = testing.unit("岳口镇", kind=Organisation.Kind.TOWNSHIP)
    return {"town": town, "other": other, "officer": testing.officer(town, "town"),
            "other_officer": testing.officer(other, "town2"), "city": testing.city_officer()}


def _upload(user, content: bytes, name: str = "名录.xlsx") -> EnterpriseImport:
    return imports.upload_import(user, content=content, file_name=name, site_url="https://tidu.example/")


def _problems(batch: EnterpriseImport) -> dict[int, list[str]]:
    return {row.number: [f"{e['column']}:{e['message']}" for e in row.errors if not e.get("warning")]
            for row in batch.rows.exclude(outcome__in=[Outcome.PENDING, Outcome.EXISTING])}


# --- the Done-when: 10,000 rows, a dozen planted errors, imported once ---------------------------------------

@override_settings(TIDU_IMPORT_CHUNK_SIZE=1000)
def test_ten_thousand_rows_with_planted_errors_are_reported_by_row_and_column_and_imported_once(world):
    rows = [testing.registry_row(serial) for serial in range(1, 10001)]
    good_code = rows[0]["credit_code"]
    broken = rows[5]["credit_code"]
    planted = {  # file row number (heading = 1, so list index + 2) → (column letter, words of the message)
        12: ("B", "整体校验不通过", {"credit_code": broken[:-1] + ("0" if broken[-1] != "0" else "1")}),
        105: ("A", "必填", {"name": ""}),
        333: ("D", "不存在", {"industry_code": "C99"}),
        1001: ("I", "联系电话格式不正确", {"contact_phone": "12345"}),
        2002: ("C", "应为“独立法人”或“法人的分支机构”", {"legal_status": "合伙企业"}),
        3003: ("B", "与第2行的统一社会信用代码重复", {"credit_code": good_code}),
        4004: ("J", "邮箱格式不正确", {"contact_email": "not-an-email"}),
        5005: ("B", "应为18位", {"credit_code": "91429006MA4B123"}),
        6006: ("D", "只接受以下行业", {"industry_code": "A0111"}),
        7007: ("H", "必填", {"contact_name": ""}),
        8008: ("A", "不能超过200个字符", {"name": "长" * 201}),
        9009: ("A", "与第9008行的企业同名", {"name": rows[9006]["name"]}),
    }
    for number, (_column, _words, change) in planted.items():
        rows[number - 2].update(change)
    content = testing.registry_file(rows)

    batch = _upload(world["officer"], content)
    assert batch.status == EnterpriseImport.Status.CHECKED
    assert (batch.total, batch.invalid, batch.existing, batch.valid) == (10000, 12, 0, 9988)
    problems = _problems(batch)
    assert set(problems) == set(planted)
    for number, (column, words, _change) in planted.items():
        assert any(p.startswith(f"{column}:") and words in p for p in problems[number]), (number, problems[number])
    assert Enterprise.objects.count() == 0  # nothing before the confirmation

    audit_before = AuditEntry.objects.count()
    batch = imports.confirm_import(batch, world["officer"])
    assert batch.status == EnterpriseImport.Status.DONE
    assert (batch.imported, batch.skipped) == (9988, 0)
    imported = Enterprise.objects.filter(organisation__parent=world["town"])
    assert imported.count() == 9988
    assert set(imported.values_list("status", flat=True)) == {Enterprise.Status.CONFIRMED}
    # one audit row per enterprise, plus the confirmation
    assert AuditEntry.objects.filter(action="enterprise.import").count() == 9988
    assert AuditEntry.objects.count() - audit_before == 9988 + 1

    again = _upload(world["officer"], content, "名录（第二次）.xlsx")
    assert (again.total, again.invalid, again.existing, again.valid) == (10000, 12, 9988, 0)
    assert not imports.operations.EnterpriseImportConfirm(again).check(world["officer"])
    assert Enterprise.objects.count() == 9988


# --- what a row says --------------------------------------------------------------------------------------

def test_a_small_file_imports_confirmed_enterprises_with_logins_and_invitations(
        world, client, django_capture_on_commit_callbacks):
    rows = [testing.registry_row(1, contact_email="a@example.com"), testing.registry_row(2),
            testing.registry_row(3, legal_status="法人的分支机构", industry_code="C2511"),
            # the English template's words are read too
            testing.registry_row(4, legal_status="Branch of a legal person", industry_code="C2511"),
            testing.registry_row(5, legal_status="Independent legal person")]
    batch = _upload(world["officer"], testing.registry_file(rows))
    with django_capture_on_commit_callbacks(execute=True):
        batch = imports.confirm_import(batch, world["officer"])
    assert batch.imported == 5
    assert Enterprise.objects.get(credit_code=rows[3]["credit_code"]).is_branch
    assert not Enterprise.objects.get(credit_code=rows[4]["credit_code"]).is_branch
    first = Enterprise.objects.get(credit_code=rows[0]["credit_code"])
    assert first.unit == world["town"] and first.is_confirmed and first.confirmed_by == world["officer"]
    assert Enterprise.objects.get(credit_code=rows[2]["credit_code"]).is_branch
    account = User.objects.get(organisation=first.organisation)
    assert account.username == first.credit_code and not account.has_usable_password()
    # only the contact with an e-mail is invited, with a working link to set the password
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a@example.com"]
    body = mail.outbox[0].body
    assert first.credit_code in body and "https://tidu.example/accounts/password/reset/" in body
    link = next(word for word in body.split() if word.startswith("https://tidu.example/"))
    form = client.get(link.removeprefix("https://tidu.example"), follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    set_password = client.post(form.redirect_chain[-1][0], {"new_password1": "Zx!9-import-pass",
                                                            "new_password2": "Zx!9-import-pass"})
    assert set_password.status_code == 302
    account.refresh_from_db()
    assert account.check_password("Zx!9-import-pass")


def test_gbk_csv_from_excel_is_read(world):
    content = testing.registry_file([testing.registry_row(11)], fmt="csv", encoding="gb18030")
    batch = _upload(world["officer"], content, "名录.csv")
    assert (batch.status, batch.valid) == (EnterpriseImport.Status.CHECKED, 1)
    assert batch.rows.get().values["name"] == "导入测试企业00011有限公司"


@pytest.mark.parametrize(("content", "name", "words"), [
    (b"", "x.xlsx", "请选择要上传的企业名单文件"),
    (b"%PDF-1.4 not a registry", "x.pdf", "只接受 .xlsx 或 .csv"),
])
def test_a_file_that_is_not_a_registry_is_refused_on_upload(world, content, name, words):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        _upload(world["officer"], content, name)
    assert words in str(refused.value)
    assert not EnterpriseImport.objects.exists()


def test_a_file_without_the_required_columns_is_refused_with_their_names(world):
    content = "企业名称,联系人\r\n某公司,张三\r\n".encode("utf-8-sig")
    batch = _upload(world["officer"], content, "名录.csv")
    assert batch.status == EnterpriseImport.Status.REFUSED
    assert "缺少必填列：统一社会信用代码、法人类型、所属行业代码、联系电话" in batch.file_error
    assert not batch.rows.exists()


@pytest.mark.parametrize(("template_language", "page_language"), [("en", "zh-hans"), ("zh-hans", "en")])
def test_the_template_of_either_language_is_read_whatever_the_page_language(world, template_language, page_language):
    from django.utils import translation

    with translation.override(template_language):
        content = testing.registry_file([testing.registry_row(21)], fmt="csv")
    with translation.override(page_language):
        batch = _upload(world["officer"], content, "名录.csv")
    assert (batch.status, batch.valid, batch.file_error) == (EnterpriseImport.Status.CHECKED, 1, "")


def test_region_outside_the_call_is_a_warning_not_an_error(world):
    row = testing.registry_row(21, credit_code=testing.valid_credit_code(21, prefix="91420100MA4B"))
    batch = _upload(world["officer"], testing.registry_file([row]))
    assert batch.valid == 1
    errors = batch.rows.get().errors
    assert errors and errors[0]["warning"] and "420100" in errors[0]["message"]


# --- who may import where ---------------------------------------------------------------------------------

def test_the_city_names_each_rows_unit_and_an_unknown_unit_is_an_error(world):
    rows = [testing.registry_row(31, unit="竟陵街道办事处"), testing.registry_row(32, unit="岳口镇"),
            testing.registry_row(33, unit="不存在的镇")]
    batch = _upload(world["city"], testing.registry_file(rows, with_unit=True))
    assert (batch.valid, batch.invalid) == (2, 1)
    assert any("没有名为“不存在的镇”" in p and p.startswith("K:") for p in _problems(batch)[4])
    imports.confirm_import(batch, world["city"])
    assert Enterprise.objects.get(credit_code=rows[1]["credit_code"]).unit == world["other"]


def test_a_township_sees_and_confirms_only_its_own_units_imports(world, client):
    batch = _upload(world["officer"], testing.registry_file([testing.registry_row(41)]))
    client.force_login(world["other_officer"])
    assert client.get(reverse("enterprises:import_detail", args=[batch.pk])).status_code == 404
    assert client.post(reverse("enterprises:import_confirm", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == EnterpriseImport.Status.CHECKED
    enterprise_user = testing.enterprise_user(testing.enterprise(world["town"], "某企业"), "ent")
    client.force_login(enterprise_user)
    assert client.get(reverse("enterprises:import_start")).status_code == 403


# --- resumable --------------------------------------------------------------------------------------------

@override_settings(TIDU_IMPORT_CHUNK_SIZE=2)
def test_an_import_interrupted_between_chunks_leaves_rows_done_or_pending_and_resumes(world, monkeypatch):
    rows = [testing.registry_row(serial) for serial in range(51, 56)]
    batch = _upload(world["officer"], testing.registry_file(rows))
    monkeypatch.setattr(imports, "_enqueue", lambda step, pk: None)  # the worker "dies" before starting
    imports.confirm_import(batch, world["officer"])

    class Killed(Exception):
        pass

    def die(batch):
        raise Killed

    with pytest.raises(Killed):
        imports.run_import(batch.pk, between_chunks=die)
    batch.refresh_from_db()
    assert batch.imported == 2 and batch.status == EnterpriseImport.Status.IMPORTING
    assert sorted(batch.rows.values_list("outcome", flat=True)) == sorted([Outcome.IMPORTED] * 2 + [Outcome.PENDING] * 3)
    assert Enterprise.objects.count() == 2
    assert batch.pk in imports.resume_stale_imports(older_than=__import__("datetime").timedelta(seconds=-1))
    batch = imports.run_import(batch.pk)
    assert (batch.status, batch.imported) == (EnterpriseImport.Status.DONE, 5)
    assert Enterprise.objects.count() == 5
    assert AuditEntry.objects.filter(action="enterprise.import").count() == 5


def test_a_row_registered_between_check_and_import_is_skipped_not_duplicated(world, monkeypatch):
    rows = [testing.registry_row(61), testing.registry_row(62)]
    batch = _upload(world["officer"], testing.registry_file(rows))
    testing.enterprise(world["town"], "抢先登记的企业", credit_code=rows[1]["credit_code"])
    batch = imports.confirm_import(batch, world["officer"])
    assert (batch.imported, batch.skipped) == (1, 1)
    skipped = batch.rows.get(outcome=Outcome.SKIPPED)
    assert "已登记" in skipped.message and skipped.number == 3


# --- pages ------------------------------------------------------------------------------------------------

def test_pages_upload_preview_with_row_and_column_and_confirm(world, client):
    client.force_login(world["officer"])
    template = client.get(reverse("enterprises:import_template", args=["xlsx"]))
    assert template.status_code == 200
    headings = [cell.value for cell in next(load_workbook(io.BytesIO(template.content)).active.iter_rows())]
    assert headings[:2] == ["企业名称*", "统一社会信用代码*"]
    rows = [testing.registry_row(71), testing.registry_row(72, contact_phone="abc")]
    upload = io.BytesIO(testing.registry_file(rows))
    upload.name = "本镇名录.xlsx"
    response = client.post(reverse("enterprises:import_start"), {"file": upload})
    batch = EnterpriseImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("enterprises:import_detail", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "I列 联系电话" in page and "联系电话格式不正确" in page and "确认导入" in page
    problems = client.get(reverse("enterprises:import_errors", args=[batch.pk])).content.decode("utf-8-sig")
    assert "3,I,联系电话,错误" in problems
    client.post(reverse("enterprises:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.imported == 1
    listing = client.get(reverse("enterprises:unit_enterprises")).content.decode()
    assert rows[0]["name"] in listing


def test_upload_without_a_file_keeps_the_page_with_a_message(world, client):
    client.force_login(world["city"])
    response = client.post(reverse("enterprises:import_start"), {})
    assert response.status_code == 400
    assert "请选择要上传的企业名单文件" in response.content.decode()


def test_column_letters_follow_excel():
    assert [bulk_import.column_letter(i) for i in (0, 10, 25, 26, 27)] == ["A", "K", "Z", "AA", "AB"]


def test_problems_checked_in_chinese_read_in_the_language_of_whoever_looks(world, client):
    """The rows are checked (and stored) in Chinese; the preview page and the problems CSV show each problem and its
    column heading in the reader's language: a fixed message from its source sentence, a validator's message by
    asking the validator again, the region warning from its sentence."""
    from django.utils import translation

    rows = [testing.registry_row(81, contact_phone="abc", contact_email="not-an-email"),
            testing.registry_row(82, credit_code=testing.valid_credit_code(82, prefix="91420100MA4B"))]
    with translation.override("zh-hans"):
        batch = _upload(world["officer"], testing.registry_file(rows))
    stored = {e["key"]: e for row in batch.rows.all() for e in row.errors}
    assert stored["contact_email"]["message"] == "邮箱格式不正确，如 zhangsan@example.com"
    assert stored["contact_email"]["msg"] == {"m": "邮箱格式不正确，如 zhangsan@example.com"}
    assert stored["contact_phone"]["msg"] == {"clean": "contact_phone", "value": "abc"}
    assert stored["credit_code"]["warning"] and stored["credit_code"]["msg"]["p"]["code"] == "420100"

    english = {"第3–8位登记机关代码 %(code)s 不是%(region)s（%(region_code)s），请核实企业是否属于本地":
                   "Registration authority %(code)s is not %(region)s (%(region_code)s)"}
    client.force_login(world["officer"])
    client.cookies["django_language"] = "en"
    with testing.english(english):
        page = client.get(reverse("enterprises:import_detail", args=[batch.pk]) + "?rows=all").content.decode()
        problems = client.get(reverse("enterprises:import_errors", args=[batch.pk])).content.decode("utf-8-sig")
    for text in (page, problems):
        assert "zhangsan@example.com" in text and "Registration authority 420100 is not" in text
        assert "邮箱格式不正确" not in text and "登记机关代码" not in text
    with translation.override("en"):
        phone = bulk_import.problem_text(stored["contact_phone"])
        heading = bulk_import.header_text(stored["contact_phone"])
    assert phone in problems and heading in problems and heading != "联系电话"  # the validator's own English
    # A problem stored before sources were kept reads as stored.
    assert bulk_import.problem_text({"message": "旧的问题"}) == "旧的问题"


def test_missing_columns_are_listed_as_the_language_joins_lists(world):
    from django.utils import translation

    content = "企业名称,联系人\r\n某公司,张三\r\n".encode("utf-8-sig")
    with translation.override("en"), testing.english({"缺少必填列：%(columns)s。请使用下载的模板，不要修改第1行的列标题":
                                                      "Missing required columns: %(columns)s."}):
        batch = _upload(world["officer"], content, "名录.csv")
    assert "、" not in batch.file_error and ", " in batch.file_error
