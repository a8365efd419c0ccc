"""A notice is written in Chinese (e-mail, SMS, stored text) and read on the notices page in the reader's
language: its source sentences are translated when shown."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tidu import testing
from tidu.core.dates import moment_local
from tidu.core.events import deliver_pending
from tidu.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_chinese():
    yield
    translation.deactivate()


@pytest.fixture
def returned(settings):
    settings.TIDU_NOW = "2026-02-20T10:00:00+08:00"
    town = testing.unit("岳口镇", kind=testing.Organisation.Kind.TOWNSHIP)
    testing.officer(town, "yuekou")
    enterprise = testing.enterprise(town, "天门市华楚精密机械有限公司")
    owner = testing.enterprise_user(enterprise, "huachu")
    application = testing.application(enterprise, user=owner)
    testing.drive_to(application, "submitted")
    testing.transition(application, "township_return", "township", due_date=dt.date(2026, 3, 10),
                       due_reason="节假日顺延")
    deliver_pending()  # the move → the notice requests
    deliver_pending()  # → the notices
    return owner


def test_a_return_notice_reads_in_english_and_is_sent_in_chinese(client, returned):
    notice = Notification.objects.filter(recipient=returned, kind="application.township_return").get()
    assert notice.title.startswith("申报") and "基本信息：请补充主要产品市场占有率" in notice.body
    assert "2026年3月10日" in notice.body and notice.i18n["title"]["m"] == "申报%(action)s"
    assert all("申报" in message.subject or "申报" in message.body for message in mail.outbox)

    client.force_login(returned)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Application: Returned for revision" in page
    assert "Basic information：请补充主要产品市场占有率" in page  # the officer's words stay as written
    assert "Please revise and resubmit by 10 Mar 2026" in page
    assert "您的申报" not in page and "2026年3月10日" not in page
    with translation.override("en"):  # the notice's time as the reader's language writes it (北京时间)
        assert moment_local(notice.created_at) in page and "年" not in moment_local(notice.created_at)

    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("notifications:list")).content.decode()
    assert notice.title in page and "请于2026年3月10日前完成补正并重新提交" in page
    with translation.override("zh-hans"):
        assert moment_local(notice.created_at) in page and "年" in moment_local(notice.created_at)


def test_a_notice_written_as_plain_text_shows_as_written(client, returned):
    from tidu.notifications.services import deliver

    deliver([returned], kind="test", title="市经信局已受理您的申报", body="请留意后续通知。")
    client.force_login(returned)
    client.cookies["django_language"] = "en"
    assert "市经信局已受理您的申报" in client.get(reverse("notifications:list")).content.decode()

