"""The encoded policy matches the seed notice (天门市2026年度基础级智能工厂申报通知 and its 附1)."""

import os
import re
from pathlib import Path

import pytest

from tidu.policy.loader import DEFAULT_PACKS_DIR, PackLibrary

SEED_PATH = Path(os.environ.get("TIDU_SEED_NOTICE", Path(__file__).resolve().parents[1] / "sources" / "notice-2026-basic-smart-factory.txt"))

DOMAIN_IDS = ["factory_construction", "rd_design", "production_operation", "production_management",
              "operations_management"]
DOMAIN_NAMES = ["工厂建设", "研发设计", "生产作业", "生产管理", "运营管理"]


@pytest.fixture(scope="module")
def seed_lines():
    if not SEED_PATH.is_file():
        pytest.skip(f"seed notice not found at {SEED_PATH} (set TIDU_SEED_NOTICE)")
    return [line.strip() for line in SEED_PATH.read_text(encoding="utf-8").splitlines()]


def _section(lines, start, end):
    """The lines strictly between the first line equal to ``start`` and the next line equal to ``end``."""
    first = lines.index(start)
    return lines[first + 1:lines.index(end, first + 1)]


def _numbered(lines):
    """{number: text} for lines like "3.申报主体…", with only the leading "N." removed."""
    items = {}
    for line in lines:
        match = re.match(r"^(\d+)\.(.+)$", line)
        if match:
            items[int(match.group(1))] = match.group(2)
    return items


@pytest.fixture(scope="module")
def seed_conditions(seed_lines):
    return _numbered(_section(seed_lines, "一、申报条件", "二、申报时间"))


@pytest.fixture(scope="module")
def seed_basic_requirements(seed_lines):
    return _numbered(_section(seed_lines, "一、基础要求", "二、基础级智能工厂"))


@pytest.fixture(scope="module")
def seed_footnotes(seed_lines):
    """{domain name: [环节 names]} from the footnotes [1]–[5]."""
    footnotes = {}
    for line in seed_lines:
        match = re.match(r"^\[(\d)\](\S+?)涵盖《.+?》中的(.+?)[两三四五六]个环节。$", line)
        if match:
            footnotes[match.group(2)] = match.group(3).split("、")
    return footnotes


@pytest.fixture(scope="module")
def seed_kpis(seed_lines):
    """[(category number, category name, KPI number, KPI name, unit)] from the 附1 table, in order."""
    table = seed_lines[seed_lines.index("智能工厂建设关键绩效指标参考", seed_lines.index("附1")) + 1:]
    cells = [line.rstrip("|").strip() for line in table]
    cells = [cell for cell in cells if cell]
    rows, category = [], None
    for index, cell in enumerate(cells[:-1]):
        following = cells[index + 1]
        if re.fullmatch(r"\([一二三四五六]\)", cell):
            category = (cell, following)
        elif re.fullmatch(r"\d+", cell) and category:
            name, unit = re.fullmatch(r"(.+)\((%|个|家)\)", following).groups()
            rows.append((*category, int(cell), name, unit))
    return rows


@pytest.fixture(scope="module")
def raw_pack_texts():
    return {path.relative_to(DEFAULT_PACKS_DIR).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(DEFAULT_PACKS_DIR.glob("*/*.yaml"))}


def test_seed_parsing_found_everything(seed_conditions, seed_basic_requirements, seed_footnotes, seed_kpis):
    # Guards the parsers themselves: if the seed could not be read, the comparisons below would be empty.
    assert sorted(seed_conditions) == list(range(1, 10))
    assert sorted(seed_basic_requirements) == list(range(1, 6))
    assert list(seed_footnotes) == DOMAIN_NAMES
    assert sum(len(links) for links in seed_footnotes.values()) == 14
    assert [row[2] for row in seed_kpis] == list(range(1, 21))


# --- taxonomy -----------------------------------------------------------------------------------


