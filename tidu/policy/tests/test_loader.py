"""Reading and validating policy packs: bad packs are refused with a Chinese message naming file, key, problem."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tidu.policy.call_policy import CallPolicy
from tidu.policy.loader import (
    DEFAULT_PACKS_DIR,
    PackError,
    PackLibrary,
    content_hash,
    load_pack_file,
    parse_pack,
)

CALL_ID = "call-tianmen-2026-basic"
PACK_FILES = {
    "taxonomy": "taxonomy-2025/2025.1.yaml",
    "tiers": "tiers-2025/2025.1.yaml",
    "kpis": "kpis-2025/2025.1.yaml",
    "maturity": "maturity-gbt39116/2020.1.yaml",
    "call": "call-tianmen-2026-basic/2026.4.yaml",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def packs_dir(tmp_path):
    """A writable copy of the repository's pack library."""
    target = tmp_path / "packs"
    shutil.copytree(DEFAULT_PACKS_DIR, target)
    return target


def read(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(path: Path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def mutate(packs_dir: Path, kind: str, change) -> Path:
    path = packs_dir / PACK_FILES[kind]
    document = read(path)
    change(document)
    write(path, document)
    return path


def load_error(directory: Path) -> PackError:
    with pytest.raises(PackError) as excinfo:
        PackLibrary.from_directory(directory)
    return excinfo.value


def assert_names(error: PackError, path: Path, key: str, *words: str) -> None:
    message = str(error)
    assert error.path == str(path)
    assert str(path) in message, message
    assert error.key == key
    assert key in message, message
    assert CJK.search(error.problem), error.problem
    for word in words:
        assert word in error.problem, error.problem
        assert word in message


# --- bad files ------------------------------------------------------------------------------------


def test_yaml_syntax_error(packs_dir):
    path = packs_dir / PACK_FILES["kpis"]
    path.write_text("pack:\n  id: kpis-2025\n  kind: [kpis\n", encoding="utf-8")
    assert_names(load_error(packs_dir), path, "（文件顶层）", "YAML 语法错误")


@pytest.mark.parametrize("text", ["- a\n- b\n", "just a string\n", ""], ids=["list", "scalar", "empty"])
def test_top_level_not_a_mapping(packs_dir, text):
    path = packs_dir / PACK_FILES["maturity"]
    path.write_text(text, encoding="utf-8")
    assert_names(load_error(packs_dir), path, "pack", "缺少 pack 头部")


def test_missing_pack_header(packs_dir):
    path = mutate(packs_dir, "tiers", lambda d: d.pop("pack"))
    assert_names(load_error(packs_dir), path, "pack", "缺少 pack 头部")


def test_header_missing_a_field(packs_dir):
    path = mutate(packs_dir, "tiers", lambda d: d["pack"].pop("title"))
    assert_names(load_error(packs_dir), path, "pack.title", "缺少必填项")


def test_unknown_kind(packs_dir):
    def change(d):
        d["pack"]["kind"] = "policy"

    path = mutate(packs_dir, "kpis", change)
    assert_names(load_error(packs_dir), path, "pack.kind", "未知的策略包类型", "'policy'")


def test_missing_required_key_names_the_key_path(packs_dir):
    path = mutate(packs_dir, "taxonomy", lambda d: d["content"].pop("scenarios"))
    assert_names(load_error(packs_dir), path, "content.scenarios", "缺少必填项")


def test_missing_required_key_deep_in_a_list(packs_dir):
    path = mutate(packs_dir, "kpis", lambda d: d["content"]["kpis"][2].pop("formula"))
    assert_names(load_error(packs_dir), path, "content.kpis[2].formula", "缺少必填项")


@pytest.mark.parametrize(
    ("kind", "where", "value", "key", "words"),
    [
        ("call", ("content", "year"), "2026", "content.year", ("应为整数", "'2026'")),
        ("tiers", ("content", "tiers", 0, "maturity_min_level"), "二级", "content.tiers[0].maturity_min_level",
         ("应为整数",)),
        ("taxonomy", ("content", "links", 3, "in_seed"), "yes", "content.links[3].in_seed", ("是/否",)),
        ("call", ("content", "conditions"), "申报条件", "content.conditions", ("应为列表",)),
    ],
    ids=["year-as-text", "maturity-as-text", "bool-as-text", "list-as-text"],
)
def test_wrong_type(packs_dir, kind, where, value, key, words):
    def change(d):
        node = d
        for part in where[:-1]:
            node = node[part]
        node[where[-1]] = value

    path = mutate(packs_dir, kind, change)
    assert_names(load_error(packs_dir), path, key, *words)


def test_wrong_enum_value(packs_dir):
    def change(d):
        d["content"]["kpis"][0]["formula"] = "average"

    path = mutate(packs_dir, "kpis", change)
    assert_names(load_error(packs_dir), path, "content.kpis[0].formula", "无效", "'average'")


def test_unknown_field(packs_dir):
    def change(d):
        d["content"]["scenarios"][0]["colour"] = "red"

    path = mutate(packs_dir, "taxonomy", change)
    assert_names(load_error(packs_dir), path, "content.scenarios[0]", "不认识的字段", "colour")


def test_scenario_link_to_nonexistent_link(packs_dir):
    def change(d):
        assert d["content"]["scenarios"][4]["id"] == "SC05"
        d["content"]["scenarios"][4]["link"] = "nowhere"

    path = mutate(packs_dir, "taxonomy", change)
    assert_names(load_error(packs_dir), path, "content.scenarios[4].link", "不存在的环节", "'nowhere'")


def test_link_to_nonexistent_domain(packs_dir):
    def change(d):
        d["content"]["links"][0]["domain"] = "marketing"

    path = mutate(packs_dir, "taxonomy", change)
    assert_names(load_error(packs_dir), path, "content.links[0].domain", "建设领域", "'marketing'")


def test_mode_innovation_refers_to_unknown_scenario(packs_dir):
    def change(d):
        d["content"]["mode_innovation"]["related_scenarios"].append("SC99")

    path = mutate(packs_dir, "taxonomy", change)
    assert_names(load_error(packs_dir), path, "content.mode_innovation.related_scenarios[5]", "场景", "'SC99'")


def test_source_not_declared_in_header(packs_dir):
    def change(d):
        d["content"]["scenarios"][0]["source"] = ["S8", "S99"]

    path = mutate(packs_dir, "taxonomy", change)
    assert_names(load_error(packs_dir), path, "content.scenarios[0].source", "来源", "'S99'")


def test_source_not_declared_deep_in_tiers(packs_dir):
    def change(d):
        d["content"]["tiers"][1]["construction_content"][2]["source"] = ["NOPE"]

    path = mutate(packs_dir, "tiers", change)
    assert_names(load_error(packs_dir), path, "content.tiers[1].construction_content[2].source", "来源", "'NOPE'")


def test_duplicate_scenario_id(packs_dir):
    def change(d):
        d["content"]["scenarios"][1]["id"] = "SC01"

    path = mutate(packs_dir, "taxonomy", change)
    assert_names(load_error(packs_dir), path, "content.scenarios[1].id", "重复", "'SC01'")


def test_duplicate_condition_clause(packs_dir):
    def change(d):
        d["content"]["conditions"][8]["clause"] = "申报条件1"

    path = mutate(packs_dir, "call", change)
    assert_names(load_error(packs_dir), path, "content.conditions[8].clause", "重复", "申报条件1")


def test_kpi_inputs_not_matching_formula_kind(packs_dir):
    def change(d):
        kpi = d["content"]["kpis"][8]
        assert kpi["id"] == "K09" and kpi["formula"] == "decrease"
        kpi["inputs"][1]["key"] = "later"

    path = mutate(packs_dir, "kpis", change)
    assert_names(load_error(packs_dir), path, "content.kpis[8].inputs", "decrease", "before", "after", "later")


def test_kpi_formula_changed_without_changing_inputs(packs_dir):
    def change(d):
        d["content"]["kpis"][18]["formula"] = "ratio"  # K19 keeps reused/fresh

    path = mutate(packs_dir, "kpis", change)
    assert_names(load_error(packs_dir), path, "content.kpis[18].inputs", "ratio", "part", "whole")


def test_kpi_in_unknown_category(packs_dir):
    def change(d):
        d["content"]["kpis"][0]["category"] = "misc"

    path = mutate(packs_dir, "kpis", change)
    assert_names(load_error(packs_dir), path, "content.kpis[0].category", "指标类别", "'misc'")


def test_maturity_levels_out_of_order(packs_dir):
    def change(d):
        levels = d["content"]["levels"]
        levels[0], levels[1] = levels[1], levels[0]

    path = mutate(packs_dir, "maturity", change)
    assert_names(load_error(packs_dir), path, "content.levels", "等级")


def test_window_opens_after_it_closes(packs_dir):
    def change(d):
        d["content"]["window"]["opens"] = "2026-03-20"

    path = mutate(packs_dir, "call", change)
    assert_names(load_error(packs_dir), path, "content.window", "晚于")


def test_window_of_one_day_is_fine(packs_dir):
    def change(d):
        d["content"]["window"]["opens"] = d["content"]["window"]["closes"]

    mutate(packs_dir, "call", change)
    policy = CallPolicy.resolve(PackLibrary.from_directory(packs_dir), CALL_ID)
    assert policy.window_opens == policy.window_closes


@pytest.mark.parametrize("bad_date", ["2026-02-30", "2026-1-22"])
def test_invalid_date_is_refused_with_the_key_named(packs_dir, bad_date):
    def change(d):
        d["content"]["window"]["opens"] = bad_date

    path = mutate(packs_dir, "call", change)
    with pytest.raises(PackError) as excinfo:
        CallPolicy.resolve(PackLibrary.from_directory(packs_dir), CALL_ID)
    assert_names(excinfo.value, path, "content.window.opens", bad_date)


def test_file_under_the_wrong_directory(packs_dir):
    wrong = packs_dir / "kpis-2024" / "2025.1.yaml"
    wrong.parent.mkdir()
    (packs_dir / PACK_FILES["kpis"]).rename(wrong)
    assert_names(load_error(packs_dir), wrong, "pack.id/pack.version", "kpis-2025/2025.1.yaml")


def test_file_named_after_the_wrong_version(packs_dir):
    wrong = packs_dir / "kpis-2025" / "2025.2.yaml"
    shutil.copy(packs_dir / PACK_FILES["kpis"], wrong)  # header still says 2025.1
    assert_names(load_error(packs_dir), wrong, "pack.id/pack.version", "kpis-2025/2025.1.yaml")


def test_duplicate_pack_id_and_version_in_one_library(tmp_path):
    copies = []
    for name in ("a", "b"):
        target = tmp_path / name / "kpis-2025" / "2025.1.yaml"
        target.parent.mkdir(parents=True)
        shutil.copy(DEFAULT_PACKS_DIR / PACK_FILES["kpis"], target)
        copies.append(load_pack_file(target))
    with pytest.raises(PackError) as excinfo:
        PackLibrary(copies)
    error = excinfo.value
    assert error.path == copies[1].path
    assert "kpis-2025@2025.1" in error.problem and "重复" in error.problem
    assert copies[0].path in str(error)  # points at the other copy too


def test_missing_directory(tmp_path):
    error = load_error(tmp_path / "nope")
    assert "策略包目录不存在" in str(error) and str(tmp_path / "nope") in str(error)


def test_unreadable_file_is_a_pack_error(packs_dir):
    path = packs_dir / PACK_FILES["kpis"]
    path.write_bytes(b"\xff\xfe\x00broken")
    assert_names(load_error(packs_dir), path, "（文件顶层）", "无法读取文件")


# --- calls and their pinned packs ---------------------------------------------------------------


def test_call_pinning_a_version_that_does_not_exist(packs_dir):
    def change(d):
        d["content"]["packs"]["kpis"]["version"] = "2099.1"

    mutate(packs_dir, "call", change)
    library = PackLibrary.from_directory(packs_dir)  # every file on its own is fine
    with pytest.raises(PackError) as excinfo:
        CallPolicy.resolve(library, CALL_ID)
    assert "kpis-2025@2099.1" in str(excinfo.value)
    assert "不存在" in str(excinfo.value)


def test_missing_pinned_version_names_the_call_file_and_key(packs_dir):
    def change(d):
        d["content"]["packs"]["kpis"]["version"] = "2099.1"

    path = mutate(packs_dir, "call", change)
    with pytest.raises(PackError) as excinfo:
        CallPolicy.resolve(PackLibrary.from_directory(packs_dir), CALL_ID)
    assert_names(excinfo.value, path, "content.packs.kpis", "2099.1")


def test_call_pinning_a_pack_of_the_wrong_kind(packs_dir):
    def change(d):
        d["content"]["packs"]["kpis"] = {"id": "taxonomy-2025", "version": "2025.1"}

    path = mutate(packs_dir, "call", change)
    with pytest.raises(PackError) as excinfo:
        CallPolicy.resolve(PackLibrary.from_directory(packs_dir), CALL_ID)
    assert_names(excinfo.value, path, "content.packs.kpis", "taxonomy", "kpis")


def test_call_whose_tier_is_not_in_the_tiers_pack(packs_dir):
    def change(d):
        d["content"]["tier"] = "gold"

    path = mutate(packs_dir, "call", change)
    library = PackLibrary.from_directory(packs_dir)
    with pytest.raises(PackError) as excinfo:
        CallPolicy.resolve(library, CALL_ID)
    assert_names(excinfo.value, path, "content.tier", "'gold'", "等级")


def test_tier_requiring_a_domain_the_taxonomy_lacks(packs_dir):
    def change(d):
        d["content"]["tiers"][0]["required_domains"] = ["marketing"]

    path = mutate(packs_dir, "tiers", change)
    with pytest.raises(PackError) as excinfo:
        CallPolicy.resolve(PackLibrary.from_directory(packs_dir), CALL_ID)
    assert_names(excinfo.value, path, "content.tiers.basic", "'marketing'")


def test_resolving_a_pack_that_is_not_a_call(packs_dir):
    with pytest.raises(PackError) as excinfo:
        CallPolicy.resolve(PackLibrary.from_directory(packs_dir), "kpis-2025")
    assert "不是申报批次" in str(excinfo.value)


def test_unknown_pack_in_library():
    library = PackLibrary.from_directory(DEFAULT_PACKS_DIR)
    with pytest.raises(PackError, match="找不到策略包 nope@1"):
        library.get("nope", "1")
    with pytest.raises(PackError, match="找不到策略包 nope"):
        library.latest("nope")


# --- good libraries -----------------------------------------------------------------------------


def test_the_real_library_loads():
    library = PackLibrary.from_directory(DEFAULT_PACKS_DIR)
    refs = {pack.kind: pack.ref for pack in library}
    assert refs == {
        "call": "call-tianmen-2026-basic@2026.4", "kpis": "kpis-2025@2025.1",
        "maturity": "maturity-gbt39116@2020.1", "taxonomy": "taxonomy-2025@2025.1", "tiers": "tiers-2025@2025.1",
    }
    assert [pack.ref for pack in library.calls()] == ["call-tianmen-2026-basic@2026.1",
                                                      "call-tianmen-2026-basic@2026.2",
                                                      "call-tianmen-2026-basic@2026.3",
                                                      "call-tianmen-2026-basic@2026.4"]
    policy = CallPolicy.resolve(library, CALL_ID)
    assert policy.versions == {kind: refs[kind] for kind in ("call", "taxonomy", "tiers", "kpis", "maturity")}
    assert policy.code == "tianmen-2026-basic"


def test_a_copied_library_loads_the_same(packs_dir):
    ours = {pack.ref: pack.sha256 for pack in PackLibrary.from_directory(packs_dir)}
    real = {pack.ref: pack.sha256 for pack in PackLibrary.from_directory(DEFAULT_PACKS_DIR)}
    assert ours == real


def _add_version(packs_dir: Path, kind: str, version: str, change=None) -> Path:
    source = packs_dir / PACK_FILES[kind]
    document = read(source)
    document["pack"]["version"] = version
    if change:
        change(document)
    target = source.parent / f"{version}.yaml"
    write(target, document)
    return target


def test_latest_compares_versions_numerically(packs_dir):
    for version in ("2025.9", "2025.10", "2025.2"):
        _add_version(packs_dir, "kpis", version)
    library = PackLibrary.from_directory(packs_dir)
    assert library.latest("kpis-2025").version == "2025.10"
    kpi_versions = [pack.version for pack in library if pack.id == "kpis-2025"]
    assert kpi_versions == ["2025.1", "2025.2", "2025.9", "2025.10"]


def test_latest_call_version_is_resolved_by_default(packs_dir):
    def change(d):
        d["content"]["title"] = "天门市2026年度基础级智能工厂申报（修订）"

    _add_version(packs_dir, "call", "2026.10", change)
    _add_version(packs_dir, "call", "2026.9")
    library = PackLibrary.from_directory(packs_dir)
    policy = CallPolicy.resolve(library, CALL_ID)
    assert policy.call.version == "2026.10"
    assert policy.call.content["title"].endswith("（修订）")
    assert CallPolicy.resolve(library, CALL_ID, "2026.1").call.version == "2026.1"


def test_content_hash_is_stable_and_ignores_formatting(packs_dir):
    path = packs_dir / PACK_FILES["taxonomy"]
    first = load_pack_file(path)
    assert load_pack_file(path).sha256 == first.sha256
    assert first.sha256 == content_hash(read(path))
    assert re.fullmatch(r"[0-9a-f]{64}", first.sha256)
    # Rewriting the same data (comments dropped, different layout and key order) keeps the hash.
    document = read(path)
    document = {"content": document["content"], "pack": document["pack"]}
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=True, width=40), encoding="utf-8")
    assert load_pack_file(path).sha256 == first.sha256


