"""The township dashboard (its unit only) and e-mail invitations (广泛动员)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tidu.applications.workflow import State
from tidu.core import clock
from tidu.review import services
from tidu.review.models import Invitation
from tidu.review.tests.conftest import IN_WINDOW, login
from tidu.review.tests.lifecycle import drive_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: IN_WINDOW)


def test_dashboard_shows_the_units_enterprises_applications_and_deadline(client, call, users, app_a, app_a2, app_b):
    drive_to(app_a, State.TOWNSHIP_RECOMMENDED)
    drive_to(app_b, State.SUBMITTED)  # another unit
    login(client, users["x"])
    response = client.get(reverse("review:township_dashboard"))
    page = response.content.decode()
    assert response.status_code == 200
    assert app_a.enterprise.name in page and app_a2.enterprise.name in page
    assert app_b.enterprise.name not in page
    assert "乡镇已推荐，待报送推荐名单" in page and "符合申报条件" in page  # status label and engine outcome
    assert "填写中（未提交）" in page  # a draft shows only that it exists
    assert "2026年3月1日 24:00" in page and "还剩 9 天" in page  # 2026-02-20 → 1 March
    assert "还剩 23 天" in page  # the call window ends on 15 March
    assert f'name="application" value="{app_a.pk}"' in page  # can be put on the list
    rows = {row.enterprise.name: row for row in response.context["rows"]}
    assert rows[app_a.enterprise.name].counts == {"fail": 0, "review": 0, "missing": 0}
    assert rows[app_a.enterprise.name].submitted_at is not None
    assert rows[app_a2.enterprise.name].verdict is None
    assert dict((s, n) for s, _, n in response.context["state_counts"]) == {
        State.DRAFT: 1, State.TOWNSHIP_RECOMMENDED: 1}


def test_the_dashboard_is_for_township_officers(client, call, users):
    for key in ("a", "city", "expert", "admin"):
        login(client, users[key])
        assert client.get(reverse("review:township_dashboard")).status_code == 403, key


def test_invitations_refuse_a_bad_address_and_send_nothing(client, call, users):
    login(client, users["x"])
    response = client.post(reverse("review:invite"), {"call": call.code,
                                                      "emails": "good@example.com\nabc@\n\n  \nalso.bad"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "第 2 行“abc@”不是有效的电子邮箱地址" in page and "第 5 行“also.bad”不是有效的电子邮箱地址" in page
    assert "good@example.com" in page  # kept for correcting
    assert not Invitation.objects.exists() and mail.outbox == []
    response = client.post(reverse("review:invite"), {"call": call.code, "emails": "  \n "})
    assert response.status_code == 400 and "请至少填写一个电子邮箱地址" in response.content.decode()


def test_invitations_are_sent_recorded_and_listed(client, call, users, orgs):
    login(client, users["x"])
    response = client.post(reverse("review:invite"), {
        "call": call.code, "emails": "a@example.com\nB@example.com；c@example.com\na@EXAMPLE.com"})
    assert response.status_code == 302
    assert sorted(Invitation.objects.values_list("email", flat=True)) == ["B@example.com", "a@example.com",
                                                                          "c@example.com"]
    assert all(i.unit == orgs["x"] and i.invited_by == users["x"] and i.sent_at for i in Invitation.objects.all())
    assert len(mail.outbox) == 3
    message = mail.outbox[0]
    assert "竟陵街道办事处" in message.subject
    assert "http://testserver/enterprises/register/" in message.body
    assert "2026年1月22日 至 2026年3月15日 24:00" in message.body and "2026年3月1日 24:00" in message.body
    page = client.get(reverse("review:township_dashboard")).content.decode()
    assert "c@example.com" in page and "已发送" in page
    login(client, users["y"])  # another unit does not see them
    assert "c@example.com" not in client.get(reverse("review:township_dashboard")).content.decode()


def test_too_many_addresses_at_once(users, orgs, call):
    text = "\n".join(f"e{n}@example.com" for n in range(services.INVITATIONS_MAX + 1))
    with pytest.raises(services.ReviewError) as refused:
        services.invitations_send(unit=orgs["x"], call=call, emails_text=text, user=users["x"],
                                  register_url="http://x/")
    assert "一次最多邀请 100 个地址" in refused.value.details[0]


def test_a_mail_failure_is_recorded_per_address(monkeypatch, users, orgs, call):
    def broken(subject, body, sender, recipients):
        if recipients == ["down@example.com"]:
            raise OSError("mailbox unavailable")

    monkeypatch.setattr(services, "send_mail", broken)
    sent = services.invitations_send(unit=orgs["x"], call=call, emails_text="down@example.com\nup@example.com",
                                     user=users["x"], register_url="http://x/")
    assert [(i.email, bool(i.sent_at), i.status_label) for i in sent] == [
        ("down@example.com", False, "发送失败"), ("up@example.com", True, "已发送")]