def test_five_construction_domains_in_order(policy):
    assert list(policy.domain_map) == DOMAIN_IDS
    assert [d["name"] for d in policy.domain_map.values()] == DOMAIN_NAMES
    assert [d["order"] for d in policy.domain_map.values()] == [1, 2, 3, 4, 5]


def test_domain_footnotes_are_the_seeds(policy, seed_lines):
    for number, domain in enumerate(policy.domain_map.values(), start=1):
        assert f"[{number}]{domain['footnote']}" in seed_lines, domain["name"]


def test_exactly_fourteen_seed_links_mapped_as_the_footnotes_say(policy, seed_footnotes):
    seed_links = [link for link in policy.link_map.values() if link["in_seed"]]
    assert len(seed_links) == 14
    names = {d_id: d["name"] for d_id, d in policy.domain_map.items()}
    encoded = {}
    for link in seed_links:
        encoded.setdefault(names[link["domain"]], []).append(link["name"])
    assert encoded == seed_footnotes


@pytest.mark.parametrize(
    ("link", "domain"),
    [("质量管控", "生产作业"), ("设备管理", "生产作业"), ("能碳管理", "生产管理"), ("环保管理", "生产管理"),
     ("信息基础设施", "工厂建设"), ("工艺设计", "研发设计"), ("营销与售后", "运营管理"), ("供应链管理", "运营管理")],
)
def test_link_domain_examples(policy, link, domain):
    (found,) = [item for item in policy.link_map.values() if item["name"] == link]
    assert policy.domain_map[found["domain"]]["name"] == domain


def test_one_bucket_for_scenarios_30_and_31(policy):
    buckets = [link for link in policy.link_map.values() if not link["in_seed"]]
    assert len(buckets) == 1
    (bucket,) = buckets
    assert bucket["domain"] == "operations_management"
    assert bucket["grade"] == "D"
    in_bucket = [s for s in policy.scenario_map.values() if s["link"] == bucket["id"]]
    assert [(s["number"], s["name"]) for s in in_bucket] == [(30, "智能经营决策"), (31, "数智精益管理")]


def test_forty_scenarios_each_mapped_to_an_existing_link(policy):
    assert list(policy.scenario_map) == [f"SC{n:02d}" for n in range(1, 41)]
    for scenario_id, scenario in policy.scenario_map.items():
        assert scenario["number"] == int(scenario_id[2:])
        assert scenario["link"] in policy.link_map
        assert scenario["name"] and scenario["gist"]
        assert scenario["source"] and scenario["grade"] in "ABCD"
        assert scenario["mapping_grade"] in "ABCD"
    assert len({s["name"] for s in policy.scenario_map.values()}) == 40


def test_every_seed_link_has_a_scenario(policy):
    used = {s["link"] for s in policy.scenario_map.values()}
    assert set(policy.link_map) == used


@pytest.mark.parametrize(
    ("scenario_id", "name", "domain"),
    [("SC01", "工厂数字化规划设计", "工厂建设"), ("SC24", "在线智能检测", "生产作业"),
     ("SC16", "能源智能管控", "生产管理"), ("SC40", "供应链物流智能配送", "运营管理")],
)
def test_scenario_examples(policy, scenario_id, name, domain):
    assert policy.scenario_map[scenario_id]["name"] == name
    assert policy.domain_map[policy.domain_of_scenario(scenario_id)]["name"] == domain


# --- tiers ----------------------------------------------------------------------------------------


def test_four_tiers(policy):
    tiers = list(policy.tier_map.values())
    assert [t["name"] for t in tiers] == ["基础级", "先进级", "卓越级", "领航级"]
    assert [t["rank"] for t in tiers] == [1, 2, 3, 4]
    assert [t["maturity_min_level"] for t in tiers] == [2, 2, 3, 4]
    assert [t["ai_scenario_ratio_min"] for t in tiers] == [None, None, 20, 60]


