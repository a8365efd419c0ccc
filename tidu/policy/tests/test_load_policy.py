"""`load_policy` stores pack snapshots and the call; calls keep the pack versions they pin; the call pages."""

import datetime as dt
import shutil
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.core.management import CommandError, call_command

from tidu.policy import selectors
from tidu.policy.loader import DEFAULT_PACKS_DIR, PackLibrary, content_hash
from tidu.policy.models import Call, PolicyPack

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
CODE = "tianmen-2026-basic"
PINNED = {"taxonomy-2025@2025.1", "tiers-2025@2025.1", "kpis-2025@2025.1", "maturity-gbt39116@2020.1"}
CURRENT_CALL = "call-tianmen-2026-basic@2026.4"
# 2026.1 stays in the library: a published version is never removed (applications may be pinned to it).
ALL_REFS = PINNED | {"call-tianmen-2026-basic@2026.1", "call-tianmen-2026-basic@2026.2",
                     "call-tianmen-2026-basic@2026.3", CURRENT_CALL}
PACK_FILES = {
    "taxonomy": "taxonomy-2025/2025.1.yaml",
    "tiers": "tiers-2025/2025.1.yaml",
    "kpis": "kpis-2025/2025.1.yaml",
    "maturity": "maturity-gbt39116/2020.1.yaml",
    "call": "call-tianmen-2026-basic/2026.4.yaml",
}


def load(directory=None) -> str:
    out = StringIO()
    args = ["--dir", str(directory)] if directory else []
    call_command("load_policy", *args, stdout=out)
    return out.getvalue()


def snapshot():
    """Everything stored, to compare before and after a failed load."""
    packs = {row.ref: (row.sha256, row.document, row.loaded_at) for row in PolicyPack.objects.all()}
    calls = {call.code: (call.call_pack.ref, call.opens_at, call.closes_before, call.policy_sha256,
                         sorted(p.ref for p in call.pinned_packs.all())) for call in Call.objects.all()}
    return packs, calls


@pytest.fixture
def packs_dir(tmp_path):
    target = tmp_path / "packs"
    shutil.copytree(DEFAULT_PACKS_DIR, target)
    return target


