"""Charts of a readiness result (server-rendered SVG, no JavaScript)."""

from __future__ import annotations

from django.utils.safestring import SafeString
from django.utils.translation import gettext

from tidu.dashboards.svg import hbar_chart, radar_chart


def radar(result: dict) -> SafeString:
    domains = result.get("coverage", {}).get("domains", [])
    axes = [(d["name"], d["ratio"], gettext("%(covered)s/%(total)s 环节") % {"covered": d["links_covered"], "total": d["links_total"]}) for d in domains]
    desc = "；".join(f"{d['name']}覆盖 {d['links_covered']}/{d['links_total']} 个环节" for d in domains)
    return radar_chart("readiness-radar", gettext("五个建设领域的环节覆盖"), desc, axes)


def distribution_chart(data: dict) -> SafeString:
    items = [(gettext("%(tier)s（已具备）") % {"tier": row["name"]}, row["reached"]) for row in data["rows"]]
    items += [(gettext("差一个领域到%(tier)s") % {"tier": row["name"]}, row["one_short"]) for row in data["rows"] if row["one_short"]]
    return hbar_chart("readiness-distribution", gettext("企业就绪度分布"),
                      gettext("按最近一次诊断快照统计的企业数"), items, unit=gettext("家"))
