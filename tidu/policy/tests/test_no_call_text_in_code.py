"""Policy drives the clauses: no region or call wording of a call in the project's Python code.

Every call-specific fact (region, dates, thresholds, clause texts and what each clause means) lives in the policy
packs (tidu/policy/packs/) and their frozen declarations (tidu/policy/declarations/). Left out of the scan: tests,
migrations, the browser tests (e2e), and the demo and sample data (demo.py, testing.py, sample.py), which are
example records of one city, not rules.
"""

import re
from pathlib import Path

import tidu

ROOT = Path(tidu.__file__).resolve().parent
EXAMPLE_DATA = {"demo.py", "testing.py", "sample.py"}
# The seed call's city, province and 行政区划代码 (alone, not inside a sample 统一社会信用代码).
CALL_TEXT = re.compile(r"天门|湖北省|(?<![0-9A-Z])429006(?![0-9])")


def code_files():
    for path in ROOT.rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & {"tests", "migrations", "e2e"} or path.name in EXAMPLE_DATA or path.name.startswith("test_"):
            continue
        yield path


def test_no_region_or_call_text_in_python():
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in code_files()
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if CALL_TEXT.search(line)]
    assert found == [], "call text in Python (move it into the call's policy pack):\n" + "\n".join(found)


def test_the_scan_sees_the_code():
    names = {path.name for path in code_files()}
    assert {"engine.py", "rules.py", "sections.py", "dossier.py", "checklist.py", "formal.py"} <= names
