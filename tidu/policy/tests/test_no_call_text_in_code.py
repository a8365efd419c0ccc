"""Policy drives the clauses, data holds the examples: no region or call wording of a call in the project's Python.

Every call-specific fact (region, dates, thresholds, clause texts and what each clause means) lives in the policy
packs (tidu/policy/packs/, the example call in tidu/policy/examples/) and their frozen declarations
(tidu/policy/declarations/); the demo's and the test-data builder's example records of a city (units, officers,
enterprises, people, the call they belong to) live in tidu/core/demo_data/*.yaml (docs/demo-data.md).

Scanned: every Python file under tidu/, the demo loaders (demo.py, example_call_demo.py), the test-data builders
(tidu/testing.py, tidu/<app>/testing.py) and the sample application (tidu/documents/sample.py) included.
Exempt, and only these:
* test code — files in a ``tests/`` or ``e2e/`` directory, ``test_*.py`` and ``conftest.py``: a test may name a
  call, a city or a credit code to check that call's behaviour;
* migrations — the schema's history as applied (0001 once gave 登记注册地 a city default; applied migrations are
  never rewritten).
"""

import re
from pathlib import Path

import tidu
from tidu.core.demo import DEMO_DATA_DIR, demo_data
from tidu.policy.loader import DEFAULT_PACKS_DIR, load_pack_file

ROOT = Path(tidu.__file__).resolve().parent
TEST_DIRS = {"tests", "e2e"}
# The two calls in the repository: the seed (天门市, 湖北省, 行政区划代码 429006) and the example call (青岛市崂山区,
# 山东省, 370211/370212), by their Chinese names, region codes (also inside a 统一社会信用代码) and call codes.
CALL_TEXT = re.compile(r"天门|湖北|山东|青岛|崂山|429006|37021[0-9]|tianmen|qingdao|laoshan|hubei|shandong",
                       re.IGNORECASE)


def exempt(path: Path) -> bool:
    relative = path.relative_to(ROOT)
    return (bool(set(relative.parts[:-1]) & (TEST_DIRS | {"migrations"}))
            or path.name.startswith("test_") or path.name == "conftest.py")


def code_files():
    for path in ROOT.rglob("*.py"):
        if not exempt(path):
            yield path


def test_no_region_or_call_text_in_python():
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in code_files()
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if CALL_TEXT.search(line)]
    assert found == [], ("call text in Python (rules go into the call's policy pack, example records into "
                         "tidu/core/demo_data/):\n" + "\n".join(found))


def test_the_scan_sees_the_code_the_demo_and_the_builders():
    names = {str(path.relative_to(ROOT)) for path in code_files()}
    assert {"eligibility/engine.py", "applications/sections.py", "documents/dossier.py", "onsite/checklist.py",
            "review/formal.py"} <= names
    assert {"accounts/demo.py", "enterprises/demo.py", "applications/demo.py", "review/demo.py",
            "review/example_call_demo.py", "experts/demo.py", "decisions/demo.py", "publicity/demo.py",
            "testing.py", "experts/testing.py", "applications/testing.py", "documents/sample.py",
            "eligibility/management/commands/evaluate.py"} <= names
    assert not any(name.startswith(("e2e/", "core/tests/")) or "/tests/" in name for name in names)


def test_the_pattern_finds_both_calls():
    for text in ("天门市", "湖北省", "山东省青岛市", "崂山区", "91429006MA48T2K61A", "91370212MA3C10000P",
                 '"tianmen-2026-basic"', "qingdao-2026-advanced"):
        assert CALL_TEXT.search(text), text
    for text in ("岳口镇推荐名单", "C3484", "13907281001", "2026-03-15"):
        assert not CALL_TEXT.search(text), text


def test_the_demo_data_names_calls_that_exist():
    """Each demo data file names its call; that call is a pack of the repository (default or example)."""
    codes = {load_pack_file(path).content["code"]
             for path in [*DEFAULT_PACKS_DIR.glob("call-*/*.yaml"), *DEFAULT_PACKS_DIR.parent.glob("examples/*/*.yaml")]}
    files = sorted(path.stem for path in DEMO_DATA_DIR.glob("*.yaml"))
    assert files == ["example_call", "samples", "seed_call"]
    for name in files:
        assert demo_data(name)["call"] in codes, name
