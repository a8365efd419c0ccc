"""Review sessions (评审会): the city records them (audited, with clear errors), lists them, and prints each
session's 专家签到表 (PDF and Word) with a 校验码 the verify page knows; a bureau template is used for Word."""

import datetime as dt
import io

import docx
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from tidu.core.models import AuditEntry
from tidu.documents import services as document_services
from tidu.documents import sheet_docx
from tidu.documents.models import VerificationCode
from tidu.experts import services, testing
from tidu.experts.models import ReviewSession
from tidu.experts.tests.conftest import _fast_hasher_and_media, w  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def _text_of_docx(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts += [p.text for p in document.sections[0].footer.paragraphs]
    return "\n".join(parts)


def _text_of_pdf(data: bytes) -> str:
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace("\u200b", "").replace(" ", "").replace("\n", "")  # the extractor spaces CJK from digits


@pytest.fixture
def passed(w):  # noqa: F811
    return testing.to_formal_passed(w, "a"), testing.to_formal_passed(w, "b")


def _post(client, url, **fields):
    return client.post(url, fields)


def test_the_city_records_a_session_lists_it_and_prints_its_sign_in_sheet(client, w, passed):  # noqa: F811
    a, b = passed
    call, experts = w["call"], w["experts"]
    client.force_login(w["users"]["city"])
    assert client.get(reverse("experts:session_new")).status_code == 200
    response = _post(client, reverse("experts:session_new"), call=call.pk, name="2026年度基础级智能工厂第一次评审会",
                     date="2026-04-08", place="市经信局三楼会议室", experts=[experts["e1"].pk, experts["e2"].pk],
                     applications=[a.pk])
    assert response.status_code == 302, response.content.decode()[:2000]
    session = ReviewSession.objects.get()
    assert set(session.experts.all()) == {experts["e1"], experts["e2"]} and list(session.applications.all()) == [a]
    created = AuditEntry.objects.get(action="review_session.create", object_id=str(session.pk))
    assert created.detail["place"] == "市经信局三楼会议室" and created.actor == w["users"]["city"]

    page = client.get(reverse("experts:sessions")).content.decode()
    assert "2026年度基础级智能工厂第一次评审会" in page and "张专家" in page and a.enterprise.name in page
    assert reverse("experts:session_sign_in_sheet", args=[session.pk, "pdf"]) in page

    response = _post(client, reverse("experts:session_edit", args=[session.pk]), name=session.name,
                     date="2026-04-09", place="市经信局三楼会议室",
                     experts=[experts["e1"].pk, experts["e2"].pk, experts["e3"].pk], applications=[a.pk, b.pk])
    assert response.status_code == 302
    changes = AuditEntry.objects.get(action="review_session.update", object_id=str(session.pk)).detail["changes"]
    assert changes["date"] == ["2026-04-08", "2026-04-09"] and set(changes) == {"date", "experts", "applications"}

    pdf = client.get(reverse("experts:session_sign_in_sheet", args=[session.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = _text_of_pdf(pdf.content)
    for value in ("专家签到表", "2026年度基础级智能工厂第一次评审会", "2026年4月9日", "市经信局三楼会议室",
                  "张专家", "黄专家", "赵专家", "湖北某研究院", a.enterprise.name, b.enterprise.name):
        assert value in text, value
    assert "钱专家" not in text
    record = VerificationCode.objects.get(application=None, call=call, document_title="专家签到表")
    assert record.code in text
    verified = client.get(reverse("documents:verify", args=[record.code]))
    assert verified.status_code == 200 and "专家签到表" in verified.content.decode()
    assert call.title in verified.content.decode()
    word = client.get(reverse("experts:session_sign_in_sheet", args=[session.pk, "docx"]))
    text = _text_of_docx(word.content)
    assert "2026年度基础级智能工厂第一次评审会" in text and "赵专家" in text and b.enterprise.name in text
    assert record.code in text
    assert client.get(reverse("experts:session_sign_in_sheet", args=[session.pk, "xls"])).status_code == 404


def test_bad_sessions_get_a_clear_error_and_nothing_changes(client, w, passed):  # noqa: F811
    a, _b = passed
    client.force_login(w["users"]["city"])
    url = reverse("experts:session_new")
    response = _post(client, url, call=w["call"].pk, name="  ", date="2026-04-08", place="")
    assert response.status_code == 400 and "会议名称" in response.content.decode()
    session = services.review_session_save(user=w["users"]["city"], call=w["call"], data={
        "name": "第一次评审会", "date": dt.date(2026, 4, 8), "place": "", "experts": [w["experts"]["e1"]],
        "applications": [a]})
    outsider = w["users"]["city2"]  # not in the pool
    with pytest.raises(services.ExpertsError) as refused:
        services.review_session_save(user=w["users"]["city"], session=session, data={
            "name": "第一次评审会", "date": dt.date(2026, 4, 8), "experts": [outsider], "applications": [a]})
    assert refused.value.message == "“市局核查员”不在专家库中，不能列为参会专家"
    assert list(session.experts.all()) == [w["experts"]["e1"]]
    assert AuditEntry.objects.filter(object_type="review_session").count() == 1


def test_only_the_city_sees_sessions(client, w, passed):  # noqa: F811
    session = services.review_session_save(user=w["users"]["city"], call=w["call"], data={
        "name": "第一次评审会", "date": dt.date(2026, 4, 8), "experts": [], "applications": []})
    for user in (w["experts"]["e1"], w["users"]["town_x"], w["users"]["ent_a"]):
        client.force_login(user)
        assert client.get(reverse("experts:sessions")).status_code == 403
        assert client.get(reverse("experts:session_sign_in_sheet", args=[session.pk, "pdf"])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.review_session_save(user=w["experts"]["e1"], call=w["call"], data={
            "name": "x", "date": dt.date(2026, 4, 8)})


def test_a_bureau_sign_in_template_is_used_for_the_session_sheet(client, w, passed):  # noqa: F811
    a, _b = passed
    session = services.review_session_save(user=w["users"]["city"], call=w["call"], data={
        "name": "第二次评审会", "date": dt.date(2026, 4, 20), "place": "会议中心", "experts": [w["experts"]["e4"]],
        "applications": [a]})
    template = docx.Document(io.BytesIO(sheet_docx.starter_template(sheet_docx.SIGN_IN)))
    template.add_paragraph("本局签到表：{{ meeting_name }}，{{ meeting_date }}，{{ place }}")
    out = io.BytesIO()
    template.save(out)
    document_services.upload_template(call=w["call"], kind=sheet_docx.SIGN_IN, user=w["users"]["city"],
                                      upload=SimpleUploadedFile("签到表.docx", out.getvalue()))
    client.force_login(w["users"]["city"])
    text = _text_of_docx(client.get(reverse("experts:session_sign_in_sheet", args=[session.pk, "docx"])).content)
    assert "本局签到表：第二次评审会，2026年4月20日，会议中心" in text
    assert "钱专家" in text and a.enterprise.name in text and "91429006MA49ABCD1X" in text
