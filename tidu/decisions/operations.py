"""Every change of state of the decision domain, one ``Operation`` each (one audit row, events on commit):

* ``conclusion.record`` — the city records 通过 / 不通过 with reasons after 专家评审 (application state
  expert_reviewed) or after 现场核查 (onsite_verified). A bureau's pass mark pre-fills the choice on the page;
  it never decides: the outcome is what the officer chose, and a choice against the pass mark is audited.
* ``collective_decision.record`` — the meeting (会议名称、日期、参会人员) or document (文号) that decided,
  recorded per call and attached to one or more applications' latest conclusions before 公示.
* ``decision_setting.set`` — the pass mark of a call (a bureau setting, with its source), or none.

不予认定 itself is the application's own "reject" transition (``application.reject``); the pages call it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from tidu.applications.models import Application
from tidu.core.operations import ALLOWED, AuditRecord, Check, Operation, operation_class, refused
from tidu.decisions import selectors
from tidu.decisions.errors import DecisionError
from tidu.decisions.models import BUREAU_SETTING, CollectiveDecision, DecisionSetting, ReviewConclusion
from tidu.policy.models import Call

CITY = ("city",)
NEW = ""


def _text(value) -> str:
    return str(value or "").strip()


@operation_class
class ConclusionRecord(Operation):
    """Record the city's 评审结论 on an application (params: ``outcome``, ``reasons``)."""

    name = "conclusion.record"
    label = gettext_noop("记录评审结论")
    object_type = "review_conclusion"
    model = Application
    roles = CITY
    error_class = DecisionError

    def state_check(self, obj) -> Check:
        if selectors.stage_for(obj) is None:
            return refused(gettext("当前状态为“%(status_label)s”，只有专家评审完成或现场核查完成后才能记录评审结论") % {
                    "status_label": obj.status_label})
        return ALLOWED

    def validate(self, user, obj) -> None:
        self.outcome = self.params.get("outcome")
        self.reasons = _text(self.params.get("reasons"))
        if self.outcome not in ReviewConclusion.Outcome.values:
            raise DecisionError(gettext("请选择评审结论：通过或不通过"))
        if not self.reasons:
            raise DecisionError(gettext("请填写评审结论的理由"))
        if len(self.reasons) > 4000:
            raise DecisionError(gettext("理由不能超过 4000 字（现为 %(n)s 字）") % {"n": len(self.reasons)})

    def perform(self, user, obj) -> ReviewConclusion | None:
        stage = selectors.stage_for(obj)
        latest = selectors.latest_conclusion(obj)
        if latest is not None and (latest.stage, latest.outcome, latest.reasons) == (stage, self.outcome, self.reasons):
            self.unchanged = True  # the same conclusion again (a double click): nothing to record
            return latest
        total = selectors.panel_total(obj)
        pass_mark = selectors.pass_mark_for(obj.call)
        return ReviewConclusion.objects.create(
            application=obj, stage=stage, outcome=self.outcome, reasons=self.reasons, panel_total=total,
            pass_mark=pass_mark, suggested=selectors.suggestion(total, pass_mark), recorded_by=user)

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=result.pk, action=self.name,
                           from_status=obj.status, to_status=result.outcome, reason=result.reasons,
                           application_id=obj.pk,
                           detail={"stage": result.stage, "outcome": result.outcome,
                                   "panel_total": str(result.panel_total) if result.panel_total is not None else None,
                                   "pass_mark": str(result.pass_mark) if result.pass_mark is not None else None,
                                   "suggested": result.suggested, "against_pass_mark": result.overrides_pass_mark})


