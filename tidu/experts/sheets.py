"""The expert review's printable sheets (rendered by documents.sheets): 专家评分表 (one expert's),
专家组意见表 (the panel's scores side by side, its totals and opinion, its members) and 专家签到表.

Who may print what is decided by the views with this app's selectors: an expert prints only their own
评分表; the city prints a 评分表 or the 专家组意见表 only once the scores are unsealed for it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tidu.documents import sheets
from tidu.experts.models import Assignment, ExpertProfile, ExpertReviewResult, ReviewSession
from tidu.experts.scoring import fmt_points
from tidu.experts.selectors import PanelView, ReviewState


def _profiles(user_ids) -> dict[int, ExpertProfile]:
    return {p.user_id: p for p in ExpertProfile.objects.filter(user_id__in=list(user_ids))}


def _rubric_fact(rubric) -> tuple[str, str]:
    return (_("评分表"), f"{rubric.title}（{_('满分')} {fmt_points(rubric.max_total)}）" if rubric else "")


def score_sheet(assignment: Assignment) -> sheets.Sheet:
    """One expert's 评分表: criteria with their maxima and the points given, the total, the written opinion."""
    application, rubric = assignment.application, assignment.rubric
    profile = _profiles([assignment.expert_id]).get(assignment.expert_id)
    given = {s.criterion_id: s.points for s in assignment.scores.all()}
    rows = [[str(n), c.name, c.guidance, fmt_points(c.max_points), fmt_points(given.get(c.pk))]
            for n, c in enumerate(rubric.criteria.all(), start=1)]
    rows.append(["", _("合计"), "", fmt_points(rubric.max_total), fmt_points(assignment.total)])
    facts = sheets.application_facts(application) + [
        _rubric_fact(rubric), (_("评审专家"), assignment.expert.display_name),
        (_("职称"), profile.title if profile else ""), (_("工作单位"), profile.employer_name if profile else ""),
        (_("评分状态"), assignment.get_status_display()),
        (_("提交时间"), sheets.day(assignment.submitted_at))]
    return sheets.Sheet(
        kind=f"score-{assignment.pk}", title=_("专家评分表"), application=application, facts=facts,
        blocks=[sheets.Table(heading=_("评分"), rows=rows, columns=[
                    sheets.Column(_("序号"), cm=1.1, align="center"), sheets.Column(_("评分项"), fr=2),
                    sheets.Column(_("评分要点"), fr=4), sheets.Column(_("满分"), cm=1.4, align="center"),
                    sheets.Column(_("得分"), cm=1.6, align="center")]),
                sheets.Text(_("评审意见"), assignment.comments)],
        signatures=[f"{_('评审专家')}：{assignment.expert.display_name}"])


def panel_sheet(panel: PanelView) -> sheets.Sheet:
    """The 专家组意见表: every criterion's points by each expert and the mean, the totals, the panel opinion,
    the members. Only for a panel whose scores are unsealed (``panel.sealed`` is False)."""
    state = panel.state
    application, rubric = state.application, state.rubric
    experts = panel.experts
    labels = [a.expert.display_name for a in experts]
    rows = [[row.name, fmt_points(row.max_points), *[fmt_points(c) for c in row.cells], fmt_points(row.mean)]
            for row in panel.rows]
    if panel.total is not None:
        rows.append([_("总分"), fmt_points(panel.total.max_points), *[fmt_points(c) for c in panel.total.cells],
                     fmt_points(panel.total.mean)])
    result = ExpertReviewResult.objects.filter(application=application).order_by("-completed_at", "-pk").first()
    facts = sheets.application_facts(application) + [_rubric_fact(rubric),
                                                     (_("专家人数"), str(len(experts)))]
    if result is not None:
        facts += [(_("平均分"), fmt_points(result.mean_total)),
                  (_("计分方法"), _("去掉一个最高分和一个最低分后平均") if result.trimmed else _("算术平均")),
                  (_("评审完成时间"), sheets.day(result.completed_at))]
        if result.quorum_override_reason:
            facts.append((_("少于法定人数完成的理由"), result.quorum_override_reason))
    elif panel.aggregate is not None and panel.aggregate.mean is not None:
        facts.append((_("平均分"), fmt_points(panel.aggregate.mean)))
    opinion = panel.opinion.text if panel.opinion else (result.panel_opinion if result else "")
    return sheets.Sheet(
        kind="panel", title=_("专家组意见表"), application=application, facts=facts,
        blocks=[sheets.Table(heading=_("评分汇总"), rows=rows, columns=[
                    sheets.Column(_("评分项"), fr=3), sheets.Column(_("满分"), cm=1.3, align="center"),
                    *[sheets.Column(label, fr=1, align="center") for label in labels],
                    sheets.Column(_("平均"), cm=1.5, align="center")]),
                sheets.Text(_("专家组意见"), opinion),
                _members_table(state, sign=True, heading=_("专家组成员"))],
        signatures=[f"{_('专家组组长')}：{state.leader.expert.display_name}" if state.leader else _("专家组组长")])


