"""The default scoring table (评分表), as data.

The only public rubric found is the Liaoning/Dalian "2026年度省级数字化车间/先进级智能工厂评选评分表"
(a third-party transcription, grade C; domain-facts §4.5). It is a 先进级 table: for any other tier the
bureau must adapt it, and the page says so. Every number here can be changed by the city on the rubric
page until the first score is submitted.
"""

from __future__ import annotations

from decimal import Decimal

DEFAULT_SOURCE = "辽宁/大连 2026 先进级评分表（第三方整理，C级）"
SOURCE_GRADE = "C"
# Our own choice, not from any source (grade D): say so wherever the threshold is shown.
DEFAULT_OUTLIER_POINTS = Decimal("15")
OUTLIER_NOTE = "偏离提示阈值默认 15 分为本平台自定（D级，未见公开依据），请按本地评审规则调整。"

DEFAULT_CRITERIA: tuple[tuple[str, int, str], ...] = (
    ("智能制造成熟度", 20,
     "依据当年度成熟度评估报告：一级 0 分，二级 5 分，三级 10 分，四级 20 分。"),
    ("信息基础建设水平", 30,
     "智能装备、数字化管理、国产化产品占比；MES/ERP/SCADA/AGV/数据采集等系统集成；5G、PLC、Wi-Fi 6 等网络；"
     "云平台、数据中台、工业互联网应用。"),
    ("技术应用先进性", 20,
     "人工智能、数字孪生等技术应用；研发—生产—供应链覆盖程度；网络安全（防火墙、备份）；自主开发比例；"
     "须覆盖生产作业、生产管理、运营管理。"),
    ("解决方案示范性和可推广性", 10, "可复用解决方案的比例；被其他企业采用的情况。"),
    ("经济社会效益情况", 10, "成本、效率、库存周转、良品率、能耗与排放等改善情况（参照 T/CAMS 182）。"),
    ("后续实施计划", 10, "目标与计划的合理性；成长性；可复制性。"),
)

# Criteria scored by level: the allowed values, read from the same source's 评分要点 above (智能制造成熟度:
# 一级 0 分，二级 5 分，三级 10 分，四级 20 分). Experts may give only these values.
DEFAULT_SCALES: dict[str, str] = {"智能制造成熟度": "0,5,10,20"}

# What the application itself declares for a level-scored criterion (section key, field name), shown beside
# the score box and in the city's side-by-side table: the expert judges the level from the assessment report,
# and a score far from the declared level is then visible at once.
DECLARED_FIELDS: dict[str, tuple[str, str]] = {"智能制造成熟度": ("maturity", "level")}

ADVANCED_TIER = "advanced"


def default_title(call_title: str, tier_name: str) -> str:
    return f"{call_title} · {tier_name}专家评分表"


def default_note(tier: str, tier_name: str) -> str:
    if tier == ADVANCED_TIER:
        return ("本表按公开的辽宁/大连先进级评选评分表整理（第三方转录，C级，未与官方原文核对），"
                "使用前请核对本批次通知。")
    return (f"本表取自辽宁/大连先进级智能工厂评选评分表（第三方转录，C级），仅作为{tier_name}评审的参考："
            f"{tier_name}的要素条件与先进级不同，请市经信局结合本批次通知调整评分项、分值和评分要点后再选派专家"
            "（第一份评分提交后评分表即锁定）。")
