"""A readiness result for reading: its words in the reader's language, and its charts (server-rendered SVG).

Stored results (snapshots) hold keys only — a tier's ``status``, an element's ``result``, maturity levels as
numbers — so a snapshot kept in Chinese reads right in English; ``labelled`` puts the words in at display."""

from __future__ import annotations

import copy

from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop

from tidu.dashboards.svg import hbar_chart, radar_chart
from tidu.eligibility.findings import RESULT_LABELS, Result
from tidu.readiness import diagnosis

STATUS_TEXT = {diagnosis.MET: gettext_noop("已达到"), diagnosis.REVIEW: gettext_noop("条件具备，待评审确认"),
               diagnosis.MISSING: gettext_noop("信息不全"), diagnosis.NOT_MET: gettext_noop("尚未达到")}
LEVEL_TEXT = {1: gettext_noop("一级"), 2: gettext_noop("二级"), 3: gettext_noop("三级"), 4: gettext_noop("四级"),
              5: gettext_noop("五级")}
CHANGE_TEXT = {"ai_scenario_ratio": gettext_noop("人工智能场景比例（%）"), "scenario_count": gettext_noop("已建设场景数"),
               "maturity_level": gettext_noop("成熟度等级"), "scenarios": gettext_noop("新增场景")}


def status_label(status: str) -> str:
    return gettext(STATUS_TEXT[status]) if status in STATUS_TEXT else status


def result_label(result: str) -> str:
    try:
        return gettext(RESULT_LABELS[Result(result)])
    except ValueError:
        return result


def level_label(level) -> str:
    return gettext(LEVEL_TEXT[level]) if level in LEVEL_TEXT else ""


def labelled(result: dict) -> dict:
    """A copy of a stored result with its labels in the active language (labels stored by older snapshots are
    replaced: the keys beside them decide)."""
    result = copy.deepcopy(result)
    for tier in result.get("tiers", []):
        tier["status_label"] = status_label(tier["status"])
        for element in tier.get("elements", []):
            element["result_label"] = result_label(element["result"])
    gaps = result.get("gaps") or {}
    for condition in gaps.get("conditions", []):
        condition["result_label"] = result_label(condition["result"])
    if gaps.get("maturity"):
        gaps["maturity"]["current_label"] = level_label(gaps["maturity"].get("current"))
        gaps["maturity"]["required_label"] = level_label(gaps["maturity"].get("required"))
    return result


def changes(diff: list[dict]) -> list[dict]:
    """``diagnosis.snapshot_diff`` lines worded in the active language."""
    worded = []
    for line in diff:
        line = dict(line)
        if line["kind"] == "tier":
            line["before"], line["after"] = status_label(line["before"]), status_label(line["after"])
        else:
            line["what"] = gettext(CHANGE_TEXT.get(line["what"], line["what"]))
        worded.append(line)
    return worded


def radar(result: dict) -> SafeString:
    domains = result.get("coverage", {}).get("domains", [])
    axes = [(d["name"], d["ratio"], gettext("%(covered)s/%(total)s 环节") % {"covered": d["links_covered"], "total": d["links_total"]}) for d in domains]
    desc = "；".join(f"{d['name']}覆盖 {d['links_covered']}/{d['links_total']} 个环节" for d in domains)
    return radar_chart("readiness-radar", gettext("五个建设领域的环节覆盖"), desc, axes)


def distribution_chart(data: dict) -> SafeString:
    items = [(gettext("%(tier)s（已具备）") % {"tier": row["name"]}, row["reached"]) for row in data["rows"]]
    items += [(gettext("差一个领域到%(tier)s") % {"tier": row["name"]}, row["one_short"]) for row in data["rows"] if row["one_short"]]
    return hbar_chart("readiness-distribution", gettext("企业就绪度分布"),
                      gettext("按最近一次诊断快照统计的企业数"), items, unit=gettext("家"),
                      width=420)  # narrow enough to stay legible when a phone scales it down
