"""Notices reach people through the channels they chose: in-app always, e-mail and SMS by choice; a failing
channel never stops the others and is retried; the Aliyun SMS request is signed as the vendor documents it."""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.parse

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from tidu import testing as build
from tidu.core.models import AuditEntry
from tidu.notifications import channels, services, sms
from tidu.notifications.models import ChannelPreference, Delivery, Notification
from tidu.notifications.reminders import send_deadline_reminders
from tidu.review.tests.conftest import login

pytestmark = pytest.mark.django_db
D = dt.date


# --- mobile numbers and message length -------------------------------------------------------------------

@pytest.mark.parametrize("typed, kept", [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
                                         ("１３８１２３４５６７８", "13812345678"), ("0086 19912345678", "19912345678"),
                                         ("", "")])
def test_mainland_mobile_numbers_are_accepted_and_normalised(typed, kept):
    assert sms.clean_mobile(typed) == kept


@pytest.mark.parametrize("typed", ["12812345678", "1381234567", "138123456789", "0728-5221234", "abc"])
def test_invalid_mobile_numbers_are_refused_in_chinese(typed):
    with pytest.raises(ValidationError) as error:
        sms.clean_mobile(typed)
    assert "11 位中国大陆手机号码" in error.value.messages[0]


def test_segments_and_the_short_text_with_the_sign_name(settings):
    assert [sms.segments("字" * n) for n in (0, 1, 70, 71, 134, 135)] == [0, 1, 1, 2, 2, 3]
    settings.TIDU_SMS_SIGN_NAME = "天门市经信局"
    text = sms.compose("乡镇推荐截止还剩 3 天，推荐名单尚未报送" * 5)
    assert text.startswith("【天门市经信局】乡镇推荐截止") and text.endswith("，详情请登录系统查看。")
    assert len(text) == 70 and sms.segments(text) == 1 and "…" in text


# --- channel choice -----------------------------------------------------------------------------------

def test_each_person_gets_the_channels_they_chose(users, _sms_outbox, settings):
    settings.TIDU_SMS_SIGN_NAME = "天门市经信局"  # the deployment's approved sign name (no default in the code)
    a, x, city = users["a"], users["x"], users["city"]
    build.channels(a, email=False, sms=True, mobile="13812345678")
    build.channels(x, email=True, sms=True, mobile="13912345678")
    build.channels(city, email=False, sms=False)
    services.deliver([a, x, city], kind="test", title="申报截止还剩 3 天")
    assert Notification.objects.count() == 3  # in-app always
    assert [m.to for m in mail.outbox] == [[x.email]]
    assert sorted(m.mobile for m in _sms_outbox) == ["13812345678", "13912345678"]
    assert _sms_outbox[0].text == "【天门市经信局】申报截止还剩 3 天，详情请登录系统查看。"
    sent = Delivery.objects.filter(status=Delivery.Status.SENT)
    assert sorted(sent.values_list("channel", flat=True)) == ["email", "sms", "sms"]
    assert set(sent.filter(channel="sms").values_list("segments", flat=True)) == {1}


def test_without_a_choice_email_is_on_and_sms_off(users, _sms_outbox):
    users["x"].phone = "13812345678"
    users["x"].save()
    services.deliver([users["x"]], kind="test", title="默认")
    assert len(mail.outbox) == 1 and _sms_outbox == []
    assert channels.preference_for(users["x"]).mobile == "13812345678"  # offered on the page, not yet chosen


def test_email_false_keeps_a_notice_in_app_only(users, _sms_outbox):
    build.channels(users["x"], sms=True, mobile="13812345678")
    services.deliver([users["x"]], kind="test", title="仅站内", email=False)
    assert Notification.objects.count() == 1 and mail.outbox == [] and _sms_outbox == []


# --- failures ------------------------------------------------------------------------------------------

class FlakySms(sms.SmsBackend):
    down = True

    def send(self, message):
        if FlakySms.down:
            raise sms.SmsError("短信服务拒绝（HTTP 503）")
        sms.OUTBOX.append(message)
        return "biz-1"


def test_a_failing_sms_does_not_stop_email_or_others_and_is_retried(users, monkeypatch, _sms_outbox, settings):
    FlakySms.down = True
    monkeypatch.setattr(sms, "get_backend", FlakySms)
    build.channels(users["x"], email=True, sms=True, mobile="13812345678")
    services.deliver([users["x"], users["city"]], kind="test", title="截止提醒")
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([users["x"].email, users["city"].email])
    failed = Delivery.objects.get(channel="sms")
    assert (failed.status, failed.attempts) == (Delivery.Status.FAILED, 1) and "HTTP 503" in failed.last_error
    assert failed.will_retry

    out = io.StringIO()
    call_command("deliver_events", stdout=out)  # still down: counted, kept for later
    assert "仍失败 1 条" in out.getvalue()
    FlakySms.down = False
    call_command("deliver_events", stdout=io.StringIO())
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Delivery.Status.SENT, 3, "")
    assert len(_sms_outbox) == 1 and len(mail.outbox) == 2  # the e-mails were not sent again

    # a channel that keeps failing stops after TIDU_NOTIFY_MAX_ATTEMPTS
    settings.TIDU_NOTIFY_MAX_ATTEMPTS = 2
    FlakySms.down = True
    services.deliver([users["x"]], kind="test", title="又一条")
    call_command("deliver_events", stdout=io.StringIO())
    call_command("deliver_events", stdout=io.StringIO())
    stuck = Delivery.objects.get(channel="sms", notification__title="又一条")
    assert (stuck.status, stuck.attempts, stuck.will_retry) == (Delivery.Status.FAILED, 2, False)


