"""Per-outcome letters: 认定 / 不予认定 with the recorded reasons, in-app and by e-mail once, and as a PDF that
only the enterprise (and the city) may download."""

from __future__ import annotations

import io

from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from tidu import testing as build
from tidu.applications import services as application_services
from tidu.applications.events import ApplicationTransitioned
from tidu.applications.workflow import State
from tidu.core.events import deliver_pending
from tidu.core.models import AuditEntry
from tidu.decisions import letters, services
from tidu.decisions.models import ReviewConclusion
from tidu.experts import testing
from tidu.notifications.models import Notification


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).replace("\n", "")


def _rejected(w, city):
    application = testing.to_expert_reviewed(w, "a")
    services.conclusion_record(application=application, user=city, outcome=ReviewConclusion.Outcome.FAIL,
                               reasons="场景建设不足，未达到基础级要求")
    owner = w["users"]["ent_a"]
    owner.email = "ent-a@example.com"
    owner.save(update_fields=["email"])
    mail.outbox.clear()
    application_services.application_transition(application=application, action="reject", user=city,
                                                reason="评审结论不通过")
    deliver_pending()  # tests never commit: deliver the outbox now
    deliver_pending()  # the notice requested by the letter's subscriber
    application.refresh_from_db()
    return application


def test_the_not_recognised_letter_is_sent_once_with_its_reasons(w, city):
    application = _rejected(w, city)
    owner = w["users"]["ent_a"]
    notices = Notification.objects.filter(recipient=owner, kind="application.letter.reject")
    assert notices.count() == 1
    notice = notices.get()
    assert notice.title == "智能工厂不予认定通知书"
    assert "评审结论不通过" in notice.body and "场景建设不足，未达到基础级要求" in notice.body
    assert notice.link == reverse("decisions:letter", args=[application.pk])
    assert not Notification.objects.filter(recipient=owner, kind="application.reject").exists()  # one notice only
    assert [m.to for m in mail.outbox if "不予认定通知书" in m.subject] == [["ent-a@example.com"]]
    # the same event delivered again (a retry) sends nothing more
    audit = AuditEntry.objects.filter(application_id=application.pk, action="reject").last()
    letters.on_application_transitioned(ApplicationTransitioned(
        application_id=application.pk, action="reject", from_status=State.EXPERT_REVIEWED,
        to_status=State.NOT_RECOGNISED, actor_id=city.pk, audit_id=audit.pk if audit else 0), 0)
    deliver_pending()
    assert notices.count() == 1
    assert len([m for m in mail.outbox if "不予认定通知书" in m.subject]) == 1


def test_only_the_enterprise_and_the_city_download_the_letter(client, w, city):
    application = _rejected(w, city)
    url = reverse("decisions:letter", args=[application.pk])
    client.force_login(w["users"]["ent_a"])
    status_page = client.get(reverse("applications:status", args=[application.pk])).content.decode()
    assert url in status_page
    text = _pdf_text(client.get(url))
    assert application.enterprise.name in text and "不予认定" in text and "评审结论不通过" in text
    client.force_login(city)
    assert client.get(url).status_code == 200
    for other in (w["users"]["ent_b"], w["users"]["town_x"], w["experts"]["e1"]):
        client.force_login(other)
        assert client.get(url).status_code == 404


def test_no_letter_before_the_outcome(client, w, city):
    application = testing.to_expert_reviewed(w, "a")
    client.force_login(w["users"]["ent_a"])
    assert client.get(reverse("decisions:letter", args=[application.pk])).status_code == 404
    page = client.get(reverse("applications:status", args=[application.pk])).content.decode()
    assert "outcome-letter" not in page


def test_the_recognised_letter(client, w, city):
    application = build.drive_to(testing.start(w, "b"), State.RECOGNISED)
    deliver_pending()
    deliver_pending()
    owner = w["users"]["ent_b"]
    notice = Notification.objects.get(recipient=owner, kind="application.letter.recognise")
    assert notice.title == "智能工厂认定通知书"
    client.force_login(owner)
    text = _pdf_text(client.get(reverse("decisions:letter", args=[application.pk])))
    assert "智能工厂认定通知书" in text and application.enterprise.name in text and "现认定你单位为" in text


LETTER_NOTICES_EN = {
    "智能工厂不予认定通知书": "Smart factory non-recognition letter",
    "你单位申报的“%(call)s”，经审核，决定不予认定。":
        "After review, your application to \"%(call)s\" is not recognised.",
    "不予认定的理由：%(reason)s": "Reasons for non-recognition: %(reason)s",
    "评审结论意见：%(reasons)s": "Review conclusion: %(reasons)s",
    "如对结果有异议，可向市经信局咨询。": "If you disagree with the outcome, please contact the city bureau.",
    "通知书（PDF）可在申报状态页下载。": "The letter (PDF) can be downloaded from the application's status page.",
    "%(name)s：": "%(name)s:",
    "%(issuer)s　%(date)s": "%(issuer)s, %(date)s",
}


def test_the_not_recognised_notice_reads_in_english_and_the_chinese_one_as_before(w, city):
    from tidu.testing import cjk_left, english, notice_in

    application = _rejected(w, city)
    notice = Notification.objects.get(recipient=w["users"]["ent_a"], kind="application.letter.reject")
    letter = letters.letter_for(application)
    assert notice.body.splitlines() == [f"{letter.enterprise_name}：", *letter.paragraphs,
                                        f"{letter.issuer}　{letter.date}", "通知书（PDF）可在申报状态页下载。"]
    assert letter.paragraphs[0] == f"你单位申报的“{application.call.title}”，经审核，决定不予认定。"
    with english(LETTER_NOTICES_EN):
        shown = notice_in(notice, "en")
    assert shown.startswith("Smart factory non-recognition letter\n")
    assert "Reasons for non-recognition: 评审结论不通过" in shown and "Review conclusion: 场景建设不足" in shown
    assert cjk_left(shown, letter.enterprise_name, application.call.title, letter.issuer, "评审结论不通过",
                    "场景建设不足，未达到基础级要求") == [], shown