def test_required_domains_as_the_seed_says(policy, seed_lines):
    assert policy.tier_map["basic"]["required_domains"] == ["production_operation"]
    assert policy.tier_map["advanced"]["required_domains"] == [
        "production_operation", "production_management", "operations_management"]
    assert any(line.endswith("且至少覆盖生产作业环节。") for line in seed_lines)
    assert any(line.endswith("且至少覆盖生产作业、生产管理、运营管理三个环节。") for line in seed_lines)


def test_call_tier_is_basic(policy):
    assert policy.call_tier["name"] == "基础级"
    assert policy.call_tier["allowed_scopes"] == ["产线级", "车间级"]


def test_basic_and_advanced_texts_are_verbatim(policy, seed_lines):
    seed = set(seed_lines)
    for tier_id in ("basic", "advanced"):
        tier = policy.tier_map[tier_id]
        assert tier["summary"] in seed, tier_id
        assert any(line.endswith(tier["coverage_text"]) for line in seed_lines), tier_id
        for number, item in enumerate(tier["construction_content"], start=1):
            domain = policy.domain_map[item["domain"]]["name"]
            line = next((line for line in seed_lines
                         if re.match(rf"^{number}\.{domain}(\[\d\])?:", line) and line.endswith(item["text"])), None)
            assert line, (tier_id, domain, item["text"])


def test_nine_conditions_verbatim(policy, seed_conditions):
    conditions = policy.call.content["conditions"]
    assert [c["clause"] for c in conditions] == [f"申报条件{n}" for n in range(1, 10)]
    assert {int(c["clause"].removeprefix("申报条件")): c["text"] for c in conditions} == seed_conditions
    assert all(c["source"] == ["SEED"] and c["grade"] == "A" for c in conditions)


def test_five_basic_requirements_verbatim(policy, seed_basic_requirements):
    requirements = policy.tiers.content["basic_requirements"]
    assert [r["clause"] for r in requirements] == [f"基础要求{n}" for n in range(1, 6)]
    assert {int(r["clause"].removeprefix("基础要求")): r["text"] for r in requirements} == seed_basic_requirements


# --- KPIs -----------------------------------------------------------------------------------------


def test_twenty_kpis_in_the_seed_order_and_categories(policy, seed_kpis):
    encoded = [(policy.kpi_categories[k["category"]]["number"], policy.kpi_categories[k["category"]]["name"],
                k["number"], k["name"], k["unit"]) for k in policy.kpi_map.values()]
    assert encoded == seed_kpis
    assert list(policy.kpi_map) == [f"K{n:02d}" for n in range(1, 21)]


def test_five_kpi_categories_in_order(policy, seed_kpis):
    seed_categories = list(dict.fromkeys((row[0], row[1]) for row in seed_kpis))
    assert [(c["number"], c["name"]) for c in policy.kpi_categories.values()] == seed_categories
    assert len(seed_categories) == 5


def test_kpi_formulas_are_marked_as_inferred(policy):
    assert {k["formula_grade"] for k in policy.kpi_map.values()} == {"D"}


# --- maturity -------------------------------------------------------------------------------------


def test_maturity_model(policy):
    maturity = policy.maturity.content
    assert [(lv["level"], lv["name"]) for lv in maturity["levels"]] == [
        (1, "规划级"), (2, "规范级"), (3, "集成级"), (4, "优化级"), (5, "引领级")]
    assert [e["name"] for e in maturity["elements"]] == ["人员", "技术", "资源", "制造"]
    assert len(maturity["subdomains"]) == 20
    assert len({s["id"] for s in maturity["subdomains"]}) == 20
    assert len(maturity["domains"]) == 12
    assert maturity["standard"]["code"] == "GB/T 39116-2020"


def test_maturity_score_bands_are_contiguous(policy):
    levels = policy.maturity.content["levels"]
    for lower, upper in zip(levels, levels[1:], strict=False):
        assert lower["score_max"] == upper["score_min"]
    assert levels[-1]["score_max"] == 5