def test_a_failed_sms_is_visible_to_its_recipient(users, client, monkeypatch):
    FlakySms.down = True
    monkeypatch.setattr(sms, "get_backend", FlakySms)
    build.channels(users["x"], email=False, sms=True, mobile="13812345678")
    services.deliver([users["x"]], kind="test", title="发送失败的短信")
    page = login(client, users["x"]).get(reverse("notifications:channels")).content.decode()
    assert "发送失败的短信" in page and "发送失败" in page and "将自动重试" in page
    other = login(client, users["city"]).get(reverse("notifications:channels")).content.decode()
    assert "发送失败的短信" not in other


# --- the preferences page and its operation ----------------------------------------------------------

def test_choosing_channels_on_the_page_is_saved_and_audited(users, client):
    login(client, users["x"])
    page = client.get(reverse("notifications:channels")).content.decode()
    assert "站内通知" in page and "始终开启" in page
    response = client.post(reverse("notifications:channels"), {"email": "on", "sms": "on", "mobile": "138 1234 5678"})
    assert response.status_code == 302
    preference = ChannelPreference.objects.get(user=users["x"])
    assert (preference.email, preference.sms, preference.mobile) == (True, True, "13812345678")
    entry = AuditEntry.objects.get(action="notifications.update_channels")
    assert entry.actor == users["x"] and entry.detail["changed"]["sms"] == [False, True]
    # saving the same again writes no second row
    client.post(reverse("notifications:channels"), {"email": "on", "sms": "on", "mobile": "13812345678"})
    assert AuditEntry.objects.filter(action="notifications.update_channels").count() == 1


def test_an_invalid_mobile_is_refused_with_a_message_and_nothing_changes(users, client):
    login(client, users["x"])
    response = client.post(reverse("notifications:channels"), {"sms": "on", "mobile": "1234"})
    page = response.content.decode()
    assert response.status_code == 200 and "手机号格式不正确" in page and 'value="1234"' in page
    response = client.post(reverse("notifications:channels"), {"sms": "on", "mobile": ""})
    assert "选择短信通知时，请填写接收短信的手机号" in response.content.decode()
    assert not ChannelPreference.objects.exists()
    assert not AuditEntry.objects.filter(action="notifications.update_channels").exists()


def test_the_operation_refuses_another_persons_choice_and_a_bad_mobile(users):
    from django.core.exceptions import PermissionDenied

    from tidu.notifications.errors import NotificationsError
    from tidu.notifications.operations import UpdateChannels, update_channels

    with pytest.raises(PermissionDenied):
        UpdateChannels(users["a"], email=True, sms=False, mobile="").execute(users["x"])
    with pytest.raises(NotificationsError, match="手机号格式不正确"):
        update_channels(users["x"], email=True, sms=True, mobile="12345678901")
    users["x"].email = ""
    users["x"].save()
    with pytest.raises(NotificationsError, match="未登记电子邮箱"):
        update_channels(users["x"], email=True, sms=False, mobile="")


# --- deadline reminders on the chosen channels ----------------------------------------------------------

def test_deadline_reminders_reach_officers_and_enterprises_on_their_channels(users, app_a, _sms_outbox):
    build.channels(users["a"], email=False, sms=True, mobile="13812345678")   # the enterprise: SMS only
    build.channels(users["x"], email=True, sms=True, mobile="13912345678")    # its township: both
    build.channels(users["y"], email=False, sms=False)                        # the other township: in-app only
    send_deadline_reminders(D(2026, 2, 23))   # 乡镇推荐截止 (1 March) in 7 days
    send_deadline_reminders(D(2026, 3, 8))    # 企业申报截止 (15 March) in 7 days
    township = Notification.objects.filter(kind="reminder.township_deadline")
    assert set(township.values_list("recipient__username", flat=True)) == {"town_x", "town_y"}
    window = Notification.objects.get(kind="reminder.window_closes")
    assert window.recipient == users["a"]
    assert sorted(m.mobile for m in _sms_outbox) == ["13812345678", "13912345678"]
    assert any(m.mobile == "13812345678" and "申报截止还剩 7 天" in m.text for m in _sms_outbox)
    assert [m.to for m in mail.outbox] == [[users["x"].email]]


