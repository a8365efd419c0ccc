"""The three old event tables fold into the one audit trail without losing a field.

The database is taken back to before the fold, filled with events of every kind through the historical
models, and migrated forward again; every event must come out as one AuditEntry with the same facts, and
形式审查 must still point at the row of its decision.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("applications", "0004_submission_ordering"), ("review", "0001_initial"), ("experts", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_fold_keeps_every_event():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE)
    try:
        Organisation = old.get_model("accounts", "Organisation")
        User = old.get_model("accounts", "User")
        Enterprise = old.get_model("enterprises", "Enterprise")
        PolicyCall = old.get_model("policy", "Call")
        Application = old.get_model("applications", "Application")
        ApplicationEvent = old.get_model("applications", "ApplicationEvent")
        RecommendationList = old.get_model("review", "RecommendationList")
        ListEvent = old.get_model("review", "RecommendationListEvent")
        FormalReview = old.get_model("review", "FormalReview")
        Rubric = old.get_model("experts", "Rubric")
        ExpertProfile = old.get_model("experts", "ExpertProfile")
        Assignment = old.get_model("experts", "Assignment")
        AssignmentEvent = old.get_model("experts", "AssignmentEvent")

        city_org = Organisation.objects.create(name="市经信局", kind="city_bureau")
        unit = Organisation.objects.create(name="岳口镇", kind="township")
        ent_org = Organisation.objects.create(name="华楚", kind="enterprise", parent=unit)
        city = User.objects.create(username="city", role="city", organisation=city_org)
        officer = User.objects.create(username="yuekou", role="township", organisation=unit)
        expert_user = User.objects.create(username="expert1", role="expert")
        enterprise = Enterprise.objects.create(**_enterprise_fields(Enterprise, ent_org))
        call = PolicyCall.objects.create(**_required_fields(PolicyCall, code="test-call"))
        application = Application.objects.create(enterprise=enterprise, call=call, tier="basic", status="received")
        when = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
        submit = ApplicationEvent.objects.create(
            application=application, action="submit", from_status="draft", to_status="submitted", actor=officer,
            actor_role="enterprise", content_sha256="a" * 64)
        returned = ApplicationEvent.objects.create(
            application=application, action="township_return", from_status="submitted", to_status="returned",
            actor=officer, actor_role="township", reason="请补充", section_reasons={"basic": "营业收入有误"})
        passed = ApplicationEvent.objects.create(
            application=application, action="formal_pass", from_status="received", to_status="formal_passed",
            actor=city, actor_role="city")
        ApplicationEvent.objects.filter(pk=submit.pk).update(created_at=when)
        review = FormalReview.objects.create(application=application, reviewer=city, decided_at=when,
                                             decision="formal_pass", event=passed)
        rlist = RecommendationList.objects.create(call=call, unit=unit, status="sent")
        sent = ListEvent.objects.create(recommendation_list=rlist, action="send", from_status="signed",
                                        to_status="sent", actor=officer, actor_role="township",
                                        detail={"resend": True})
        rubric = Rubric.objects.create(**_required_fields(Rubric, call=call))
        ExpertProfile.objects.create(**_required_fields(ExpertProfile, user=expert_user))
        assignment = Assignment.objects.create(**_required_fields(Assignment, application=application,
                                                                  expert=expert_user, rubric=rubric,
                                                                  assigned_by=city))
        scored = AssignmentEvent.objects.create(assignment=assignment, action="submitted", actor=expert_user,
                                                total=Decimal("86.5"))
    finally:
        new = _migrate(latest)

    AuditEntry = new.get_model("core", "AuditEntry")
    assert AuditEntry.objects.count() == 5
    by_legacy = {(e.detail["legacy_table"], e.detail["legacy_id"]): e for e in AuditEntry.objects.all()}
    first = by_legacy[("applications_applicationevent", submit.pk)]
    assert (first.object_type, first.object_id, first.application_id, first.action, first.from_status,
            first.to_status, first.actor_id, first.actor_role, first.content_sha256, first.created_at) == (
        "application", str(application.pk), application.pk, "submit", "draft", "submitted", officer.pk,
        "enterprise", "a" * 64, when)
    back = by_legacy[("applications_applicationevent", returned.pk)]
    assert back.reason == "请补充" and back.detail["section_reasons"] == {"basic": "营业收入有误"}
    listed = by_legacy[("review_recommendationlistevent", sent.pk)]
    assert (listed.object_type, listed.object_id, listed.detail["resend"], listed.from_status, listed.to_status) == (
        "recommendation_list", str(rlist.pk), True, "signed", "sent")
    marks = by_legacy[("experts_assignmentevent", scored.pk)]
    assert (marks.object_type, marks.object_id, marks.application_id, marks.actor_role, marks.detail["total"]) == (
        "assignment", str(assignment.pk), application.pk, "expert", "86.5")
    FormalReviewNew = new.get_model("review", "FormalReview")
    assert FormalReviewNew.objects.get(pk=review.pk).audit_entry_id == by_legacy[
        ("applications_applicationevent", passed.pk)].pk


def _required_fields(model, **given):
    """Values for the historical model's required fields that the test does not care about."""
    from django.db import models

    values = dict(given)
    for field in model._meta.get_fields():
        if (not getattr(field, "concrete", False) or field.auto_created or field.many_to_many
                or field.name in values):
            continue
        if field.null or field.has_default() or getattr(field, "auto_now", False) or getattr(
                field, "auto_now_add", False):
            continue
        if field.blank and isinstance(field, (models.CharField, models.TextField)):
            continue
        if field.many_to_one or field.one_to_one:
            related = field.related_model
            values[field.name] = related.objects.create(**_required_fields(related))
        elif isinstance(field, models.JSONField):
            values[field.name] = {}
        elif isinstance(field, (models.CharField, models.TextField, models.SlugField)):
            values[field.name] = f"{field.name}-x"[: field.max_length or 50]
        elif isinstance(field, models.BooleanField):
            values[field.name] = False
        elif isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
            values[field.name] = 1
        elif isinstance(field, models.DateTimeField):
            values[field.name] = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        elif isinstance(field, models.DateField):
            values[field.name] = dt.date(2026, 1, 1)
        else:
            raise AssertionError(f"no test value for {model.__name__}.{field.name}")
    return values


def _enterprise_fields(model, organisation):
    return _required_fields(model, organisation=organisation, credit_code="91429006MA4F0X0X0X")