# --- the call -------------------------------------------------------------------------------------


def test_call_window_and_deadlines(policy, seed_lines):
    content = policy.call.content
    assert content["window"]["opens"] == "2026-01-22"
    assert content["window"]["closes"] == "2026-03-15"
    assert content["window"]["text"] == "2026年1月22日-3月15日"
    assert content["window"]["text"] == seed_lines[seed_lines.index("二、申报时间") + 1]
    assert content["township_deadline"]["date"] == "2026-03-01"
    assert "于3月1日前" in content["township_deadline"]["text"]
    assert content["timezone"] == "Asia/Shanghai"
    assert str(policy.timezone) == "Asia/Shanghai"
    assert policy.region_name == "湖北省天门市"
    assert content["year"] == 2026
    assert content["lookback_years"] == 3


def test_call_pins_the_four_packs(policy):
    assert policy.call.content["packs"] == {
        "taxonomy": {"id": "taxonomy-2025", "version": "2025.1"},
        "tiers": {"id": "tiers-2025", "version": "2025.1"},
        "kpis": {"id": "kpis-2025", "version": "2025.1"},
        "maturity": {"id": "maturity-gbt39116", "version": "2020.1"},
    }


def test_binding_and_deliverables(policy, seed_lines):
    content = policy.call.content
    assert content["binding"] == {"bound": True, "copies": 2, "text": "装订成册(一式两份)"}
    assert [d["annex"] for d in content["deliverables"]] == ["附件3", "附件4", "附件5"]
    seed_text = "\n".join(seed_lines)
    for annex in content["annexes"]:
        assert f"{annex['annex'][-1]}.{annex['name']}" in seed_text


# --- provenance -----------------------------------------------------------------------------------


def _sourced_items(node, key=""):
    if isinstance(node, dict):
        if "source" in node or "grade" in node:
            yield key, node
        for child_key, child in node.items():
            yield from _sourced_items(child, f"{key}.{child_key}" if key else child_key)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _sourced_items(child, f"{key}[{index}]")


@pytest.mark.parametrize("pack_ref", [p.ref for p in PackLibrary.from_directory(DEFAULT_PACKS_DIR)])
def test_every_fact_has_a_grade_and_only_declared_sources(pack_ref):
    pack_id, version = pack_ref.split("@")
    pack = PackLibrary.from_directory(DEFAULT_PACKS_DIR).get(pack_id, version)
    declared = {s["id"] for s in pack.sources}
    assert all(s["grade"] in ("A", "B", "C", "D") for s in pack.sources)
    items = list(_sourced_items(pack.content, "content"))
    assert items, pack_ref
    for key, item in items:
        assert item.get("grade") in ("A", "B", "C", "D"), key
        assert isinstance(item.get("source"), list) and item["source"], key
        assert set(item["source"]) <= declared, (key, set(item["source"]) - declared)


def test_seed_facts_cite_the_seed_with_grade_a(policy):
    for pack in (policy.call, policy.tiers, policy.kpis, policy.taxonomy):
        seed = pack.source("SEED")
        assert seed and seed["grade"] == "A"
        assert seed["reference"] == "shared/seed/notice-2026-basic-smart-factory.txt"


# --- guard against invented thresholds (domain-facts.md §2.3) -------------------------------------

INVENTED = ["数控化率≥", "数控化率 ≥", "联网率", "5000万", "5,000万", "2亿", "5亿", "专利", "研发投入", "研发费用",
            "不少于15", "不少于 15"]


@pytest.mark.parametrize("phrase", INVENTED)
def test_no_invented_threshold_in_any_pack(raw_pack_texts, phrase):
    assert len(raw_pack_texts) == 8  # five packs, the call pack in four published versions
    offenders = [name for name, text in raw_pack_texts.items() if phrase in text]
    assert offenders == [], f"{phrase!r} appears in {offenders}"
