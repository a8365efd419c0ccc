"""形式审查's checklist: what the engine says about an application at the moment of review.

The officer may change any item (saying why); the decision itself is ``operations.FormalReviewDecision``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tidu.applications import c3mep
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.sections import SECTIONS_BY_KEY, clean_section
from tidu.eligibility.findings import Result
from tidu.eligibility.interchange import InterchangeError
from tidu.policy.selectors import call_policy_for

MATERIALS, CONDITIONS = gettext_noop("材料齐全"), gettext_noop("条件符合")  # shown through gettext


@dataclass
class CheckItem:
    key: str
    group: str
    label: str
    engine_checked: bool
    engine_result: str  # pass / fail / review / missing
    engine_message: str
    clause_text: str = ""
    engine_msg: list | None = None  # a clause's message source (tidu.core.sentences): shown in the reader's language

    def as_dict(self) -> dict:
        data = {"key": self.key, "group": self.group, "label": self.label, "engine_checked": self.engine_checked,
                "engine_result": self.engine_result, "engine_message": self.engine_message,
                "clause_text": self.clause_text}
        if self.engine_msg:
            data["engine_msg"] = self.engine_msg
        return data


def report_match_item(application: Application, policy) -> CheckItem | None:
    """自评估报告 against 成熟度自评估 as typed: the newest report tidu could read; None when none was read."""
    report = next((item for item in application.evidence.filter(topic=c3mep.TOPIC).order_by("-uploaded_at", "-pk")
                   if c3mep.ReportFacts.from_dict(item.extracted.get("c3mep"))), None)
    if report is None:
        return None
    facts = c3mep.ReportFacts.from_dict(report.extracted["c3mep"])
    row = application.sections.filter(key="maturity").first()
    typed = clean_section(SECTIONS_BY_KEY["maturity"], row.data if row else {}, policy).values
    differences = c3mep.mismatches(facts, typed)
    if not differences:
        return CheckItem("evidence:maturity_report_match", MATERIALS, "自评估报告与申报书填写一致", True, Result.PASS,
                         f"与“{report.original_name}”所载一致")
    text = "；".join(f"{d['label']}：报告为 {d['report']}，申报书填写 {d['typed']}" for d in differences)
    return CheckItem("evidence:maturity_report_match", MATERIALS, "自评估报告与申报书填写一致", False, Result.REVIEW,
                     f"“{report.original_name}”与申报书不一致（{text}），请核对")


def formal_checklist(application: Application) -> list[CheckItem]:
    """The checklist as the engine sees the application right now: 材料齐全, then 条件符合 clause by clause.

    Built and stored in Chinese whoever looks (the page shows it translated: applications_tags.check_label and
    check_message)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _formal_checklist(application)


def _formal_checklist(application: Application) -> list[CheckItem]:
    policy = call_policy_for(application.call)
    items: list[CheckItem] = []
    for progress in application_services.application_progress(application, policy):
        complete = progress.clean.complete
        parts = []
        if progress.clean.missing:
            parts.append(_("%(n)s 项未填") % {"n": len(progress.clean.missing)})
        if progress.clean.errors:
            parts.append(_("%(n)s 项有误") % {"n": len(progress.clean.errors)})
        items.append(CheckItem(f"section:{progress.key}", MATERIALS, _("“%(title)s”填写完整") % {"title": progress.title},
                               complete, Result.PASS if complete else Result.MISSING,
                               _("已完整填写") if complete else _("，").join(parts)))
    topics = set(application.evidence.values_list("topic", flat=True))
    # The call's clauses declare their formal-review items (an uploaded evidence slot, e.g. the 自评估报告) and one
    # evidence slot each.
    for declaration in policy.condition_declarations:
        uploads = {upload["topic"]: upload["label"] for upload in declaration["uploads"]}
        for item in declaration["formal_review"]:
            uploaded = item["item"] in topics
            items.append(CheckItem(f"evidence:{item['item']}", MATERIALS, item["text"], uploaded,
                                   Result.PASS if uploaded else Result.MISSING,
                                   _("已上传") if uploaded else _("未上传%(label)s") % {"label": uploads.get(item["item"], item["text"])}))
    match = report_match_item(application, policy)
    if match is not None:
        items.append(match)
    for topic, label in policy.evidence_slots["conditions"]:
        present = topic in topics
        items.append(CheckItem(f"evidence:{topic}", MATERIALS, _("%(label)s佐证材料已上传") % {"label": label}, present,
                               Result.PASS if present else Result.MISSING,
                               _("已上传") if present else _("未上传%(label)s的佐证材料") % {"label": label}))
    # 系统判定 is the verdict judged at submission, stored with the receipt; judged now only if none was stored.
    verdict = application_services.stored_verdict(application.latest_submission())
    try:
        verdict = verdict or application_services.application_verdict(application, policy)
    except InterchangeError as error:
        message = "申报内容无法判定：" + "；".join(f"{field}：{text}" for field, text in error.problems)
        items.append(CheckItem("clause:*", CONDITIONS, "系统判定", False, Result.REVIEW, message))
        return items
    for finding in verdict.findings:
        passed = finding.result == Result.PASS
        items.append(CheckItem(f"clause:{finding.clause}", CONDITIONS, finding.clause, passed, str(finding.result),
                               finding.message, finding.clause_text, finding.msg))
    return items
