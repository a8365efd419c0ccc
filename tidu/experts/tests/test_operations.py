"""Every change of state in expert review is one operation: exactly one audit row each (who, what, from, to,
why), and ``check`` refuses the wrong role (403) or the wrong state (a Chinese message)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tidu.accounts.models import User
from tidu.core.errors import TiduError
from tidu.core.models import AuditEntry
from tidu.core.operations import operation, registered
from tidu.experts import operations, services, testing
from tidu.experts.models import Assignment, Criterion, ExpertProfile, ExpertRelation, Rubric
from tidu.experts.workflow import ASSIGNMENT_TRANSITIONS_BY_ACTION, AssignmentState
from tidu.testing import AuditSince as Audit
from tidu.testing import audit_facts as facts


@pytest.fixture
def assigned(passed, experts, city):
    services.assign_experts(application=passed, user=city, experts=[experts["e1"], experts["e2"], experts["e3"]])
    return {a.expert.username: a for a in Assignment.objects.filter(application=passed).select_related("expert")}


def test_the_lifecycle_is_a_table_of_roles():
    assert ASSIGNMENT_TRANSITIONS_BY_ACTION["submit"].roles == ("expert",)
    assert ASSIGNMENT_TRANSITIONS_BY_ACTION["reopen"].roles == ("city",)
    assert ASSIGNMENT_TRANSITIONS_BY_ACTION["reopen"].sources == (AssignmentState.SUBMITTED,)
    names = set(registered())
    assert {"expert.assign", "assignment.save", "assignment.submit", "assignment.reopen", "assignment.withdraw",
            "expert_review.complete", "expert_account.create", "expert_profile.create", "expert_profile.update",
            "expert_relation.declare", "expert_relation.remove", "rubric.create", "rubric.update",
            "rubric.criterion_add", "rubric.criterion_update", "rubric.criterion_delete",
            "rubric.criterion_move"} <= names


def test_errors_derive_from_the_one_base():
    assert issubclass(services.ExpertsError, TiduError) and issubclass(services.ScoreInvalid, TiduError)


# --- assignments -------------------------------------------------------------------------------------

def test_assign_writes_one_row_per_expert(passed, experts, city):
    audit = Audit()
    created = services.assign_experts(application=passed, user=city, experts=[experts["e1"]])
    row = audit.one("assignment")
    assert facts(row) == (city, "assigned", "", AssignmentState.ASSIGNED)
    assert (row.object_id, row.application_id) == (str(created[0].pk), passed.pk)
    assert [r.action for r in audit.rows("application")] == ["expert_start"]  # the application's own row


def test_save_and_submit_each_write_one_row_and_drafts_stay_sealed(assigned, experts):
    assignment = assigned["e1"]
    audit = Audit()
    services.score_save(assignment=assignment, user=experts["e1"], raw=testing.scores(assignment.rubric),
                        comments="草稿")
    row = audit.one("assignment")
    assert facts(row) == (experts["e1"], "saved", "assigned", "assigned")
    assert "total" not in row.detail  # a draft's total is nobody's business yet
    audit = Audit()
    testing.submit_scores(assignment)
    row = audit.one("assignment")
    assert facts(row) == (experts["e1"], "submitted", "assigned", "submitted")
    assert row.detail == {"total": "72.0"}


def test_reopen_writes_one_row_with_the_reason(assigned, city):
    testing.submit_scores(assigned["e1"])
    audit = Audit()
    services.assignment_reopen(assignment=assigned["e1"], user=city, reason="请核对第二项")
    row = audit.one("assignment")
    assert facts(row) == (city, "reopened", "submitted", "reopened") and row.reason == "请核对第二项"


def test_withdraw_writes_one_row_and_the_relation_its_own(assigned, experts, w):
    audit = Audit()
    services.conflict_declare(assignment=assigned["e2"], user=experts["e2"], reason="曾为该企业提供咨询")
    row = audit.one("assignment")
    assert facts(row) == (experts["e2"], "withdrawn", "assigned", "withdrawn") and row.reason == "曾为该企业提供咨询"
    relation = audit.one("expert_relation")
    assert facts(relation) == (experts["e2"], "expert_relation.declare", "", "declared")
    assert relation.detail["enterprise"] == w["enterprises"]["a"].name and relation.detail["kind"] == "conflict"


def test_complete_writes_one_row_and_the_application_its_own(assigned, city):
    for username in ("e1", "e2", "e3"):
        testing.submit_scores(assigned[username])
    application = assigned["e1"].application
    audit = Audit()
    result = services.review_complete(application=application, user=city, note="一致")
    row = audit.one("expert_review")
    assert facts(row) == (city, "expert_review.complete", "expert_review", "expert_reviewed")
    assert (row.object_id, row.reason, row.detail["mean_total"]) == (str(result.pk), "一致", "72.00")
    assert [r.action for r in audit.rows("application")] == ["expert_complete"]


def test_assignment_refusals(assigned, experts, city, w):
    e1 = assigned["e1"]
    # wrong role or not one's own: 403
    for user in (experts["e2"], city, w["users"]["ent_a"]):
        assert operation("assignment.submit", e1).check(user).forbidden
        with pytest.raises(PermissionDenied):
            operations.AssignmentSubmit(e1, raw={}, comments="x").execute(user)
    for user in (experts["e1"], w["users"]["town_x"], w["users"]["ent_a"]):
        with pytest.raises(PermissionDenied):
            services.assignment_reopen(assignment=e1, user=user, reason="x")
    admin = User.objects.create_superuser("root", "root@example.com", "pw-not-used-123")
    assert operation("assignment.reopen", e1).check(admin).forbidden  # admin is not a business role
    # wrong state: a Chinese message, nothing written
    verdict = operation("assignment.reopen", e1).check(city)
    assert not verdict and not verdict.forbidden and verdict.reason == "只能退回已提交的评分"
    with pytest.raises(services.ExpertsError, match="只能退回已提交的评分"):
        services.assignment_reopen(assignment=e1, user=city, reason="x")
    testing.submit_scores(e1)
    audit = Audit()
    with pytest.raises(services.ExpertsError, match="评分已提交，不能再修改"):
        testing.submit_scores(e1)
    with pytest.raises(services.ExpertsError, match="评分已提交；如需回避"):
        services.conflict_declare(assignment=e1, user=experts["e1"], reason="x")
    assert audit.rows() == []


def test_assign_and_complete_refusals(w, passed, experts, city):
    with pytest.raises(PermissionDenied):
        services.assign_experts(application=passed, user=w["users"]["town_x"], experts=[experts["e1"]])
    assert operation("expert.assign", passed).check(experts["e1"]).forbidden
    verdict = operation("expert_review.complete", passed).check(city)
    assert not verdict and verdict.reason == "申报当前状态为“形式审查通过，待专家评审”，不能完成专家评审"
    with pytest.raises(PermissionDenied):
        services.review_complete(application=passed, user=experts["e1"])


def test_pages_ask_the_operations(client, assigned, city, experts):
    testing.submit_scores(assigned["e1"])
    client.force_login(city)
    page = client.get(reverse("experts:review", args=[assigned["e1"].application_id])).content.decode()
    # only the submitted score can be sent back; the review cannot be completed yet
    assert page.count(reverse("experts:reopen", args=[assigned["e1"].pk])) == 1
    assert reverse("experts:reopen", args=[assigned["e2"].pk]) not in page
    assert reverse("experts:complete", args=[assigned["e1"].application_id]) not in page
    client.force_login(experts["e1"])
    page = client.get(reverse("experts:score", args=[assigned["e1"].pk])).content.decode()
    assert reverse("experts:declare_conflict", args=[assigned["e1"].pk]) not in page  # submitted: no 回避 button
    client.force_login(experts["e2"])
    page = client.get(reverse("experts:score", args=[assigned["e2"].pk])).content.decode()
    assert reverse("experts:declare_conflict", args=[assigned["e2"].pk]) in page


# --- the pool ----------------------------------------------------------------------------------------

def test_pool_changes_are_audited(w, city, experts):
    audit = Audit()
    expert = services.expert_account_create(user=city, username="e9", name="周专家", email="e9@example.com")
    assert facts(audit.one("user")) == (city, "expert_account.create", "", "active")
    audit = Audit()
    profile = services.profile_create(user=city, expert=expert, data={"employer_name": "某大学", "is_active": True})
    row = audit.one("expert_profile")
    assert facts(row) == (city, "expert_profile.create", "", "active") and row.object_id == str(profile.pk)
    audit = Audit()
    services.profile_update(user=city, profile=profile, data={"is_active": False, "title": "教授"})
    row = audit.one("expert_profile")
    assert facts(row) == (city, "expert_profile.update", "active", "inactive")  # 停用
    assert row.detail["changes"] == {"title": ["", "教授"], "is_active": ["True", "False"]}


def test_relation_declare_and_remove_are_audited(w, city, experts):
    profile = experts["e3"].expert_profile
    audit = Audit()
    relation = services.relation_declare(user=experts["e3"], profile=profile, enterprise=w["enterprises"]["b"],
                                         kind=ExpertRelation.Kind.SHAREHOLDING, note="持股 1%")
    row = audit.one("expert_relation")
    assert facts(row) == (experts["e3"], "expert_relation.declare", "", "declared") and row.reason == "持股 1%"
    audit = Audit()
    services.relation_remove(user=city, relation=relation, reason="已转让股份")
    row = audit.one("expert_relation")
    assert facts(row) == (city, "expert_relation.remove", "declared", "removed")
    assert (row.object_id, row.reason, row.detail["kind"]) == (str(relation.pk), "已转让股份", "shareholding")
    assert not ExpertRelation.objects.filter(pk=relation.pk).exists()


def test_relation_refusals(w, city, experts):
    other = experts["e4"].expert_profile
    with pytest.raises(PermissionDenied):  # an expert declares only about themselves
        services.relation_declare(user=experts["e3"], profile=other, enterprise=w["enterprises"]["a"],
                                  kind=ExpertRelation.Kind.OTHER)
    relation = services.relation_declare(user=city, profile=other, enterprise=w["enterprises"]["a"],
                                         kind=ExpertRelation.Kind.OTHER)
    with pytest.raises(PermissionDenied):  # an expert cannot quietly undo a declaration
        services.relation_remove(user=experts["e4"], relation=relation)
    with pytest.raises(services.ExpertsError, match="请选择关联关系的类型"):
        services.relation_declare(user=city, profile=other, enterprise=w["enterprises"]["a"], kind="bogus")
    with pytest.raises(PermissionDenied):
        services.profile_update(user=w["users"]["town_x"], profile=other, data={"is_active": False})


# --- rubrics -----------------------------------------------------------------------------------------

def test_rubric_create_settings_and_criteria_are_audited(w, city):
    audit = Audit()
    rubric = services.rubric_ensure(w["call"], "basic", city)
    assert facts(audit.one("rubric")) == (city, "rubric.create", "", "sealed")
    audit = Audit()
    services.rubric_settings_update(user=city, rubric=rubric, data={"experts_per_application": 5})
    row = audit.one("rubric")
    assert facts(row) == (city, "rubric.update", "sealed", "sealed")
    assert row.detail == {"changes": {"experts_per_application": ["3", "5"]}}
    for name, call in (("rubric.criterion_add", lambda: services.criterion_add(
            user=city, rubric=rubric, name="示范带动", max_points=Decimal("5"))),
                       ("rubric.criterion_update", lambda: services.criterion_update(
            user=city, criterion=Criterion.objects.get(name="示范带动"), name="示范", max_points=Decimal("4"))),
                       ("rubric.criterion_move", lambda: services.criterion_move(
            user=city, criterion=Criterion.objects.get(name="示范"), direction="up")),
                       ("rubric.criterion_delete", lambda: services.criterion_delete(
            user=city, criterion=Criterion.objects.get(name="示范")))):
        audit = Audit()
        call()
        row = audit.one("rubric")
        assert (row.actor, row.action, row.object_id) == (city, name, str(rubric.pk))
    assert not Criterion.objects.filter(name="示范").exists()


def test_unsealing_scores_early_needs_a_reason_and_is_recorded(w, city):
    rubric = services.rubric_ensure(w["call"], "basic", city)
    audit = Audit()
    with pytest.raises(services.ExpertsError, match="须写明原因"):
        services.rubric_settings_update(user=city, rubric=rubric, data={"city_sees_scores_before_complete": True})
    assert audit.rows() == []
    rubric.refresh_from_db()
    assert not rubric.city_sees_scores_before_complete
    services.rubric_settings_update(user=city, rubric=rubric, data={"city_sees_scores_before_complete": True},
                                    reason="评审会提前召开，需先了解评分分布")
    row = audit.one("rubric")
    assert facts(row) == (city, "rubric.update", "sealed", "unsealed")
    assert row.reason == "评审会提前召开，需先了解评分分布" and row.created_at is not None
    # sealing again needs no reason
    services.rubric_settings_update(user=city, rubric=rubric, data={"city_sees_scores_before_complete": False})
    assert facts(audit.rows("rubric")[-1]) == (city, "rubric.update", "unsealed", "sealed")


def test_unsealing_on_the_rubric_page_asks_for_the_reason(client, w, city):
    rubric = services.rubric_ensure(w["call"], "basic", city)
    client.force_login(city)
    url = reverse("experts:rubric", args=[rubric.pk])
    data = {"action": "settings", "title": rubric.title, "experts_per_application": "3", "outlier_points": "15",
            "exclude_same_unit": "on", "city_sees_scores_before_complete": "on"}
    response = client.post(url, data)
    assert response.status_code == 400 and "须写明原因" in response.content.decode()
    assert client.post(url, {**data, "reason": "领导要求提前了解"}).status_code == 302
    assert AuditEntry.objects.filter(object_type="rubric", action="rubric.update", reason="领导要求提前了解",
                                     to_status="unsealed").count() == 1


def test_rubric_refusals(assigned, w, city):
    rubric = Rubric.objects.get()
    with pytest.raises(PermissionDenied):
        services.rubric_settings_update(user=w["users"]["ent_a"], rubric=rubric, data={"title": "x"})
    testing.submit_scores(assigned["e1"])  # the first submission locks the criteria
    verdict = operation("rubric.criterion_add", Rubric.objects.get()).check(city)
    assert not verdict and verdict.reason == "已有专家提交评分，评分表已锁定，评分项和分值不能再修改"
    with pytest.raises(services.ExpertsError, match="评分表已锁定"):
        services.criterion_add(user=city, rubric=rubric, name="新增", max_points=Decimal("5"))


def test_inspector_rule_refuses_conflicted_or_unpooled_experts(w, experts):
    profile = experts["e1"].expert_profile
    profile.employer_enterprise = w["enterprises"]["a"]
    profile.save()

    class Check:  # the rule reads only the check's application
        application = testing.to_formal_passed(w, "a")

    assert operations.inspector_rule(experts["e1"], Check()).reason == "工作单位为申报企业"
    assert operations.inspector_rule(experts["e2"], Check())
    ExpertProfile.objects.filter(user=experts["e3"]).update(is_active=False)
    assert operations.inspector_rule(experts["e3"], Check()).forbidden
    assert operations.inspector_rule(w["users"]["city"], Check())