def _members_table(state: ReviewState, *, sign: bool, heading: str, blank_rows: int = 0) -> sheets.Table:
    profiles = _profiles(a.expert_id for a in state.assignments)
    rows = []
    for n, a in enumerate(state.assignments, start=1):
        profile = profiles.get(a.expert_id)
        name = a.expert.display_name + (f"（{_('组长')}）" if a.is_leader else "")
        rows.append([str(n), name, profile.title if profile else "", profile.employer_name if profile else "",
                     profile.expertise if profile else "", ""])
    rows += [[str(len(rows) + i + 1), "", "", "", "", ""] for i in range(blank_rows)]
    return sheets.Table(heading=heading, rows=rows, columns=[
        sheets.Column(_("序号"), cm=1.1, align="center"), sheets.Column(_("姓名"), fr=2),
        sheets.Column(_("职称"), fr=2), sheets.Column(_("工作单位"), fr=3), sheets.Column(_("专业领域"), fr=2),
        sheets.Column(_("签字") if sign else "", cm=2.6)])


def sign_in_sheet(state: ReviewState) -> sheets.Sheet:
    """The 专家签到表 of an application's panel (the experts assigned now), with room for a substitute."""
    return sheets.Sheet(
        kind="sign-in", title=_("专家签到表"), application=state.application,
        facts=sheets.application_facts(state.application) + [_rubric_fact(state.rubric),
                                                             (_("评审日期"), "")],
        blocks=[_members_table(state, sign=True, heading=_("评审专家"), blank_rows=max(state.needed, 1))],
        signatures=[_("会务工作人员")])


def session_sign_in_sheet(session: ReviewSession) -> sheets.Sheet:
    """The 专家签到表 of a 评审会: its name, date and place, the experts attending (with room for substitutes)
    and the applications reviewed there. Its 校验码 is recorded against the session's call."""
    experts = list(session.experts.order_by("last_name", "first_name", "username"))
    profiles = _profiles(e.pk for e in experts)
    rows = []
    for n, expert in enumerate(experts, start=1):
        profile = profiles.get(expert.pk)
        rows.append([str(n), expert.display_name, profile.title if profile else "",
                     profile.employer_name if profile else "", profile.expertise if profile else "", ""])
    rows += [[str(len(rows) + i + 1), "", "", "", "", ""] for i in range(2)]
    applications = list(session.applications.select_related("enterprise").order_by("enterprise__name", "pk"))
    reviewed = []
    for n, application in enumerate(applications, start=1):
        latest = application.latest_submission()
        reviewed.append([str(n), application.enterprise.name, application.enterprise.credit_code,
                         latest.number if latest else ""])
    day = sheets.day(session.date)
    return sheets.Sheet(
        kind=f"session-sign-in-{session.pk}", title=_("专家签到表"), application=None, call_obj=session.call,
        subject=f"{session.name}-{session.date:%Y%m%d}", code_key=f"review-session-{session.pk}",
        values={"meeting_name": session.name, "meeting_date": day, "place": session.place},
        facts=[(_("会议名称"), session.name), (_("申报批次"), session.call.title), (_("日期"), day),
               (_("地点"), session.place), (_("参会专家"), str(len(experts))),
               (_("评审的申报"), str(len(applications)))],
        blocks=[sheets.Table(heading=_("参会专家"), rows=rows, columns=[
                    sheets.Column(_("序号"), cm=1.1, align="center"), sheets.Column(_("姓名"), fr=2),
                    sheets.Column(_("职称"), fr=2), sheets.Column(_("工作单位"), fr=3),
                    sheets.Column(_("专业领域"), fr=2), sheets.Column(_("签字"), cm=2.6)]),
                sheets.Table(heading=_("评审的申报"), rows=reviewed, columns=[
                    sheets.Column(_("序号"), cm=1.1, align="center"), sheets.Column(_("企业名称"), fr=3),
                    sheets.Column(_("统一社会信用代码"), cm=4.6), sheets.Column(_("回执编号"), fr=2)])],
        signatures=[_("会务工作人员")])
