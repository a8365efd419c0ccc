"""The demo tells its story on the story's clock: every record of a demo application is dated when the story
says it happened (submission < 受理 < 形式审查 < 专家评审 < 现场核查 < 评审结论 < 集体决策 < 公示 < 认定), not
when ``load_demo`` ran; and the demo leaves one 现场核查 open for the inspectors' phone page."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.core import clock
from tidu.core.models import AuditEntry
from tidu.core.timezones import BEIJING
from tidu.decisions import selectors as decision_selectors
from tidu.onsite.models import CheckItem, OnsiteCheck

pytestmark = pytest.mark.django_db
STORY_START, STORY_END = dt.datetime(2026, 1, 1, tzinfo=BEIJING), dt.datetime(2026, 5, 31, tzinfo=BEIJING)


def _first(application, status):
    entry = AuditEntry.objects.for_application(application.pk).filter(to_status=status).order_by("pk").first()
    return entry.created_at if entry else None


def _steps(application) -> list[tuple[str, dt.datetime]]:
    conclusion = decision_selectors.latest_conclusion(application)
    decision = conclusion.collective_decision if conclusion else None
    check = OnsiteCheck.objects.filter(application=application).order_by("pk").first()
    entry = getattr(application, "publicity_entry", None)
    steps = [("提交", _first(application, State.SUBMITTED)), ("受理", _first(application, State.RECEIVED)),
             ("形式审查", _first(application, State.FORMAL_PASSED)),
             ("专家评审", _first(application, State.EXPERT_REVIEWED)),
             ("现场核查", _first(application, State.ONSITE_VERIFIED) or (check.created_at if check else None)),
             ("评审结论", conclusion.recorded_at if conclusion else None),
             ("集体决策", decision.recorded_at if decision else None),
             ("公示", entry.publicity.published_at if entry else None),
             ("认定", _first(application, State.RECOGNISED) or _first(application, State.NOT_RECOGNISED))]
    return [(name, moment) for name, moment in steps if moment is not None]


def test_demo_records_follow_the_story_chronology(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = ""
    call_command("load_demo", stdout=io.StringIO())
    far = {}
    for application in Application.objects.filter(call__code="tianmen-2026-basic"):
        steps = _steps(application)
        far[application.enterprise.name] = [name for name, _ in steps]
        times = [moment for _, moment in steps]
        assert times == sorted(times), (application.enterprise.name, steps)
        # Stamped at the story's moments (January–May 2026), not today's date; only the second 公示 is "now".
        assert all(STORY_START <= moment <= STORY_END for name, moment in steps if name != "公示"), \
            (application.enterprise.name, steps)
        audit = list(AuditEntry.objects.for_application(application.pk).order_by("pk")
                     .values_list("created_at", flat=True))
        assert audit == sorted(audit), application.enterprise.name  # each record after the one before
    recognised = Application.objects.get(enterprise__name="天门市天鑫金属制品有限公司")
    assert STORY_START <= recognised.publicity_entry.publicity.published_at <= STORY_END
    # The story goes all the way for one recognised and one not-recognised application.
    assert far["天门市天鑫金属制品有限公司"] == ["提交", "受理", "形式审查", "专家评审", "现场核查", "评审结论",
                                        "集体决策", "公示", "认定"]
    assert far["天门市汉江塑业有限公司"][-3:] == ["评审结论", "集体决策", "认定"]
    # The 评审结论 of the story came before the 局长办公会 that decided on it.
    rejected = Application.objects.get(enterprise__name="天门市汉江塑业有限公司")
    conclusion = decision_selectors.latest_conclusion(rejected)
    assert conclusion.recorded_at.astimezone(BEIJING).date() < conclusion.collective_decision.meeting_date


def test_demo_leaves_one_onsite_check_open_with_some_items_decided(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = ""
    call_command("load_demo", stdout=io.StringIO())
    check = OnsiteCheck.objects.get(status=OnsiteCheck.Status.OPEN,
                                    application__enterprise__name="天门市岳口棉纺织有限公司")
    assert check.inspectors.filter(username="city").exists()
    decided = check.items.exclude(result=CheckItem.Result.UNDECIDED).count()
    assert 0 < decided < check.items.count()
    call_command("load_demo", stdout=io.StringIO())  # idempotent: still one open check, nothing decided twice
    assert OnsiteCheck.objects.filter(application=check.application).count() == 1
    assert check.items.exclude(result=CheckItem.Result.UNDECIDED).count() == decided


def test_story_at_stamps_records_and_moves_the_clock_back():
    moment = dt.datetime(2026, 3, 2, 10, 0, tzinfo=BEIJING)
    with clock.story_at(moment):
        assert clock.now() == moment and clock.record_now() == moment
    assert clock.now() != moment
