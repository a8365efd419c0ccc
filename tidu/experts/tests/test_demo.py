"""Demo data for expert review and on-site verification: coherent and idempotent."""

import io

import pytest
from django.core.management import call_command

from tidu.accounts import demo as accounts_demo
from tidu.accounts.models import User
from tidu.applications import demo as applications_demo
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.enterprises import demo as enterprises_demo
from tidu.experts import demo as experts_demo
from tidu.experts import selectors, services, testing
from tidu.experts.models import Assignment, ExpertProfile, ExpertRelation
from tidu.onsite import demo as onsite_demo
from tidu.onsite.models import CheckItem, OnsiteCheck
from tidu.review.testing import put_on_sent_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_policy", verbosity=0, stdout=io.StringIO())
    out = io.StringIO()
    accounts_demo.load(out)
    enterprises_demo.load(out)
    applications_demo.load(out)
    return out


def _formal_pass(username, township):
    application = Application.objects.get(enterprise__organisation__users__username=username)
    city = User.objects.get(username="city")
    application_services.application_transition(application=application, action="township_recommend",
                                                user=User.objects.get(username=township))
    put_on_sent_list(application)  # 受理 only from the unit's sent 推荐名单
    for action in ("city_receive", "formal_pass"):
        application_services.application_transition(application=application, action=action, user=city)
    return application


def test_profiles_and_relation_without_any_application_to_review(demo_world):
    assert experts_demo.load(io.StringIO()) == []
    assert set(ExpertProfile.objects.values_list("user__username", flat=True)) == {"expert1", "expert2", "expert3"}
    relation = ExpertRelation.objects.get()
    assert (relation.profile.user.username, relation.enterprise.name) == ("expert2", "天门市恒力电气设备有限公司")
    hengli = Application.objects.get(enterprise=relation.enterprise)
    rubric = services.rubric_ensure(hengli.call, hengli.tier)
    _, excluded = selectors.candidates(hengli, rubric)
    assert [c.user.username for c in excluded] == ["expert2"]
    assert not Assignment.objects.exists()
    experts_demo.load(io.StringIO())
    assert ExpertProfile.objects.count() == 3 and ExpertRelation.objects.count() == 1


def test_assignment_with_two_scores_and_an_onsite_check(demo_world):
    application = _formal_pass("huachu", "yuekou")
    experts_demo.load(io.StringIO())
    experts_demo.load(io.StringIO())
    assignments = list(Assignment.objects.filter(application=application))
    assert len(assignments) == 3
    assert sorted(a.status for a in assignments) == ["assigned", "submitted", "submitted"]
    application.refresh_from_db()
    assert application.status == State.EXPERT_REVIEW
    # finish the review, then the on-site demo fills in part of the checklist
    testing.submit_scores(next(a for a in assignments if a.status == "assigned"))
    services.review_complete(application=application, user=User.objects.get(username="city"), note="演示")
    assert onsite_demo.load(io.StringIO()) == []
    onsite_demo.load(io.StringIO())
    check = OnsiteCheck.objects.get(application=application)
    assert check.inspectors.count() == 2
    assert check.items.filter(result=CheckItem.Result.CONFIRMED).count() == 3
    assert check.items.filter(result=CheckItem.Result.MISMATCH).count() == 1
