"""The review demo: 岳口镇 has a signed and sent list of two; one received, one formal-passed; idempotent."""

import io

import pytest
from django.core.management import call_command

from tidu.accounts import demo as accounts_demo
from tidu.applications import demo as applications_demo
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.core import demo as core_demo
from tidu.core.models import AuditEntry
from tidu.enterprises import demo as enterprises_demo
from tidu.review import demo
from tidu.review.models import FormalReview, RecommendationList

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_demo_stages_and_idempotence():
    out = io.StringIO()
    call_command("load_policy", verbosity=0, stdout=out)
    for module in (core_demo, accounts_demo, enterprises_demo, applications_demo):
        module.load(out)
    assert demo.load(out) == []
    counts = (Application.objects.count(), AuditEntry.objects.filter(object_type="application").count(), AuditEntry.objects.filter(object_type="recommendation_list").count(),
              FormalReview.objects.count())
    yuekou = RecommendationList.objects.get(unit__name="岳口镇")
    assert yuekou.status == RecommendationList.Status.SENT and yuekou.signed_by.username == "yuekou"
    names = [e.application.enterprise.name for e in yuekou.entries.order_by("priority")]
    assert names == ["天门市华楚精密机械有限公司", "天门市岳口棉纺织有限公司"]
    assert all(e.opinion for e in yuekou.entries.all())
    statuses = {e.application.enterprise.name: e.application.status for e in yuekou.entries.all()}
    assert statuses == {"天门市华楚精密机械有限公司": State.FORMAL_PASSED, "天门市岳口棉纺织有限公司": State.RECEIVED}
    review = FormalReview.objects.get()
    assert review.decision == "formal_pass" and review.overrides  # the officer confirmed the paper evidence
    zone = RecommendationList.objects.get(unit__name="天门经济开发区")
    assert zone.status == RecommendationList.Status.DRAFT and zone.entries.count() == 2
    # chulv was returned for revision by its township (applications demo), with reasons per section
    returned = Application.objects.get(enterprise__organisation__users__username="chulv")
    assert returned.status == State.RETURNED and set(returned.returned_sections) == {"scenarios", "kpis"}
    assert returned.revision_due is not None  # a pending 补正 with its due date, entered by the officer
    # a second run changes nothing
    assert demo.load(out) == []
    assert counts == (Application.objects.count(), AuditEntry.objects.filter(object_type="application").count(),
                      AuditEntry.objects.filter(object_type="recommendation_list").count(), FormalReview.objects.count())
    assert "岳口镇推荐名单 已报送市经信局（2 家）" in out.getvalue()


def test_demo_without_the_call_is_skipped():
    out = io.StringIO()
    assert demo.load(out) == []
    assert "跳过" in out.getvalue()
