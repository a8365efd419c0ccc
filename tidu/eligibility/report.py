"""Plain-text rendering of a verdict, for the command line."""

from __future__ import annotations

from tidu.eligibility.findings import Result, Verdict

_MARKS = {Result.PASS: "✔", Result.FAIL: "✘", Result.REVIEW: "?", Result.MISSING: "…"}


def verdict_text(verdict: Verdict, show_clause_text: bool = True) -> str:
    lines = [
        f"批次：{verdict.call}    申报等级：{verdict.tier_name}",
        f"结论：{verdict.outcome.label}（符合申报条件：{'是' if verdict.eligible else '否'}；"
        f"达到{verdict.tier_name}要素条件：{'是' if verdict.tier_met else '否'}）",
        "依据：" + "，".join(verdict.policy_versions.values()),
        "",
    ]
    for finding in verdict.findings:
        lines.append(f"{_MARKS[finding.result]} {finding.clause}［{finding.result.label}］{finding.message}")
        if show_clause_text:
            lines.append(f"    原文：{finding.clause_text}")
    computed = [k for k in verdict.kpis.values() if k["value"] is not None]
    if computed:
        lines.append("")
        lines.append("关键绩效指标：")
        for kpi in computed:
            lines.append(f"    {kpi['name']}：{kpi['value']:g}{kpi['unit']}")
    return "\n".join(lines)
