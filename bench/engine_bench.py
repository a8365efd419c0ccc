"""Benchmark of the eligibility engine (run on demand; not a test).

    .venv/bin/python bench/engine_bench.py [--n 3000] [--repeat 3]

Judges the same complete application (``tidu/eligibility/examples/passing-basic.json``, the document the engine
tests start from) under the 2026 Tianmen basic call, ``--n`` times per run, on the two paths: **trusted**
(``evaluate(..., trusted=True)``: a document the project built from cleaned sections, as at submission; no JSON
schema check) and **untrusted** (the JSON schema checked, as for a document entering through the CLI or an import).
Each evaluation gets its own deep copy of the document (made outside the timed region), so nothing is answered
from the previous one's objects. The verdict is also serialised (``Verdict.as_dict()``, what is stored with the
receipt), inside the timed region. Prints evaluations per second in wall-clock and in CPU time (this process only:
the steadier figure on a shared machine), per run and their median, and the ratio trusted / untrusted.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidu.settings")
DOCUMENT = ROOT / "tidu" / "eligibility" / "examples" / "passing-basic.json"


def _run(policy, document, n: int, trusted: bool) -> tuple[float, float]:
    from tidu.eligibility.engine import evaluate

    documents = [copy.deepcopy(document) for _ in range(n)]
    start, start_cpu = time.perf_counter(), time.process_time()
    for doc in documents:
        evaluate(policy, doc, trusted=trusted).as_dict()
    return n / (time.perf_counter() - start), n / (time.process_time() - start_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3000, help="evaluations per run and path")
    parser.add_argument("--repeat", type=int, default=3, help="runs per path (alternating)")
    args = parser.parse_args()

    import django

    django.setup()
    from tidu.eligibility.engine import evaluate
    from tidu.policy.call_policy import load_call_policy

    policy = load_call_policy("call-tianmen-2026-basic")
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    verdict = evaluate(policy, copy.deepcopy(document), trusted=True)
    assert verdict.as_dict() == evaluate(policy, copy.deepcopy(document)).as_dict()  # same verdict on both paths
    print(f"tidu engine bench · Python {platform.python_version()} · {os.cpu_count()} CPUs · "
          f"load average {os.getloadavg()[0]:.2f} · outcome {verdict.outcome} · {len(verdict.findings)} findings")
    _run(policy, document, min(200, args.n), True)  # warm-up (caches, imports)
    results = {"trusted": [], "untrusted": []}
    for _ in range(args.repeat):
        for path in results:
            results[path].append(_run(policy, document, args.n, path == "trusted"))
    for path, runs in results.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(f"{path:<10} evaluations/s wall {statistics.median(walls):>8,.0f} (runs {', '.join(f'{w:,.0f}' for w in walls)})"
              f" · CPU {statistics.median(cpus):>8,.0f} (runs {', '.join(f'{c:,.0f}' for c in cpus)})")
    ratio = statistics.median(c for _, c in results["trusted"]) / statistics.median(c for _, c in results["untrusted"])
    print(f"trusted / untrusted (CPU): {ratio:.2f}× · load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