def read(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(path: Path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def new_version(packs_dir: Path, kind: str, version: str, change) -> Path:
    """Write ``version`` of a pack next to the shipped one, with ``change`` applied."""
    source = packs_dir / PACK_FILES[kind]
    document = read(source)
    document["pack"]["version"] = version
    change(document)
    target = source.parent / f"{version}.yaml"
    write(target, document)
    return target


def rename_sc24(name):
    def change(document):
        scenario = document["content"]["scenarios"][23]
        assert scenario["id"] == "SC24"
        scenario["name"] = name
    return change


# --- loading --------------------------------------------------------------------------------------


def test_load_policy_stores_the_packs_and_the_call():
    out = load()
    assert PolicyPack.objects.count() == len(ALL_REFS)
    assert {row.ref for row in PolicyPack.objects.all()} == ALL_REFS
    for ref in sorted(ALL_REFS):
        assert f"载入 {ref}" in out
    assert f"申报批次 {CODE} 已就绪" in out

    call = Call.objects.get()
    assert call.code == CODE
    assert call.title == "天门市2026年度基础级智能工厂申报"
    assert call.year == 2026
    assert call.region == "湖北省天门市"
    assert call.tier == "基础级"
    assert call.opens_at == dt.datetime(2026, 1, 22, 0, 0, tzinfo=SHANGHAI)
    assert call.closes_before == dt.datetime(2026, 3, 16, 0, 0, tzinfo=SHANGHAI)
    assert call.township_deadline_before == dt.datetime(2026, 3, 2, 0, 0, tzinfo=SHANGHAI)
    # The same instants in UTC: the +08:00 offset was applied, not dropped.
    assert call.opens_at == dt.datetime(2026, 1, 21, 16, 0, tzinfo=dt.UTC)
    assert call.closes_before == dt.datetime(2026, 3, 15, 16, 0, tzinfo=dt.UTC)
    assert call.township_deadline_before == dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC)
    assert call.call_pack.ref == CURRENT_CALL
    assert {p.ref for p in call.pinned_packs.all()} == PINNED


def test_stored_rows_match_the_files():
    load()
    for pack in PackLibrary.from_directory(DEFAULT_PACKS_DIR):
        row = PolicyPack.objects.get(pack_id=pack.id, version=pack.version)
        assert row.kind == pack.kind
        assert row.title == pack.title
        assert row.sha256 == pack.sha256
        assert row.document["content"] == pack.content
        assert row.document["pack"]["sources"] == list(pack.sources)


def test_stored_snapshot_is_the_hashed_document():
    load()
    for row in PolicyPack.objects.all():
        assert content_hash(row.document) == row.sha256, row.ref


def test_loading_twice_is_idempotent():
    load()
    before = snapshot()
    call_id = Call.objects.get().pk
    out = load()
    assert f"未变化 {len(ALL_REFS)} 个策略包" in out
    assert "载入 " not in out
    assert f"申报批次 {CODE} 已就绪" in out
    assert PolicyPack.objects.count() == len(ALL_REFS)
    assert Call.objects.count() == 1
    assert Call.objects.get().pk == call_id
    assert snapshot() == before


def test_changed_content_under_a_published_version_is_refused(packs_dir):
    load()
    before = snapshot()
    # A new kpis version (stored before tiers in load order) and an edited tiers 2025.1 in the same library.
    new_version(packs_dir, "kpis", "2025.2", lambda d: None)
    tiers = packs_dir / PACK_FILES["tiers"]
    document = read(tiers)
    document["content"]["basic_requirements"][0]["text"] += "（已修改）"
    write(tiers, document)

    with pytest.raises(CommandError) as excinfo:
        load(packs_dir)
    message = str(excinfo.value)
    assert "tiers-2025@2025.1" in message
    assert "提高版本号" in message
    assert str(tiers) in message
    # Rolled back as a whole: kpis 2025.2 was not kept either.
    assert snapshot() == before
    assert not PolicyPack.objects.filter(pack_id="kpis-2025", version="2025.2").exists()


def test_bad_pack_directory_gives_the_chinese_pack_error(packs_dir):
    taxonomy = packs_dir / PACK_FILES["taxonomy"]
    document = read(taxonomy)
    document["content"]["scenarios"][4]["link"] = "nowhere"
    write(taxonomy, document)
    with pytest.raises(CommandError) as excinfo:
        load(packs_dir)
    message = str(excinfo.value)
    assert str(taxonomy) in message
    assert "content.scenarios[4].link" in message
    assert "引用了不存在的环节 'nowhere'" in message
    assert PolicyPack.objects.count() == 0 and Call.objects.count() == 0


def test_missing_pack_directory(tmp_path):
    with pytest.raises(CommandError, match="策略包目录不存在"):
        load(tmp_path / "nope")


def test_call_pinning_a_missing_version_is_a_command_error(packs_dir):
    call = packs_dir / PACK_FILES["call"]
    document = read(call)
    document["content"]["packs"]["maturity"]["version"] = "2099.1"
    write(call, document)
    with pytest.raises(CommandError, match="maturity-gbt39116@2099.1"):
        load(packs_dir)
    assert PolicyPack.objects.count() == 0 and Call.objects.count() == 0


# --- calls keep their pinned versions -------------------------------------------------------------


def test_call_policy_comes_from_the_database_snapshot(packs_dir):
    load(packs_dir)
    call = Call.objects.get()
    # Change the file in place afterwards (without loading it): the call must not notice.
    taxonomy = packs_dir / PACK_FILES["taxonomy"]
    document = read(taxonomy)
    rename_sc24("在线智能检验")(document)
    write(taxonomy, document)
    shutil.rmtree(packs_dir / "kpis-2025")

    policy = selectors.call_policy_for(call)
    assert policy.versions == {"call": CURRENT_CALL, "taxonomy": "taxonomy-2025@2025.1",
                               "tiers": "tiers-2025@2025.1", "kpis": "kpis-2025@2025.1",
                               "maturity": "maturity-gbt39116@2020.1"}
    assert policy.scenario_map["SC24"]["name"] == "在线智能检测"
    assert policy.kpis.path == "db:kpis-2025@2025.1"
    assert len(policy.kpi_map) == 20
    assert policy.sha256 == call.policy_sha256
    assert policy.opens_at == call.opens_at
    assert len(policy.conditions) == 9


def test_new_pack_version_does_not_change_an_already_pinned_call(packs_dir):
    load()
    call = Call.objects.get()
    old_policy_sha = call.policy_sha256

    new_version(packs_dir, "taxonomy", "2025.2", rename_sc24("在线智能检验"))
    out = load(packs_dir)
    assert "载入 taxonomy-2025@2025.2" in out
    assert f"未变化 {len(ALL_REFS)} 个策略包" in out
    assert PolicyPack.objects.count() == len(ALL_REFS) + 1

    call = Call.objects.get()
    assert {p.ref for p in call.pinned_packs.all()} == PINNED
    assert call.policy_sha256 == old_policy_sha
    policy = selectors.call_policy_for(call)
    assert policy.taxonomy.version == "2025.1"
    assert policy.scenario_map["SC24"]["name"] == "在线智能检测"


def test_re_versioned_call_pack_moves_the_call_to_its_new_pins(packs_dir):
    load()
    old_sha = Call.objects.get().policy_sha256
    new_version(packs_dir, "taxonomy", "2025.2", rename_sc24("在线智能检验"))

    def pin_new_taxonomy(document):
        document["content"]["packs"]["taxonomy"]["version"] = "2025.2"

    new_version(packs_dir, "call", "2026.5", pin_new_taxonomy)
    load(packs_dir)

    assert Call.objects.count() == 1
    call = Call.objects.get()
    assert call.call_pack.ref == "call-tianmen-2026-basic@2026.5"
    assert "taxonomy-2025@2025.2" in {p.ref for p in call.pinned_packs.all()}
    assert "taxonomy-2025@2025.1" not in {p.ref for p in call.pinned_packs.all()}
    assert call.policy_sha256 != old_sha
    assert selectors.call_policy_for(call).scenario_map["SC24"]["name"] == "在线智能检验"
    # The old call versions are still stored, so verdicts given under them can be re-explained.
    assert PolicyPack.objects.filter(pack_id="call-tianmen-2026-basic", version="2026.4").exists()


# --- pages ----------------------------------------------------------------------------------------


def test_home_page_without_calls(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "尚未载入任何申报批次" in response.content.decode()


def test_home_page_lists_the_call(client):
    load()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "天门市2026年度基础级智能工厂申报" in html
    assert f'href="/calls/{CODE}/"' in html
    assert "湖北省天门市" in html and "基础级" in html
    assert "2026年1月22日" in html and "2026年3月15日" in html
    assert "2026年1月21日" not in html


@pytest.fixture
def detail_html(client):
    load()
    response = client.get(f"/calls/{CODE}/")
    assert response.status_code == 200
    return response.content.decode()


def test_call_page_shows_the_nine_conditions(detail_html, policy):
    assert "申报条件" in detail_html
    conditions = policy.call.content["conditions"]
    assert len(conditions) == 9
    for condition in conditions:
        assert condition["clause"] in detail_html
        assert condition["text"] in detail_html, condition["clause"]


def test_call_page_shows_the_window_in_beijing_time(detail_html):
    assert "2026年1月22日-3月15日" in detail_html  # the seed's own wording
    # Dates shown are Beijing dates: the first day, the last day (inclusive) and the township deadline.
    assert "2026年1月22日" in detail_html
    assert "2026年3月15日" in detail_html
    assert "2026年3月1日" in detail_html
    # A UTC slip would show the day before the window opens.
    assert "2026年1月21日" not in detail_html and "2026-01-21" not in detail_html


def test_call_page_shows_scenarios_kpis_and_maturity(detail_html, policy):
    assert "在线智能检测" in detail_html
    for scenario in policy.scenario_map.values():
        assert scenario["name"] in detail_html, scenario["id"]
    assert "产品不良率下降" in detail_html
    for kpi in policy.kpi_map.values():
        assert kpi["name"] in detail_html, kpi["id"]
    for name in ("规划级", "规范级", "集成级", "优化级", "引领级"):
        assert name in detail_html
    for requirement in policy.basic_requirements.values():
        assert requirement in detail_html


def test_call_page_shows_the_pinned_versions(detail_html):
    for ref in (PINNED | {CURRENT_CALL}):
        assert ref in detail_html


def test_call_page_shows_the_snapshot_not_the_newer_pack(client, packs_dir):
    load()
    new_version(packs_dir, "taxonomy", "2025.2", rename_sc24("在线智能检验"))
    load(packs_dir)
    html = client.get(f"/calls/{CODE}/").content.decode()
    assert "在线智能检测" in html
    assert "在线智能检验" not in html


def test_unknown_call_is_404(client):
    load()
    assert client.get("/calls/wuhan-2026-basic/").status_code == 404


def test_call_page_before_loading_is_404(client):
    assert client.get(f"/calls/{CODE}/").status_code == 404


def test_a_load_that_adds_pack_versions_is_recorded_once_and_a_repeat_is_not(packs_dir):
    from tidu.core.models import AuditEntry

    load()
    entry, = AuditEntry.objects.filter(action="policy.load")
    assert entry.actor is None and entry.object_id == CODE
    assert set(entry.detail["created"]) == ALL_REFS and entry.detail["calls"][CODE]["call"] == CURRENT_CALL
    load()
    assert AuditEntry.objects.filter(action="policy.load").count() == 1
