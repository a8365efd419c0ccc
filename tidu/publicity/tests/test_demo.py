"""The demo loader: a finalised first batch with a recognised factory and a current second batch; idempotent."""

import io

from django.core.management import call_command

from tidu.accounts import demo as accounts_demo
from tidu.applications.workflow import State
from tidu.core import demo as core_demo
from tidu.enterprises import demo as enterprises_demo
from tidu.publicity import demo, services
from tidu.publicity.models import Publicity, PublicityEntry


def test_demo_load_is_idempotent(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = ""
    out = io.StringIO()
    assert demo.load(out) == [] and "跳过" in out.getvalue()  # nothing to build on yet
    call_command("load_policy", verbosity=0, stdout=io.StringIO())
    for module in (core_demo, accounts_demo, enterprises_demo):
        module.load(io.StringIO())

    assert [username for _, username, _ in demo.load(out)] == ["tianxin", "chuxiang"]  # their logins are printed
    first, second = Publicity.objects.order_by("start_date")
    assert first.status == Publicity.Status.FINALISED and "第一批" in first.title
    assert [e["enterprise_name"] for e in first.final_snapshot["entries"]] == ["天门市天鑫金属制品有限公司"]
    assert first.entries.get().application.status == State.RECOGNISED
    assert second.status == Publicity.Status.PUBLISHED and "第二批" in second.title
    assert second.phase(services.business_today()) == "open"
    assert second.entries.get().application.status == State.PROPOSED

    counts = (Publicity.objects.count(), PublicityEntry.objects.count())
    demo.load(io.StringIO())
    assert (Publicity.objects.count(), PublicityEntry.objects.count()) == counts


def test_demo_module_runs_after_the_applications_demo():
    from tidu.core.management.commands.load_demo import DEMO_MODULES

    assert DEMO_MODULES.index("tidu.publicity.demo") > DEMO_MODULES.index("tidu.applications.demo")
