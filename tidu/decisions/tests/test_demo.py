"""The demo loader: one application 不予认定 after expert review, with its 不通过, reasons and collective decision."""

import io

import pytest
from django.core.management import call_command

from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.decisions import demo, selectors
from tidu.decisions.models import CollectiveDecision, ReviewConclusion

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_not_recognised_application_with_its_decision(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = ""
    call_command("load_demo", stdout=io.StringIO())
    application = Application.objects.get(enterprise__name=demo.REJECTED[1])
    assert application.status == State.NOT_RECOGNISED
    conclusion = selectors.latest_conclusion(application)
    assert conclusion.outcome == ReviewConclusion.Outcome.FAIL and conclusion.reasons == demo.CONCLUSION_REASONS
    assert conclusion.stage == ReviewConclusion.Stage.EXPERT_REVIEW and conclusion.panel_total is not None
    assert conclusion.collective_decision.meeting_name == "市经信局局长办公会"
    assert application.events.filter(to_status=State.NOT_RECOGNISED).get().reason == demo.REJECT_REASON
    # Everything on a demo 公示 went there with a 通过.
    for listed in Application.objects.filter(publicity_entry__isnull=False):
        assert selectors.latest_conclusion(listed).passed, listed
    counts = (ReviewConclusion.objects.count(), CollectiveDecision.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (ReviewConclusion.objects.count(), CollectiveDecision.objects.count()) == counts