def test_content_hash_changes_when_content_changes(packs_dir):
    before = load_pack_file(packs_dir / PACK_FILES["taxonomy"]).sha256

    def change(d):
        d["content"]["scenarios"][23]["name"] = "在线智能检验"

    path = mutate(packs_dir, "taxonomy", change)
    after = load_pack_file(path)
    assert after.sha256 != before
    assert after.content["scenarios"][23]["name"] == "在线智能检验"


def test_content_hash_changes_when_header_changes(packs_dir):
    before = load_pack_file(packs_dir / PACK_FILES["kpis"]).sha256

    def change(d):
        d["pack"]["sources"][0]["grade"] = "B"

    assert load_pack_file(mutate(packs_dir, "kpis", change)).sha256 != before


def test_dates_stay_strings(packs_dir):
    quoted = load_pack_file(packs_dir / PACK_FILES["call"])
    assert quoted.content["window"]["opens"] == "2026-01-22"
    assert quoted.content["window"]["closes"] == "2026-03-15"
    assert quoted.content["township_deadline"]["date"] == "2026-03-01"

    path = packs_dir / PACK_FILES["call"]
    text = path.read_text(encoding="utf-8")
    for day in ("2026-01-22", "2026-03-15", "2026-03-01"):
        assert f'"{day}"' in text
        text = text.replace(f'"{day}"', day)  # unquoted: plain YAML would read a date object
    path.write_text(text, encoding="utf-8")
    unquoted = load_pack_file(path)
    assert unquoted.content["window"]["opens"] == "2026-01-22"
    assert isinstance(unquoted.content["township_deadline"]["date"], str)
    assert unquoted.sha256 == quoted.sha256


def test_parse_pack_accepts_a_document_in_memory():
    document = read(DEFAULT_PACKS_DIR / PACK_FILES["maturity"])
    pack = parse_pack(document)
    assert pack.ref == "maturity-gbt39116@2020.1" and pack.kind == "maturity"
    assert pack.content == document["content"]
    assert pack.sha256 == load_pack_file(DEFAULT_PACKS_DIR / PACK_FILES["maturity"]).sha256


@pytest.mark.parametrize("kind", sorted(PACK_FILES))
def test_as_document_round_trips_what_was_hashed(kind):
    path = DEFAULT_PACKS_DIR / PACK_FILES[kind]
    pack = load_pack_file(path)
    assert pack.as_document() == read(path)
    assert content_hash(pack.as_document()) == pack.sha256
