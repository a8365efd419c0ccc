"""“为全部企业生成诊断快照”: the city starts one job that snapshots every confirmed enterprise in committed chunks —
one audit row for the start, one per snapshot (the same ``readiness.snapshot`` operation), progress on the page,
resumable after a worker dies — and the 梯度培育库 distribution then covers every confirmed enterprise, its page
still in a constant number of queries."""

import io
import re
import tempfile

from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tidu import testing as t
from tidu.core.models import AuditEntry
from tidu.readiness import services
from tidu.readiness.models import ReadinessSnapshot, SnapshotRun


class WorkerDied(Exception):
    pass


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(), TIDU_BATCH_CHUNK_SIZE=2)
class SnapshotAllTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.call = t.load_call()
        cls.unit = t.unit("竟陵街道办事处")
        cls.town = t.officer(cls.unit, "town")
        cls.city = t.city_officer()
        cls.company = t.enterprise(cls.unit, "天门市华楚精密机械有限公司")
        t.enterprise_user(cls.company, "ent")
        t.application(cls.company, call=cls.call, filled=True)  # one domain short of 先进级
        cls.bare = [t.enterprise(cls.unit, f"天门市就绪度企业{n}有限公司") for n in range(3)]
        cls.pending = t.enterprise(cls.unit, "天门市待确认企业有限公司", confirmed=False)

    def distribution(self):
        self.client.force_login(self.city)
        with CaptureQueriesContext(connection) as captured:
            html = self.client.get(reverse("readiness:city")).content.decode()
        return html, len(captured)

    def test_city_generates_a_snapshot_of_every_confirmed_enterprise(self):
        self.client.force_login(self.city)
        html = self.client.get(reverse("readiness:city")).content.decode()
        self.assertIn("为全部企业生成诊断快照", html)
        response = self.client.post(reverse("readiness:snapshot_all"), follow=True)
        html = response.content.decode()
        run = SnapshotRun.objects.get()
        self.assertEqual((run.total, run.done, run.failed), (4, 4, 0))
        self.assertIsNotNone(run.finished_at)
        self.assertIn("已为 4 / 4 家企业生成诊断快照", html)
        self.assertEqual(ReadinessSnapshot.objects.count(), 4)
        self.assertFalse(ReadinessSnapshot.objects.filter(enterprise=self.pending).exists())
        self.assertEqual(AuditEntry.objects.filter(action="readiness.snapshot_all").count(), 1)
        self.assertEqual(AuditEntry.objects.filter(action="readiness.snapshot").count(), 4)
        advanced = re.search(r'<tr id="row-advanced">(.*?)</tr>', html).group(1)
        self.assertEqual(re.findall(r'class="num">(\d+)<', advanced), ["0", "1", "1"])
        basic = re.search(r'<tr id="row-basic">(.*?)</tr>', html).group(1)
        self.assertEqual(re.findall(r'class="num">(\d+)<', basic)[:2], ["1", "3"])  # reached; next

    def test_a_job_killed_mid_run_goes_on_where_its_last_chunk_ended(self):
        run = SnapshotRun.objects.create(actor=self.city, total=4)  # as the start operation records it

        def die(progress):
            raise WorkerDied

        with self.assertRaises(WorkerDied):
            services.run_snapshot_run(run.pk, between_chunks=die)  # one chunk of two committed, then the worker died
        run.refresh_from_db()
        self.assertEqual((run.done, run.finished_at), (2, None))
        html, _ = self.distribution()
        self.assertIn("正在生成诊断快照：2 / 4 家企业", html)
        self.assertIn('<progress max="100" value="50"', html)
        self.assertIn("继续生成", html)
        self.client.post(reverse("readiness:snapshot_all"))  # resumes the same run rather than starting another
        run.refresh_from_db()
        self.assertEqual((run.done, run.failed), (4, 0))
        self.assertIsNotNone(run.finished_at)
        self.assertEqual(SnapshotRun.objects.count(), 1)
        self.assertEqual(ReadinessSnapshot.objects.count(), 4)  # nobody snapshotted twice

    def test_a_killed_job_is_started_again_by_resume_batches(self):
        run = SnapshotRun.objects.create(actor=self.city, total=4)

        def die(progress):
            raise WorkerDied

        with self.assertRaises(WorkerDied):
            services.run_snapshot_run(run.pk, between_chunks=die)
        out = io.StringIO()
        call_command("resume_batches", "--stale-seconds", "3600", stdout=out)  # it moved a moment ago
        self.assertIn("重新启动 0 个批量诊断快照", out.getvalue())
        call_command("resume_batches", "--stale-seconds", "0", stdout=out)
        self.assertIn(f"重新启动 1 个批量诊断快照：{run.pk}", out.getvalue())
        run.refresh_from_db()
        self.assertEqual((run.done, run.failed), (4, 0))
        self.assertIsNotNone(run.finished_at)
        self.assertEqual(ReadinessSnapshot.objects.count(), 4)  # nobody snapshotted twice

    def test_only_the_city_may_start_it(self):
        self.client.force_login(self.town)
        self.assertEqual(self.client.post(reverse("readiness:snapshot_all")).status_code, 403)
        self.assertNotIn("为全部企业生成诊断快照", self.client.get(reverse("readiness:city")).content.decode())
        self.assertFalse(SnapshotRun.objects.exists())

    def test_the_distribution_page_stays_at_a_constant_number_of_queries(self):
        services.start_snapshot_run(self.city)
        self.distribution()  # the first request of a session does its own bookkeeping
        _html, few = self.distribution()
        for n in range(5):
            t.enterprise(self.unit, f"天门市新增企业{n}有限公司")
        services.start_snapshot_run(self.city)
        html, many = self.distribution()
        self.assertEqual(many, few)
        basic = re.search(r'<tr id="row-basic">(.*?)</tr>', html).group(1)
        self.assertEqual(re.findall(r'class="num">(\d+)<', basic)[1], "8")
