"""The readiness pages as users meet them: the enterprise sees its live diagnosis with the radar and the gap list,
keeps dated snapshots (audited) and sees T0 → T1; the PDF prints the radar with text inside the page; townships
and the city see stored snapshots of the enterprises they may see, and the city's distribution counts them."""

import io
import re
import tempfile

from django.test import TestCase, override_settings
from django.urls import reverse
from pypdf import PdfReader

from tidu import testing as t
from tidu.readiness import services
from tidu.readiness.models import ReadinessSnapshot


def save(application, key, data, user):
    section = application.sections.get(key=key)
    t.application_services.application_section_save(application=application, key=key, data=data,
                                                    base_revision=section.revision, user=user)


@override_settings(MEDIA_ROOT=tempfile.mkdtemp())
class ReadinessPagesTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.call = t.load_call()
        cls.unit = t.unit("竟陵街道办事处")
        cls.other_unit = t.unit("杨林街道办事处")
        cls.town = t.officer(cls.unit, "town")
        cls.other_town = t.officer(cls.other_unit, "town2")
        cls.city = t.city_officer()
        cls.company = t.enterprise(cls.unit, "天门市华楚精密机械有限公司")
        cls.owner = t.enterprise_user(cls.company, "ent")
        cls.application = t.application(cls.company, call=cls.call, filled=True)  # one domain short of 先进级
        cls.bare = t.enterprise(cls.unit, "天门市新源科技有限公司")
        cls.bare_owner = t.enterprise_user(cls.bare, "ent2")

    def page(self, user, url):
        self.client.force_login(user)
        return self.client.get(url)

    def test_enterprise_sees_radar_and_gap_list_from_its_draft(self):
        response = self.page(self.owner, reverse("readiness:mine"))
        self.assertRedirects(response, reverse("readiness:enterprise", args=[self.company.pk]))
        html = self.page(self.owner, reverse("readiness:enterprise", args=[self.company.pk])).content.decode()
        self.assertIn('id="readiness-radar"', html)
        self.assertIn("距先进级的差距", html)
        self.assertIn("尚未覆盖“运营管理”领域", html)
        self.assertIn("SC37 供应商数字化管理", html)
        self.assertIn("基础级：已达到", html)
        self.assertIn("SEED", html)

    def test_without_an_application_every_recorded_item_is_to_be_filled(self):
        html = self.page(self.bare_owner, reverse("readiness:enterprise", args=[self.bare.pk])).content.decode()
        self.assertIn("尚未开始填写申报书", html)
        self.assertIn("距基础级的差距", html)
        self.assertIn("待填写", html)

    def test_readiness_only_form_without_an_application(self):
        self.client.force_login(self.bare_owner)
        url = reverse("readiness:profile")
        self.assertContains(self.client.get(url), "SC37 供应商数字化管理")
        # An AI scenario that was not ticked as built: a clear message, and what was ticked stays ticked.
        bad = self.client.post(url, {"maturity_level": "2", "scope": "车间级", "scenarios": ["SC24"],
                                     "ai_scenarios": ["SC27"]})
        self.assertContains(bad, "SC27 未在上面勾选")
        self.assertContains(bad, 'value="SC24" id="id_scenarios_23" checked', html=False)
        audit = t.AuditSince()
        response = self.client.post(url, {"maturity_level": "2", "scope": "车间级", "scenarios": ["SC24", "SC09"],
                                          "ai_scenarios": ["SC24"]})
        self.assertRedirects(response, reverse("readiness:enterprise", args=[self.bare.pk]))
        self.assertEqual(audit.one("enterprise").action, "readiness.profile_save")
        html = self.client.get(response["Location"]).content.decode()
        self.assertIn("就绪度自评信息", html)
        self.assertIn("<td>生产作业</td><td class=\"num\">1/3</td>", html)
        # The other 基础要求 are not on this form: 基础级 stays the next tier, but 生产作业 is no longer a gap.
        self.assertIn("距基础级的差距", html)
        self.assertNotIn("尚未覆盖“生产作业”领域", html)
        self.assertIn("基础要求5</strong> 符合", html)

    def test_snapshots_are_audited_and_show_progress(self):
        audit = t.AuditSince()
        self.client.force_login(self.owner)
        self.client.post(reverse("readiness:snapshot", args=[self.company.pk]))
        row = audit.one("enterprise")
        self.assertEqual((row.actor, row.action), (self.owner, "readiness.snapshot"))
        first = ReadinessSnapshot.objects.get(enterprise=self.company)
        self.assertEqual((first.current_tier, first.next_tier, first.domains_short), ("basic", "advanced", 1))
        # The enterprise adds a supply-chain scenario and a 工厂级 scope: T1 reaches 先进级 (pending review).
        data = t.complete_section_data(self.application)
        data["scenarios"]["scenarios"].append({"id": "SC37", "description": "供应商在线评价", "equipment_software": "",
                                               "uses_ai": "no"})
        save(self.application, "scenarios", data["scenarios"], self.owner)
        save(self.application, "scope", {**data["scope"], "scope": "工厂级"}, self.owner)
        later = services.take_snapshot(self.company, self.owner)
        self.assertEqual((later.current_tier, later.next_tier), ("advanced", "excellent"))
        html = self.page(self.owner, reverse("readiness:enterprise", args=[self.company.pk])).content.decode()
        self.assertIn("（T0）", html)
        self.assertIn("条件具备，待评审确认", html)
        self.assertIn("SC37", html)

    def test_visibility_township_city_and_others(self):
        services.take_snapshot(self.company, self.owner)
        url = reverse("readiness:enterprise", args=[self.company.pk])
        self.assertContains(self.page(self.town, url), "距先进级的差距")
        self.assertContains(self.page(self.city, url), "距先进级的差距")
        self.assertEqual(self.page(self.other_town, url).status_code, 404)
        self.assertEqual(self.page(self.bare_owner, url).status_code, 404)
        # Only the enterprise keeps snapshots of itself.
        self.client.force_login(self.town)
        self.assertEqual(self.client.post(reverse("readiness:snapshot", args=[self.company.pk])).status_code, 403)

    def test_city_distribution_counts_latest_snapshots_and_township_sees_its_unit(self):
        services.take_snapshot(self.company, self.owner)
        services.take_snapshot(self.bare, self.bare_owner)
        html = self.page(self.city, reverse("readiness:city")).content.decode()
        self.assertIn('id="readiness-distribution"', html)
        row = re.search(r'<tr id="row-advanced">(.*?)</tr>', html).group(1)
        self.assertEqual(re.findall(r'class="num">(\d+)<', row), ["0", "1", "1"])  # reached, next, one short
        basic = re.search(r'<tr id="row-basic">(.*?)</tr>', html).group(1)
        self.assertEqual(re.findall(r'class="num">(\d+)<', basic)[0], "1")
        other = self.page(self.other_town, reverse("readiness:city")).content.decode()
        self.assertNotIn("天门市华楚精密机械有限公司", other)
        self.assertIn("天门市华楚精密机械有限公司", self.page(self.town, reverse("readiness:city")).content.decode())
        self.assertEqual(self.page(self.owner, reverse("readiness:city")).status_code, 403)

    def test_pdf_prints_the_diagnosis_inside_the_page(self):
        response = self.page(self.owner, reverse("readiness:pdf", args=[self.company.pk]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        reader = PdfReader(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                      else response.content))
        text = "".join(re.sub(r"\s+", "", page.extract_text() or "") for page in reader.pages)
        self.assertIn("梯度培育就绪度诊断", text)
        self.assertIn("距先进级的差距", text)
        self.assertIn("运营管理", text)  # the radar's axis label, drawn from the SVG
        self.assertLessEqual(len(reader.pages), 4)
        for page in reader.pages:
            box = page.mediabox
            outside = []

            def visit(text, cm, tm, font, size, box=box, outside=outside):
                x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
                if text.strip() and not (box.left - 1 <= x <= box.right + 1 and box.bottom - 1 <= y <= box.top + 1):
                    outside.append(text)

            page.extract_text(visitor_text=visit)
            self.assertEqual(outside, [])

    def test_city_distribution_does_not_grow_with_the_number_of_enterprises(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def queries():
            self.client.force_login(self.city)
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(reverse("readiness:city")).status_code, 200)
            return len(captured)

        services.take_snapshot(self.company, self.owner)
        services.take_snapshot(self.company, self.owner)  # a second snapshot: only the latest is counted
        queries()  # the first request of a session does its own bookkeeping
        few = queries()
        for n in range(4):
            company = t.enterprise(self.unit, f"天门市就绪度测试企业{n}有限公司")
            services.take_snapshot(company, t.enterprise_user(company, f"ready{n}"))
        self.assertEqual(queries(), few)
        html = self.client.get(reverse("readiness:city")).content.decode()
        basic = re.search(r'<tr id="row-basic">(.*?)</tr>', html).group(1)
        self.assertEqual(re.findall(r'class="num">(\d+)<', basic)[1], "4")  # the four bare ones: next is 基础级

    def test_snapshots_store_keys_and_read_in_english(self):
        """Labels are not stored in a snapshot (a snapshot kept in Chinese reads right in English): the tier's status
        and each condition's result are keys, worded at display in the reader's language."""
        from django.conf import settings
        from django.utils import translation

        kept = services.take_snapshot(self.company, self.owner)
        stored = str([kept.tiers, kept.gaps])
        for label in ("已达到", "尚未达到", "信息不全", "条件具备，待评审确认", "'符合'", "'待填写'", "status_label",
                      "result_label", "required_label"):
            self.assertNotIn(label, stored)
        self.assertEqual(kept.tiers[0]["status"], "met")
        # An older snapshot that kept Chinese labels beside its keys reads by the keys.
        kept.tiers[0]["status_label"] = "已达到"
        kept.tiers[0]["elements"][0]["result_label"] = "符合"
        kept.save(update_fields=["tiers"])
        self.client.force_login(self.city)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = self.client.get(reverse("readiness:enterprise", args=[self.company.pk])).content.decode()
        card = re.search(r'<section class="tier-card met" id="tier-basic">(.*?)</section>', html, re.S).group(1)
        with translation.override("en"):
            colon = translation.gettext("：")  # the colon follows the reader's language too
            self.assertIn(f"{colon}{services.presentation.status_label('met')}</h3>", card)
            self.assertEqual(services.presentation.result_label("pass"), "Met")
        self.assertEqual(colon, ": ")
        self.assertIn("Met: ", card)
        self.assertNotIn("符合：", card)
        # The same snapshot in Chinese.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        html = self.client.get(reverse("readiness:enterprise", args=[self.company.pk])).content.decode()
        self.assertIn("基础级：已达到", html)
