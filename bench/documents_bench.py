"""Benchmark of tidu's document renderers (run on demand; not part of the tests).

    .venv/bin/python bench/documents_bench.py [--n 20] [--weasy-n 5] [--rows 10000]

1. 申报书 PDF: renders N PDFs of a realistic application (≈10 pages, 6 scenarios, 20 KPIs; a different
   enterprise in each so nothing is served from a cache) with Typst, and the same content from HTML with
   WeasyPrint; prints the median ms per document and per page, the page counts of both PDFs, and the
   ratio. Time and memory are measured in SEPARATE child processes: tracemalloc slows pure-Python
   WeasyPrint about 3.5× and Typst (native code) hardly at all, so timing with it on overstates the ratio.
   ``--repeat R`` repeats the timed runs and reports the median of the per-run medians. Target: Typst ≥ 30×.
2. 推荐汇总表 XLSX of 10,000 applications: tidu's renderer against tablib; prints seconds and the ratio.
   Target: < 3 s.

WeasyPrint and tablib are bench-only dependencies: pip install -r bench/requirements.txt
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidu.settings")
INSTALL_HINT = "pip install -r bench/requirements.txt"


def _setup():
    import django

    django.setup()
    from tidu.policy.call_policy import load_call_policy

    return load_call_policy("call-tianmen-2026-basic")


def _dossiers(policy, count: int):
    """``count`` realistic dossiers, each of a different enterprise (assembled without a database)."""
    from tidu.documents.dossier import EvidenceFacts
    from tidu.documents.evidence_files import EvidenceInspection
    from tidu.documents.sample import sample_dossier, sample_raw_sections

    evidence = [EvidenceFacts(i, section, topic, f"佐证材料{i:02d}.pdf", "application/pdf", 200_000 + i * 913,
                              f"{i:02x}" * 32, EvidenceInspection("pdf", 1 + i % 4, "", True))
                for i, (section, topic) in enumerate(
                    [("conditions", f"申报条件{n}") for n in range(1, 10)] + [("maturity", "maturity_report")] * 2
                    + [("scenarios", s) for s in ("SC24", "SC27", "SC09", "SC12")], start=1)]
    out = []
    for i in range(count):
        raw = sample_raw_sections(name=f"天门市第{i + 1}精密机械有限公司", credit_code=f"91429006MA49AB{i:04d}")
        raw["scope"]["summary"] += f"\n本项目为第 {i + 1} 号示例。"
        out.append(sample_dossier(policy, raw=raw, evidence=evidence))
    return out


# --- 申报书 PDF: Typst -------------------------------------------------------------------------------------

def _typst_worker(n: int, memory: bool, queue) -> None:
    """Times ``n`` documents (memory=False) or measures the Python heap over them (memory=True), never both."""
    policy = _setup()
    from tidu.documents.pdf import page_count, render_application_pdf

    dossiers = _dossiers(policy, n + 1)
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    first = render_application_pdf(dossiers[0])  # loads the fonts: reported apart
    cold_ms = (time.perf_counter() - start) * 1000
    times, cpu = [], []
    for dossier in dossiers[1:]:
        start, start_cpu = time.perf_counter(), time.process_time()
        render_application_pdf(dossier)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    python_peak = tracemalloc.get_traced_memory()[1] if memory else 0
    tracemalloc.stop()
    queue.put({"times": times, "cpu": cpu, "cold_ms": cold_ms, "pages": page_count(first), "bytes": len(first),
               "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "python_peak_mb": python_peak / 1048576})


# --- 申报书 PDF: WeasyPrint, the same content from HTML -----------------------------------------------------

CSS = """
@page { size: A4; margin: 2.5cm 2.5cm 2.4cm 2.7cm;
        @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页"; font-size: 9pt; } }
body { font-family: "Noto Serif CJK SC"; font-size: 11pt; line-height: 1.5; text-align: justify; }
h1, h2, h3, th, .label { font-family: "Noto Sans CJK SC"; }
h1 { font-size: 15pt; } h2 { font-size: 13pt; } h3 { font-size: 11.5pt; }
.cover { page-break-after: always; text-align: center; padding-top: 2.6cm; }
.cover .title { font-family: "Noto Sans CJK SC"; font-size: 26pt; font-weight: bold; }
.toc { page-break-after: always; } .toc a { color: black; text-decoration: none; }
.toc a::after { content: leader('.') target-counter(attr(href), page); }
table { width: 100%; border-collapse: collapse; margin: 0.5em 0; } td, th { border: 0.5pt solid #777; padding: 4pt 5pt; }
thead { display: table-header-group; } .small { font-size: 9.5pt; } .label { background: #ebebeb; width: 5.2cm; }
.label { font-size: 10pt; } th { font-size: 9.5pt; background: #e1e1e1; }
"""


def dossier_html(dossier) -> str:
    e = html.escape

    def lines(text):
        return "<br>".join(e(part) for part in str(text).split("\n"))

    def items(rows):
        return "<table>" + "".join(f'<tr><td class="label">{e(r.label)}</td><td>{lines(r.value)}</td></tr>'
                                   for r in rows) + "</table>"

    c = dossier.cover
    titles = {s.key: s.title for s in dossier.sections}
    out = [f"<html><head><meta charset='utf-8'><style>{CSS}</style></head><body>",
           f"<div class='cover'><div class='title'>{e(c.title)}</div><p>{e(c.call_title)}</p><table>"]
    for label, value in (("项目（智能工厂）名称", c.project_name), ("申报单位（盖章）", c.enterprise_name),
                         ("统一社会信用代码", c.credit_code), ("所属乡镇（单位）", c.unit_name), ("申报等级", c.tier_name),
                         ("申报日期", c.submission_date), ("回执编号", c.receipt_number), ("校验码", c.verification_code)):
        out.append(f"<tr><td class='label'>{e(label)}：</td><td>{e(value)}</td></tr>")
    out.append(f"</table><p>{e(c.issuer)}</p></div><div class='toc'><h1>目录</h1>")
    for key, title in titles.items():
        out.append(f"<p><a href='#{key}'>{e(title)}</a></p>")
    out.append("<p><a href='#evidence'>附：佐证材料索引</a></p></div>")
    out.append(f"<h1 id='basic'>{e(titles['basic'])}</h1>{items(dossier.basic)}")
    out.append(f"<h1 id='conditions'>{e(titles['conditions'])}</h1><p>系统综合判定：{e(dossier.outcome_label)}</p>")
    for cond in dossier.conditions:
        out.append(f"<table><tr><td class='label'>{e(cond.clause)}</td><td>{lines(cond.clause_text)}</td></tr>"
                   f"<tr><td class='label'>企业申明</td><td>{lines(cond.declaration)}</td></tr>"
                   f"<tr><td class='label'>核验结果</td><td>{e(cond.result_label)} {lines(cond.finding)}</td></tr></table>")
    out.append(f"<h1 id='maturity'>{e(titles['maturity'])}</h1>{items(dossier.maturity)}")
    out.append(f"<h1 id='scope'>{e(titles['scope'])}</h1>{items(dossier.scope)}<p>{lines(dossier.project_summary)}</p>")
    out.append(f"<h1 id='scenarios'>{e(titles['scenarios'])}</h1><p>共建设典型场景 {dossier.scenario_count} 个；"
               f"覆盖环节：{e(dossier.covered_links)}。</p>")
    for group in dossier.scenario_groups:
        out.append(f"<h2>{e(group.title)}</h2>")
        for s in group.scenarios:
            out.append(f"<h3>{e(s.id)} {e(s.name)}（{e(s.link_name)}）</h3><table>"
                       f"<tr><td class='label'>建设内容</td><td>{lines(s.description)}</td></tr>"
                       f"<tr><td class='label'>应用的装备与软件</td><td>{lines(s.equipment_software)}</td></tr>"
                       f"<tr><td class='label'>应用人工智能技术</td><td>{s.uses_ai_label}</td></tr></table>")
    out.append(f"<h1 id='equipment'>{e(titles['equipment'])}</h1><table class='small'><thead><tr><th>序号</th><th>名称</th>"
               "<th>类别</th><th>型号/版本</th><th>供应商</th><th>国产/进口</th><th>安全可控</th></tr></thead>")
    for row in dossier.equipment:
        out.append("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in (row.number, row.name, row.category, row.model,
                                                                        row.vendor, row.origin,
                                                                        row.secure_controllable)) + "</tr>")
    out.append(f"</table><h1 id='kpis'>{e(titles['kpis'])}</h1><table class='small'><thead><tr><th>序号</th>"
               "<th>指标</th><th>计算依据</th><th>计算结果</th></tr></thead>")
    for k in dossier.kpis:
        basis = "<br>".join(e(i.display) for i in k.inputs)
        out.append(f"<tr><td>{k.number}</td><td>{e(k.name)}（{e(k.unit)}）</td><td>{basis}<br>"
                   f"<small>{e(k.expression)}</small></td><td>{e(k.result)}</td></tr>")
    out.append(f"</table><h1 id='organisation'>{e(titles['organisation'])}</h1>{items(dossier.organisation)}")
    a = dossier.attestation
    out.append(f"<h1 id='attestation'>{e(titles['attestation'])}</h1><p>{e(a.statement)}</p><table>"
               f"<tr><td class='label'>承诺人（法定代表人或授权人）</td><td>{e(a.signer_name)}</td></tr>"
               f"<tr><td class='label'>承诺时间</td><td>{e(a.attested_at)}</td></tr></table>"
               # The signature block of the Typst template (application.typ), so both carry the same content.
               "<p style='text-align: right; margin-top: 1.2cm'>申报单位（盖章）：<span style='padding-left: 6em'></span></p>"
               "<p style='text-align: right'>法定代表人（签字）：<span style='padding-left: 6em'></span></p>"
               "<p style='text-align: right'>日期：<span style='padding-left: 2em'></span>年"
               "<span style='padding-left: 2em'></span>月<span style='padding-left: 2em'></span>日</p>")
    out.append("<h1 id='evidence' style='page-break-before: always'>附：佐证材料索引</h1><table class='small'><thead><tr>"
               "<th>序号</th><th>所属部分</th><th>佐证事项</th><th>文件名</th><th>大小</th><th>SHA-256</th><th>说明</th>"
               "</tr></thead>")
    for v in dossier.evidence:
        out.append(f"<tr><td>{v.number}</td><td>{e(v.section_title)}</td><td>{e(v.topic)}</td><td>{e(v.name)}</td>"
                   f"<td>{e(v.size_display)}</td><td style='word-break: break-all; font-size: 6.5pt'>{v.sha256}</td>"
                   f"<td>{e(v.note)}</td></tr>")
    out.append("</table></body></html>")
    return "".join(out)


def _weasy_worker(n: int, memory: bool, queue) -> None:
    try:
        import weasyprint
    except ImportError:
        queue.put({"missing": True})
        return
    policy = _setup()
    import logging

    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from tidu.documents.pdf import page_count

    dossiers = _dossiers(policy, n + 1)
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    first = weasyprint.HTML(string=dossier_html(dossiers[0])).write_pdf()
    cold_ms = (time.perf_counter() - start) * 1000
    times, cpu = [], []
    for dossier in dossiers[1:]:
        start, start_cpu = time.perf_counter(), time.process_time()
        weasyprint.HTML(string=dossier_html(dossier)).write_pdf()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    python_peak = tracemalloc.get_traced_memory()[1] if memory else 0
    tracemalloc.stop()
    queue.put({"times": times, "cpu": cpu, "cold_ms": cold_ms, "pages": page_count(first), "bytes": len(first),
               "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "python_peak_mb": python_peak / 1048576, "version": weasyprint.__version__})


def _in_child(target, n: int, memory: bool = False) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(n, memory, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


# --- 汇总表 XLSX ------------------------------------------------------------------------------------------

def bench_xlsx(rows_count: int, repeats: int = 3) -> None:
    policy = _setup()
    import datetime as dt

    from tidu.documents.dossier import SUMMARY_COLUMNS
    from tidu.documents.sample import sample_dossier
    from tidu.documents.xlsx import render_summary_xlsx

    base = sample_dossier(policy).summary_row
    rows = [dataclasses.replace(base, enterprise_name=f"天门市第{i}精密机械有限公司", credit_code=f"91429006MA{i:08d}",
                                scenario_count=3 + i % 7, ai_scenario_count=i % 3).numbered(i)
            for i in range(1, rows_count + 1)]
    ours = []
    size = 0
    for _ in range(repeats):
        start = time.perf_counter()
        data = render_summary_xlsx(rows, title="天门市2026年度基础级智能工厂项目推荐汇总表", unit_name="天门市经济和信息化局",
                                   date=dt.date(2026, 3, 15))
        ours.append(time.perf_counter() - start)
        size = len(data)
    ours_s = statistics.median(ours)
    print(f"\n汇总表 XLSX, {rows_count} rows: tidu {ours_s:.2f} s (median of {repeats}; {size / 1048576:.1f} MB) "
          f"— target < 3 s: {'OK' if ours_s < 3 else 'MISSED'}")
    try:
        import tablib
    except ImportError:
        print(f"  tablib not installed; for the comparison: {INSTALL_HINT}")
        return
    theirs = []
    for _ in range(repeats):
        start = time.perf_counter()
        dataset = tablib.Dataset(headers=[h for _, h, _ in SUMMARY_COLUMNS])
        for row in rows:
            dataset.append(row.values())
        dataset.export("xlsx")
        theirs.append(time.perf_counter() - start)
    theirs_s = statistics.median(theirs)
    print(f"  tablib {tablib.__version__}: {theirs_s:.2f} s (plain cells, no styling) — tidu is "
          f"{theirs_s / ours_s:.1f}× {'faster' if theirs_s > ours_s else 'slower'}")


def _timed(target, n: int, repeat: int) -> dict:
    """``repeat`` timing runs (each in a fresh process, tracemalloc off); medians per run and overall."""
    runs = [_in_child(target, n) for _ in range(repeat)]
    if runs[0].get("missing"):
        return runs[0]
    medians = [statistics.median(run["times"]) for run in runs]
    cpu = [statistics.median(run["cpu"]) for run in runs]
    return {**runs[0], "run_medians": medians, "ms": statistics.median(medians), "cpu_ms": statistics.median(cpu),
            "min": min(min(run["times"]) for run in runs), "max": max(max(run["times"]) for run in runs),
            "cold_ms": statistics.median(run["cold_ms"] for run in runs),
            "maxrss_mb": max(run["maxrss_mb"] for run in runs)}


def bench_pdf(n: int, weasy_n: int, repeat: int, skip_weasyprint: bool) -> None:
    typst = _timed(_typst_worker, n, repeat)
    typst_memory = _in_child(_typst_worker, n, memory=True)
    runs = ", ".join(f"{m:.1f}" for m in typst["run_medians"])
    print(f"\n申报书 PDF, Typst — {typst['pages']} pages, {typst['bytes'] / 1024:.0f} KB per document; {n} documents × "
          f"{repeat} runs:\n  time (tracemalloc off): median {typst['ms']:.1f} ms/document "
          f"(run medians {runs}; min {typst['min']:.1f}, max {typst['max']:.1f}; CPU {typst['cpu_ms']:.1f} ms; "
          f"first, with font loading, {typst['cold_ms']:.0f} ms) = {typst['ms'] / typst['pages']:.1f} ms/page\n"
          f"  memory (separate run, tracemalloc on): peak RSS {typst_memory['maxrss_mb']:.0f} MB, "
          f"Python heap peak {typst_memory['python_peak_mb']:.1f} MB")
    if skip_weasyprint:
        return
    weasy = _timed(_weasy_worker, weasy_n, repeat)
    if weasy.get("missing"):
        print(f"  WeasyPrint not installed; for the comparison: {INSTALL_HINT} "
              "(Debian needs: apt-get install -y libpango-1.0-0 libpangoft2-1.0-0)")
        return
    weasy_memory = _in_child(_weasy_worker, weasy_n, memory=True)
    runs = ", ".join(f"{m:.0f}" for m in weasy["run_medians"])
    print(f"申报书 PDF, WeasyPrint {weasy['version']} (same content from HTML) — {weasy['pages']} pages, "
          f"{weasy['bytes'] / 1024:.0f} KB per document; {weasy_n} documents × {repeat} runs:\n"
          f"  time (tracemalloc off): median {weasy['ms']:.0f} ms/document (run medians {runs}; CPU "
          f"{weasy['cpu_ms']:.0f} ms; first {weasy['cold_ms']:.0f} ms) = {weasy['ms'] / weasy['pages']:.0f} ms/page\n"
          f"  memory (separate run, tracemalloc on): peak RSS {weasy_memory['maxrss_mb']:.0f} MB, "
          f"Python heap peak {weasy_memory['python_peak_mb']:.1f} MB; with tracemalloc on it took "
          f"{statistics.median(weasy_memory['times']):.0f} ms/document "
          f"({statistics.median(weasy_memory['times']) / weasy['ms']:.1f}× its untraced time)")
    ratio = weasy["ms"] / typst["ms"]
    cpu_ratio = weasy["cpu_ms"] / typst["cpu_ms"]
    page_ratio = (weasy["ms"] / weasy["pages"]) / (typst["ms"] / typst["pages"])
    if weasy["pages"] == typst["pages"]:
        pages = f"both PDFs have {typst['pages']} pages"
    else:
        pages = (f"page counts differ: Typst {typst['pages']}, WeasyPrint {weasy['pages']} (the same text, tables and "
                 f"signature block; WeasyPrint's tables wrap into more lines), so the ratio per page is given too")
    print(f"  Typst is {ratio:.1f}× faster per document (wall clock; {cpu_ratio:.1f}× in CPU time; {page_ratio:.1f}× "
          f"per page); {pages} — target ≥ 30× in CPU time (the wall clock follows the machine's load): "
          f"{'OK' if cpu_ratio >= 30 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20, help="Typst documents to time (default 20)")
    parser.add_argument("--weasy-n", type=int, default=3, help="WeasyPrint documents to time (default 3)")
    parser.add_argument("--rows", type=int, default=10000, help="rows of the 汇总表 (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each engine (default 3)")
    parser.add_argument("--skip-weasyprint", action="store_true")
    args = parser.parse_args()

    print(f"tidu documents benchmark — {time.strftime('%Y-%m-%d %H:%M')} — {platform.platform()}, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bench_pdf(args.n, args.weasy_n, args.repeat, args.skip_weasyprint)
    bench_xlsx(args.rows)


if __name__ == "__main__":
    main()