@operation_class
class CollectiveDecisionRecord(Operation):
    """Record a 集体决策 for a call and attach it to applications' latest conclusions (params: ``meeting_name``,
    ``meeting_date``, ``attendees``, ``document_number``, ``note``, ``conclusion_ids``). Checked on the call."""

    name = "collective_decision.record"
    label = gettext_noop("记录集体决策")
    object_type = "collective_decision"
    model = Call
    roles = CITY
    error_class = DecisionError

    def lock(self):
        return self.obj  # a new row; the conclusions it attaches are locked in validate

    def state_of(self, obj) -> str:
        return NEW

    def validate(self, user, obj) -> None:
        p = self.params
        self.fields = {"meeting_name": _text(p.get("meeting_name"))[:200], "meeting_date": p.get("meeting_date"),
                       "attendees": _text(p.get("attendees")), "document_number": _text(p.get("document_number"))[:100],
                       "note": _text(p.get("note"))}
        meeting = self.fields["meeting_name"] and self.fields["meeting_date"] and self.fields["attendees"]
        if not meeting and not self.fields["document_number"]:
            raise DecisionError(gettext("请填写会议名称、会议日期和参会人员，或填写文号"))
        wanted = {int(pk) for pk in p.get("conclusion_ids") or ()}
        if not wanted:
            raise DecisionError(gettext("请至少选择一份申报的评审结论"))
        attachable = {c.pk: c for c in selectors.attachable_conclusions(obj)}
        missing = wanted - set(attachable)
        if missing:
            raise DecisionError(gettext("所选评审结论不属于本批次、已不是最新结论、已附集体决策，或申报已进入公示，请刷新页面后重试"))
        self.conclusions = list(ReviewConclusion.objects.select_for_update().filter(pk__in=wanted,
                                                                                   collective_decision__isnull=True))
        if len(self.conclusions) != len(wanted):
            raise DecisionError(gettext("所选评审结论已附集体决策，请刷新页面后重试"))

    def perform(self, user, obj) -> CollectiveDecision:
        decision = CollectiveDecision.objects.create(call=obj, recorded_by=user, **self.fields)
        ReviewConclusion.objects.filter(pk__in=[c.pk for c in self.conclusions]).update(collective_decision=decision)
        return decision

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=result.pk, action=self.name, from_status=NEW,
                           to_status="recorded", reason=result.note,
                           detail={"call": obj.code, "title": result.title,
                                   "applications": sorted(c.application_id for c in self.conclusions),
                                   "conclusions": sorted(c.pk for c in self.conclusions)})


@operation_class
class DecisionSettingSet(Operation):
    """Set (or clear) the pass mark of a call (params: ``pass_mark`` — a number or empty, ``source``)."""

    name = "decision_setting.set"
    label = gettext_noop("设置合格分数线")
    object_type = "decision_setting"
    model = Call
    roles = CITY
    error_class = DecisionError

    def lock(self):
        return self.obj

    def state_of(self, obj) -> str:
        setting = selectors.setting_for(obj)
        return "" if setting is None or setting.pass_mark is None else str(setting.pass_mark)

    def validate(self, user, obj) -> None:
        raw = _text(self.params.get("pass_mark"))
        try:
            self.pass_mark = Decimal(raw) if raw else None
        except InvalidOperation:
            raise DecisionError(gettext("合格分数线应为数字（填写了“%(raw)s”）") % {"raw": raw}) from None
        if self.pass_mark is not None and not (Decimal("0") <= self.pass_mark <= Decimal("1000")):
            raise DecisionError(gettext("合格分数线应在 0 至 1000 之间"))
        self.source = _text(self.params.get("source"))[:200] or BUREAU_SETTING

    def perform(self, user, obj) -> DecisionSetting:
        with transaction.atomic():
            setting, _ = DecisionSetting.objects.select_for_update().get_or_create(call=obj)
        if (setting.pass_mark, setting.source) == (self.pass_mark, self.source) and setting.updated_by_id:
            self.unchanged = True
            return setting
        setting.pass_mark, setting.source, setting.updated_by = self.pass_mark, self.source, user
        setting.save()
        return setting

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=result.pk, action=self.name, from_status=before,
                           to_status="" if result.pass_mark is None else str(result.pass_mark),
                           detail={"call": obj.code, "source": result.source})
