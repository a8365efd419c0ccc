"""The printable 形式审查表 of an application (rendered by documents.sheets)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tidu.applications.models import Application
from tidu.applications.sections import SECTIONS_BY_KEY
from tidu.applications.templatetags.applications_tags import check_label
from tidu.documents import sheets
from tidu.eligibility.findings import RESULT_LABELS
from tidu.review import formal
from tidu.review.models import FormalReview

TICK, CROSS = "√", "×"


def _section_title(key: str) -> str:
    section = SECTIONS_BY_KEY.get(key)
    return str(section.title) if section else key


def formal_review_sheet(application: Application) -> sheets.Sheet:
    """The latest 形式审查 as decided (ticks, reasons, reviewer, date); before any, the engine's checklist with
    the ticks left for the officer to make on paper."""
    review = application.formal_reviews.select_related("reviewer").first()
    if review is not None:
        items = review.items
    else:
        items = [dict(item.as_dict(), checked=None, override_reason="") for item in formal.formal_checklist(application)]
    rows = []
    for number, item in enumerate(items, start=1):
        checked = item.get("checked")
        mark = "" if checked is None else (TICK if checked else CROSS)
        reason = item.get("override_reason") or ""
        note = item.get("engine_message") or ""
        if reason:
            note = f"{note}\n{_('改判理由')}：{reason}" if note else f"{_('改判理由')}：{reason}"
        rows.append([str(number), _(item.get("group", "")), check_label(item),
                     _(RESULT_LABELS.get(item.get("engine_result"), item.get("engine_result") or "")), mark, note])
    facts = sheets.application_facts(application)
    signatures = [_("审查人")]
    if review is not None:
        facts += [(_("审查结论"), review.get_decision_display()), (_("审查时间"), sheets.day(review.decided_at)),
                  (_("审查人"), review.reviewer.display_name)]
        signatures = [f"{_('审查人')}：{review.reviewer.display_name}"]
    blocks: list = [sheets.Table(heading=_("审查项"), rows=rows, columns=[
        sheets.Column(_("序号"), cm=1.1, align="center"), sheets.Column(_("类别"), cm=1.9),
        sheets.Column(_("审查项"), fr=3), sheets.Column(_("系统判定"), cm=1.9, align="center"),
        sheets.Column(_("审查结果"), cm=1.9, align="center"), sheets.Column(_("说明"), fr=3)])]
    reason = review.reason if review is not None else ""
    blocks.append(sheets.Text(_("审查意见"), reason))
    if review is not None and review.decision == FormalReview.Decision.RETURN and review.section_reasons:
        blocks.append(sheets.Table(heading=_("退回补正意见"), rows=[[_section_title(k), v] for k, v in review.section_reasons.items() if v],
                                   columns=[sheets.Column(_("部分"), cm=3.5), sheets.Column(_("意见"))]))
    return sheets.Sheet(kind="formal-review", title=_("形式审查表"), application=application, facts=facts,
                        blocks=blocks, signatures=signatures,
                        note=_("“审查结果”栏：√ 符合，× 不符合；“系统判定”为系统按申报条件自动判定的结果，供审查参考。"))
