"""``readiness.snapshot``: keep today's readiness diagnosis of an enterprise as a dated snapshot."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from tidu.accounts.models import User
from tidu.core import clock
from tidu.core.operations import ALLOWED, AuditRecord, Check, Operation, operation_class, refused
from tidu.enterprises.models import Enterprise
from tidu.enterprises.selectors import can_view_enterprise
from tidu.readiness.errors import ReadinessError
from tidu.readiness.models import ReadinessProfile, ReadinessSnapshot, SnapshotRun


@operation_class
class TakeSnapshot(Operation):
    """The object is the Enterprise; parameters: ``readiness`` (a ``Readiness``) and ``source`` (what it rests on)."""

    name = "readiness.snapshot"
    label = gettext_noop("保存诊断快照")
    object_type = "enterprise"
    model = Enterprise
    roles = (User.Role.ENTERPRISE, User.Role.TOWNSHIP, User.Role.CITY)
    error_class = ReadinessError

    def in_scope(self, user, obj) -> bool:
        return can_view_enterprise(user, obj)

    def validate(self, user, obj) -> None:
        if self.params.get("readiness") is None:
            raise ReadinessError(gettext("没有可保存的诊断结果"))

    def perform(self, user, obj):
        data = self.params["readiness"].as_dict()
        return ReadinessSnapshot.objects.create(
            enterprise=obj, taken_at=clock.now(), taken_by=user, source=str(self.params.get("source", ""))[:200],
            current_tier=data["current"], current_rank=data["current_rank"], next_tier=data["next"],
            domains_short=data["domains_short"], policy_versions=data["policy_versions"], tiers=data["tiers"],
            coverage=data["coverage"], gaps=data["gaps"])

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type="enterprise", object_id=obj.pk, action=self.name,
                           detail={"snapshot": result.pk, "current_tier": result.current_tier,
                                   "next_tier": result.next_tier, "domains_short": result.domains_short,
                                   "source": result.source})


@operation_class
class SaveProfile(Operation):
    """The enterprise saves its readiness-only form. Object: the Enterprise; parameters: ``maturity_level``
    (int or None), ``scope`` (str) and ``scenarios`` ([{"id", "uses_ai"}], already checked against the catalogue)."""

    name = "readiness.profile_save"
    label = gettext_noop("保存就绪度自评信息")
    object_type = "enterprise"
    model = Enterprise
    roles = (User.Role.ENTERPRISE,)
    error_class = ReadinessError

    def in_scope(self, user, obj) -> bool:
        return can_view_enterprise(user, obj)

    def perform(self, user, obj):
        profile, _created = ReadinessProfile.objects.get_or_create(enterprise=obj)
        fields = {"maturity_level": self.params.get("maturity_level"), "scope": self.params.get("scope") or "",
                  "scenarios": list(self.params.get("scenarios") or [])}
        if not _created and all(getattr(profile, k) == v for k, v in fields.items()):
            self.unchanged = True
            return profile
        for key, value in fields.items():
            setattr(profile, key, value)
        profile.updated_by = user
        profile.save()
        return profile

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type="enterprise", object_id=obj.pk, action=self.name,
                           detail={"maturity_level": result.maturity_level, "scope": result.scope,
                                   "scenarios": [s["id"] for s in result.scenarios]})


def _unfinished_run_exists() -> bool:
    return SnapshotRun.objects.filter(finished_at=None).exists()


@operation_class
class StartSnapshotRun(Operation):
    """The city starts “为全部企业生成诊断快照”. The object is a new, unsaved SnapshotRun; ``perform`` records it with
    the number of confirmed enterprises (the one audit row for the whole run); the job then takes each snapshot
    through ``readiness.snapshot``."""

    name = "readiness.snapshot_all"
    label = gettext_noop("为全部企业生成诊断快照")
    object_type = "readiness_run"
    model = SnapshotRun
    roles = (User.Role.CITY,)
    error_class = ReadinessError

    def lock(self):
        return self.obj  # a new row: nothing to lock yet

    def rules_check(self, user, obj) -> Check:
        if obj.pk is None and _unfinished_run_exists():
            return refused(gettext("已有一次批量生成正在进行，请等它完成后再开始"))
        return ALLOWED

    def perform(self, user, obj):
        obj.actor = user
        obj.total = Enterprise.objects.filter(status=Enterprise.Status.CONFIRMED).count()
        if obj.total == 0:
            obj.finished_at = timezone.now()
        obj.save()
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=obj.pk, action=self.name,
                           detail={"total": obj.total})
