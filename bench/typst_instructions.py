"""Instruction counts of the 申报书's Typst compile, for comparing template variants (run on demand).

CPU time on a shared machine does not follow the work done; callgrind's instruction counts do. Two steps:

    # 1. the bench's payloads (as documents_bench.py builds them: a different enterprise in each), as JSON
    PYTHONPATH=$PWD .venv/bin/python bench/typst_instructions.py dump /tmp/payloads.json
    # 2. per variant: 1 and 3 compiles under callgrind; per document = (3 compiles - 1 compile) / 2
    PYTHONPATH=$PWD .venv/bin/python bench/typst_instructions.py count TEMPLATE.typ /tmp/payloads.json

``run TEMPLATE PAYLOADS N [OUT_PREFIX]`` compiles N documents without Django (``typst.Fonts`` and one
``typst.Compiler`` as in typst_engine.py, one rayon thread) and optionally writes the PDFs, for comparing pages
(``pdftoppm -r 50``, ``pdftotext -layout``). The first compile also hashes the font files, hence the
difference of two runs. The bench's documents differ only in the enterprise's name and code and one sentence, so
Typst's memoisation reuses some layout between them (and the font subsets when the glyphs appear in the same
order): compare variants by the same method, and look at the one-compile count too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("RAYON_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent


def dump(out: str, count: int = 4) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import documents_bench

    policy = documents_bench._setup()
    from tidu.documents import typst_engine
    from tidu.documents.pdf import dossier_payload

    setup = typst_engine.font_setup()
    payloads = []
    for dossier in documents_bench._dossiers(policy, count):
        data = {"config": {"mode": "application", "parts": [], "starts": {}}, "dossier": dossier_payload(dossier)}
        payloads.append(typst_engine._payload_json(setup, data, with_long_runs=True))
    Path(out).write_text(json.dumps({"fontdir": str(setup.path.parent), "payloads": payloads}, ensure_ascii=False),
                         encoding="utf-8")


def run(template: str, payloads: str, n: int, out_prefix: str | None = None) -> None:
    import typst

    data = json.loads(Path(payloads).read_text(encoding="utf-8"))
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=[data["fontdir"]])
    compiler = typst.Compiler(font_paths=fonts, root=str(Path(template).resolve().parent))
    source = Path(template).read_bytes()
    for i in range(n):
        pdf = compiler.compile(input=source, format="pdf", sys_inputs={"data": data["payloads"][i]}, pdf_tags=False)
        if out_prefix:
            Path(f"{out_prefix}{i}.pdf").write_bytes(pdf)


def count(template: str, payloads: str) -> None:
    totals = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, 3):
            done = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.{n}",
                                   sys.executable, __file__, "run", template, payloads, str(n)],
                                  capture_output=True, text=True, check=True)
            totals[n] = int(re.search(r"Collected : (\d+)", done.stderr).group(1))
    print(f"{template}: one compile {totals[1] / 1e6:.1f} M, three {totals[3] / 1e6:.1f} M, "
          f"per document {(totals[3] - totals[1]) / 2e6:.1f} M instructions")


def main() -> None:
    command, *args = sys.argv[1:] or ["help"]
    if command == "dump":
        dump(*args)
    elif command == "run":
        run(args[0], args[1], int(args[2]), *args[3:])
    elif command == "count":
        count(*args)
    else:
        print(__doc__)


if __name__ == "__main__":
    main()
