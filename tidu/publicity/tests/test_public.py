"""The public 公示 page and its objection form (no login)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tidu.applications.testing import minimal_pdf_bytes
from tidu.notifications.models import Notification
from tidu.publicity.models import Objection
from tidu.publicity.tests.conftest import AFTER, BEFORE, DURING, LAST_EVENING, entry_of


@pytest.fixture
def during(settings):
    settings.TIDU_NOW = DURING.isoformat()


def form_data(target, **overrides):
    data = {"entry": str(target.pk), "name": "张三", "phone": "13900001111", "email": "",
            "content": "该企业申报的在线视觉检测场景实际并未投入使用，现场仍为人工目检，请核实。", "website": ""}
    data.update(overrides)
    return data


def test_public_list_shows_the_entries_and_nothing_confidential(client, published, verified, during):
    response = client.get(reverse("publicity:public_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert published.title in page and "正在公示" in page
    assert "2026年4月3日（星期五） 至 2026年4月9日（星期四）" in page
    for name in ("天门市华楚精密机械有限公司", "天门市岳口纺织有限公司", "天门市恒力电气设备有限公司"):
        assert name in page
    assert "91429006MA49ABCD1X" in page  # credit code: public registry information
    assert "机加车间智能化改造项目" in page and "竟陵街道办事处" in page and "岳口镇" in page and "基础级" in page
    assert "0728-5221234" in page and "天门市经济和信息化局（中小企业科）" in page  # the bureau's contact
    # Nothing from inside the application: contacts, KPIs, maturity score, report numbers, reviewers.
    for secret in ("13872800001", "王立新", "secret-contact@example.com", "李强", "关键设备数控化率", "2.15",
                   "C3ME-2025-420000-01234", "周敏", "18600"):
        assert secret not in page, secret


def test_public_detail_numbers_the_entries_and_offers_the_form(client, published, during):
    page = client.get(reverse("publicity:public_detail", args=[published.pk])).content.decode()
    assert "提出异议" in page and 'name="content"' in page
    first = published.entries.get(position=1)
    assert f'<td class="num">1</td><td>{first.enterprise_name}</td>' in page
    assert sorted(published.entries.values_list("position", flat=True)) == [1, 2, 3]
    assert "异议受理截至 2026年4月9日 24:00（北京时间）" in page


def test_drafts_are_not_public(client, world, verified, city):
    from tidu.publicity.tests.conftest import make_publicity

    draft = make_publicity(world["call"], city, [verified["a"]])
    assert client.get(reverse("publicity:public_detail", args=[draft.pk])).status_code == 404
    assert draft.title not in client.get(reverse("publicity:public_list")).content.decode()


def test_an_objection_is_stored_and_the_city_notified(client, published, verified, city, during,
                                                      django_capture_on_commit_callbacks):
    entry = entry_of(published, verified["b"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("publicity:public_detail", args=[published.pk]), form_data(entry))
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.entry == entry and objection.name == "张三" and objection.phone == "13900001111"
    assert objection.number.startswith("YY") and not objection.is_handled
    page = client.get(response.url).content.decode()
    assert f"异议已提交，编号 {objection.number}" in page
    notice = Notification.objects.get(recipient=city)
    assert objection.number in notice.title and "天门市岳口纺织有限公司" in notice.body
    assert notice.link == reverse("publicity:objection", args=[objection.pk])


def test_validation_errors_are_in_chinese_and_keep_what_was_typed(client, published, verified, during):
    entry = entry_of(published, verified["a"])
    response = client.post(reverse("publicity:public_detail", args=[published.pk]),
                           form_data(entry, name="李四很认真", phone="", email="", content="太短了，不少于二十字吗"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "请至少填写联系电话或电子邮箱中的一项" in page
    assert "异议内容不少于 20 字（现有 11 字）" in page
    assert 'value="李四很认真"' in page and "太短了，不少于二十字吗</textarea>" in page
    assert f'<option value="{entry.pk}" selected>' in page
    assert not Objection.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("phone", "12345", "请填写有效的手机号或固定电话"),
    ("email", "not-an-email", "请填写有效的电子邮箱"),
    ("name", "", "请填写此项"),
    ("entry", "", "请选择异议对象"),
    ("entry", "999999", "请选择公示名单中的企业"),
])
def test_field_errors(client, published, verified, during, field, value, message):
    entry = entry_of(published, verified["a"])
    response = client.post(reverse("publicity:public_detail", args=[published.pk]), form_data(entry, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Objection.objects.exists()


def test_e_mail_alone_is_enough(client, published, verified, during):
    entry = entry_of(published, verified["a"])
    response = client.post(reverse("publicity:public_detail", args=[published.pk]),
                           form_data(entry, phone="", email="zhang@example.com"))
    assert response.status_code == 302
    assert Objection.objects.get().email == "zhang@example.com"


def test_a_pdf_attachment_is_kept_and_only_the_city_can_download_it(client, published, verified, city, during):
    entry = entry_of(published, verified["a"])
    upload = SimpleUploadedFile("照片说明.pdf", minimal_pdf_bytes("证明"), content_type="application/pdf")
    response = client.post(reverse("publicity:public_detail", args=[published.pk]),
                           {**form_data(entry), "attachment": upload})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.attachment_name == "照片说明.pdf" and objection.attachment_type == "application/pdf"
    assert len(objection.attachment_sha256) == 64 and "照片" not in objection.attachment.name
    url = reverse("publicity:objection_attachment", args=[objection.pk])
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(city)
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("fake.pdf", b"this is plain text pretending to be a PDF", "的内容不是可接受的类型；仅接受PDF 或图片（JPG、PNG）文件"),
    ("macro.docx", b"PK\x03\x04 not really a zip", "的内容不是可接受的类型；仅接受PDF 或图片（JPG、PNG）文件"),
    ("picture.png", minimal_pdf_bytes(), "扩展名与内容不符"),
])
def test_attachments_are_checked_by_content(client, published, verified, during, name, content, message):
    entry = entry_of(published, verified["a"])
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(reverse("publicity:public_detail", args=[published.pk]),
                           {**form_data(entry), "attachment": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "已选择的附件不会保留，请重新选择" in page
    assert not Objection.objects.exists()


def test_attachment_size_is_limited(client, published, verified, during, settings):
    settings.TIDU_OBJECTION_MAX_BYTES = 1024
    entry = entry_of(published, verified["a"])
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2048, content_type="application/pdf")
    response = client.post(reverse("publicity:public_detail", args=[published.pk]),
                           {**form_data(entry), "attachment": upload})
    assert response.status_code == 400
    assert "大小为 2 KB，超过 1 KB 的上限" in response.content.decode()
    assert not Objection.objects.exists()


def test_the_honeypot_discards_bots_silently(client, published, verified, city, during,
                                             django_capture_on_commit_callbacks):
    entry = entry_of(published, verified["a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("publicity:public_detail", args=[published.pk]),
                               form_data(entry, website="http://spam.example"))
    assert response.status_code == 302
    assert not Objection.objects.exists()
    assert not Notification.objects.filter(recipient=city).exists()


def test_the_honeypot_is_hidden_from_people(client, published, during):
    page = client.get(reverse("publicity:public_detail", args=[published.pk])).content.decode()
    assert '<div class="hp" aria-hidden="true">' in page and 'tabindex="-1"' in page


def test_a_daily_limit_per_address(client, published, verified, during, settings):
    settings.TIDU_OBJECTION_DAILY_LIMIT = 2
    entry = entry_of(published, verified["a"])
    url = reverse("publicity:public_detail", args=[published.pk])
    for _ in range(2):
        assert client.post(url, form_data(entry), REMOTE_ADDR="203.0.113.7").status_code == 302
    response = client.post(url, form_data(entry, name="王五"), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    page = response.content.decode()
    assert "达到每日上限" in page and 'value="王五"' in page
    assert Objection.objects.count() == 2
    assert client.post(url, form_data(entry), REMOTE_ADDR="198.51.100.9").status_code == 302
    assert Objection.objects.count() == 3
    assert "203.0.113.7" not in {o.client_digest for o in Objection.objects.all()}


@pytest.mark.parametrize(("moment", "message"), [
    (BEFORE, "公示将于 2026年4月3日（星期五）开始"),
    (AFTER, "公示期已于 2026年4月9日（星期四）24:00（北京时间）结束，不再受理异议"),
])
def test_the_form_is_closed_outside_the_period(client, published, verified, settings, moment, message):
    settings.TIDU_NOW = moment.isoformat()
    url = reverse("publicity:public_detail", args=[published.pk])
    page = client.get(url).content.decode()
    assert message in page and 'name="content"' not in page
    response = client.post(url, form_data(entry_of(published, verified["a"])))
    assert response.status_code == 403 and message in response.content.decode()
    assert not Objection.objects.exists()


def test_the_last_evening_is_still_inside(client, published, verified, settings):
    settings.TIDU_NOW = LAST_EVENING.isoformat()
    url = reverse("publicity:public_detail", args=[published.pk])
    assert client.post(url, form_data(entry_of(published, verified["a"]))).status_code == 302


def test_the_list_moves_a_closed_notice_to_the_past(client, published, settings):
    settings.TIDU_NOW = AFTER.isoformat()
    page = client.get(reverse("publicity:public_list")).content.decode()
    assert "目前没有正在公示的名单" in page and "公示期满，待认定" in page


def test_a_spoofed_forwarded_for_cannot_raise_the_daily_limit(client, published, verified, during, settings):
    """Behind nginx (one trusted proxy) the client's address is the rightmost X-Forwarded-For entry: whatever
    the client writes to the left of it, all its objections count against the same address."""
    settings.TIDU_OBJECTION_DAILY_LIMIT = 2
    settings.TIDU_TRUSTED_PROXIES = 1
    settings.TIDU_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    entry = entry_of(published, verified["a"])
    url = reverse("publicity:public_detail", args=[published.pk])
    statuses = [client.post(url, form_data(entry), REMOTE_ADDR="10.0.0.2",  # the proxy itself
                            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7").status_code for n in range(1, 5)]
    assert statuses == [302, 302, 429, 429]
    assert Objection.objects.count() == 2