def test_revision_due_reminders_go_by_sms_when_chosen(users, app_a, settings, _sms_outbox):
    from tidu.applications.tests.conftest import submit_now

    submit_now(app_a, users["a"], key="submit-a")
    settings.TIDU_NOW = "2026-03-20T10:00:00+08:00"
    build.transition(app_a, "township_return", "township")
    build.channels(users["a"], email=False, sms=True, mobile="13812345678")
    _sms_outbox.clear()
    send_deadline_reminders(D(2026, 3, 31))
    assert [m.mobile for m in _sms_outbox] == ["13812345678"]
    assert "补正" in _sms_outbox[0].text


# --- the Aliyun SMS adapter --------------------------------------------------------------------------------

def test_aliyun_signature_matches_the_vendors_documented_example():
    """Alibaba Cloud's SendSms signature example (AccessKeySecret "testSecret"): zJDF+Lrzhj/ThnlvIToysFRq6t4="""
    params = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
              "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
              "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
              "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}
    assert sms.aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert sms.percent_encode("a b*~") == "a%20b%2A~"


def aliyun(transport):
    return sms.AliyunSmsBackend(access_key_id="testId", access_key_secret="testSecret", sign_name="天门市经信局",
                                template_code="SMS_0001", transport=transport,
                                now=lambda: dt.datetime(2026, 3, 8, 1, 2, 3, tzinfo=dt.UTC),
                                nonce=lambda: "nonce-1")


def test_aliyun_backend_sends_a_signed_request_through_the_transport():
    seen = []

    def fake(method, url, timeout):
        seen.append((method, url))
        return 200, json.dumps({"Code": "OK", "Message": "OK", "BizId": "900^1"}).encode()

    backend = aliyun(fake)
    assert backend.send(sms.SmsMessage("13812345678", "【天门市经信局】申报截止还剩 3 天，详情请登录系统查看。")) == "900^1"
    method, url = seen[0]
    parsed = urllib.parse.urlsplit(url)
    assert method == "GET" and f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == "https://dysmsapi.aliyuncs.com/"
    query = dict(urllib.parse.parse_qsl(parsed.query))
    assert query["PhoneNumbers"] == "13812345678" and query["SignName"] == "天门市经信局"
    assert json.loads(query["TemplateParam"]) == {"content": "申报截止还剩 3 天，详情请登录系统查看。"}
    assert (query["Timestamp"], query["SignatureNonce"], query["Action"]) == ("2026-03-08T01:02:03Z", "nonce-1",
                                                                               "SendSms")
    signature = query.pop("Signature")
    assert signature == sms.aliyun_signature(query, "testSecret")
    assert "%20" in url and "+" not in parsed.query.replace("%2B", "")  # RFC 3986 encoding, no '+' for spaces


def test_aliyun_backend_reports_a_refusal_and_an_outage():
    backend = aliyun(lambda *a: (200, json.dumps({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}).encode()))
    with pytest.raises(sms.SmsError, match="MOBILE_NUMBER_ILLEGAL"):
        backend.send(sms.SmsMessage("13812345678", "x"))

    def down(*args):
        raise OSError("timed out")

    with pytest.raises(sms.SmsError, match="无法连接短信服务"):
        aliyun(down).send(sms.SmsMessage("13812345678", "x"))


def test_aliyun_backend_is_chosen_by_settings(settings):
    settings.TIDU_SMS_BACKEND = "aliyun"
    settings.TIDU_SMS_ALIYUN_ACCESS_KEY_ID, settings.TIDU_SMS_ALIYUN_ACCESS_KEY_SECRET = "id", "secret"
    settings.TIDU_SMS_ALIYUN_TEMPLATE_CODE = "SMS_1"
    settings.TIDU_SMS_SIGN_NAME = "市经信局"  # the 签名 is per deployment (no default)
    assert isinstance(sms.get_backend(), sms.AliyunSmsBackend)
    settings.TIDU_SMS_ALIYUN_TEMPLATE_CODE = ""
    with pytest.raises(sms.SmsError, match="未配置完整"):
        sms.get_backend()
    settings.TIDU_SMS_BACKEND = "console"
    assert isinstance(sms.get_backend(), sms.ConsoleSmsBackend)


def test_the_administrator_sees_failed_deliveries_read_only(users, client, monkeypatch):
    FlakySms.down = True
    monkeypatch.setattr(sms, "get_backend", FlakySms)
    build.channels(users["x"], email=False, sms=True, mobile="13812345678")
    services.deliver([users["x"]], kind="test", title="管理员可见的失败")
    admin = users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.get(reverse("admin:notifications_delivery_changelist") + "?status__exact=failed")
    assert response.status_code == 200 and "管理员可见的失败" in response.content.decode()
    assert client.get(reverse("admin:notifications_delivery_add")).status_code == 403


def test_without_an_email_address_the_email_box_is_not_ticked(users, client):
    users["x"].email = ""
    users["x"].save()
    page = login(client, users["x"]).get(reverse("notifications:channels")).content.decode()
    assert "账号未登记电子邮箱" in page and 'name="email" id="id_email" checked' not in page
    assert client.post(reverse("notifications:channels"), {"mobile": ""}).status_code == 302
