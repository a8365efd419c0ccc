"""Benchmark of the 推荐汇总表 export of a whole call, end to end, job included (run on demand; not a test).

    DATABASE_URL=postgres://user@host:5432/NAME .venv/bin/python bench/export_bench.py [--size 10000] [--format zip]

Creates the scratch database ``test_<NAME>`` (dropped at the end), builds one township's call through the
project's services (one application submitted and recommended through the wizard's and the review's services), grows
it with the bulk path ``tidu.testing.clone_applications`` and puts every application on the unit's 推荐名单, signed
and sent (``tidu.testing.put_on_sent_list``: the review services). Then **two separate child processes** each run
the export as a user does: ``start_summary_export`` (the 汇总表 page's POST; the job runs in the worker — here the
configured django-tasks backend, run to completion in the child), until the job's file is stored:

* the **time** run: wall-clock and CPU time of this process (not the PostgreSQL server's);
* the **memory** run: the process's peak RSS (``ru_maxrss``; Django, the packs, the fonts and Typst included) before
  and after the job, the largest worker process's peak RSS (the PDF's Typst parts run in worker processes), and
  the Python heap's peak (tracemalloc on: it slows the run, so it is not the time run).

``--keep`` keeps the scratch database, ``--reuse`` measures on the one a ``--keep`` run left (migrating it first:
backfills are timed), ``--baseline CHECKOUT`` runs each measurement with another checkout's code too (e.g.
``git worktree add --detach /tmp/base main``) on the same database, baseline first, and prints the ratio.

Prints the figures, the number of rows and the file's size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidu.settings")


def _build(size: int) -> None:
    from tidu import testing as build
    from tidu.applications.models import Application
    from tidu.applications.workflow import State

    call = build.load_call()
    unit = build.unit("岳口镇", "township")
    build.officer(unit, "town")
    build.city_officer("city")
    enterprise = build.enterprise(unit, "天门市华楚精密机械有限公司")
    build.enterprise_user(enterprise, "ent")
    template = build.application(enterprise, call=call)
    build.submitted(template)
    build.drive_to(template, State.TOWNSHIP_RECOMMENDED)
    build.clone_applications(template, size - 1, status=State.TOWNSHIP_RECOMMENDED)
    build.put_on_sent_list(*Application.objects.filter(status=State.TOWNSHIP_RECOMMENDED).order_by("pk"))


def _child(measure: str, fmt: str) -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = str(ROOT / "var" / "bench-media")
    from tidu.accounts.models import User
    from tidu.applications.models import Application
    from tidu.documents import services
    from tidu.documents.models import DocumentJob
    from tidu.policy.models import Call

    call = Call.objects.get()
    city = User.objects.get(username="city")
    ids = list(Application.objects.filter(call=call).order_by("pk").values_list("pk", flat=True))
    if measure == "memory":
        import tracemalloc

        tracemalloc.start()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, start_cpu = time.perf_counter(), time.process_time()
    job = services.start_summary_export(call=call, user=city, application_ids=ids, unit_name="岳口镇", fmt=fmt)
    job.refresh_from_db()
    if job.status != DocumentJob.Status.DONE:  # a queue backend: run it here, as the worker would
        services.run_job(job.pk)
        job.refresh_from_db()
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    result = {"status": job.status, "message": job.message, "rows": len(ids), "bytes": job.result.size,
              "wall": wall, "cpu": cpu, "rss_before_mb": rss_before / 1024,
              "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "children_rss_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
              "children_cpu": sum(getattr(resource.getrusage(resource.RUSAGE_CHILDREN), f) for f in (
                  "ru_utime", "ru_stime"))}
    if measure == "memory":
        result["heap_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    print("RESULT " + json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--format", default="zip", help="zip, xlsx or pdf; several comma-separated (same data)")
    parser.add_argument("--child", choices=("time", "memory"), help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (test_NAME) at the end")
    parser.add_argument("--reuse", action="store_true",
                        help="use the scratch database a --keep run left (migrated first: backfills are timed), "
                             "no build")
    parser.add_argument("--build-only", action="store_true", help="build (with --keep) and measure nothing")
    parser.add_argument("--baseline", metavar="CHECKOUT",
                        help="another checkout of the project (e.g. main in a git worktree): each measurement is "
                             "also run with its code on the same database, baseline first, and the ratio printed")
    args = parser.parse_args()
    if args.child:
        return _child(args.child, args.format)
    sys.stdout.reconfigure(line_buffering=True)

    import django

    django.setup()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    print(f"tidu export bench · {connection.vendor} · Python {platform.python_version()} · {os.cpu_count()} CPUs · "
          f"load average {os.getloadavg()[0]:.2f} at start")
    if args.reuse:
        test_name = connection.creation._get_test_db_name()
        connection.close()
        connection.settings_dict["NAME"] = test_name
        from django.core.management import call_command

        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"reused {test_name}; migrate (backfills included) {time.perf_counter() - start:.1f} s")
    else:
        test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        if not args.reuse:
            start = time.perf_counter()
            _build(args.size)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"built {args.size:,} applications on a sent 推荐名单 in {time.perf_counter() - start:.1f} s")
        connection.close()
        if args.build_only:
            return
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + test_name
        sides = [("baseline", Path(args.baseline).resolve() / "bench" / "export_bench.py")] if args.baseline else []
        sides.append(("this", Path(__file__).resolve()))
        results: dict[tuple[str, str, str], dict] = {}
        for fmt, measure in [(fmt, measure) for fmt in args.format.split(",") for measure in ("time", "memory")]:
            if fmt not in ("zip", "xlsx", "pdf"):
                sys.exit(f"unknown format {fmt}")
            for side, script in sides:
                output = subprocess.run([sys.executable, str(script), "--child", measure, "--format", fmt],
                                        env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True,
                                        check=False)
                lines = [line for line in output.stdout.splitlines() if line.startswith("RESULT ")]
                if not lines:
                    print(f"{side} {measure} run failed:\n{output.stderr[-3000:]}")
                    continue
                r = results[side, fmt, measure] = json.loads(lines[-1].removeprefix("RESULT "))
                if measure == "time":
                    print(f"{side}: time run ({fmt}, {r['rows']:,} rows, {r['bytes'] / 1024 / 1024:.2f} MB file, "
                          f"{r['status']}): wall {r['wall']:.2f} s · CPU {r['cpu']:.2f} s (+ worker processes "
                          f"{r.get('children_cpu', 0):.2f} s) · load average {os.getloadavg()[0]:.2f}")
                else:
                    print(f"{side}: memory run ({fmt}): peak RSS {r['rss_peak_mb']:.0f} MB (before the job "
                          f"{r['rss_before_mb']:.0f} MB; largest worker process "
                          f"{r.get('children_rss_peak_mb', 0):.0f} MB) · Python heap peak {r['heap_peak_mb']:.0f} MB (tracemalloc "
                          f"on; its wall {r['wall']:.1f} s is not a time figure)")
            base, this = results.get(("baseline", fmt, measure)), results.get(("this", fmt, measure))
            if base and this and measure == "time":
                print(f"  ratio baseline / this ({fmt}): wall {base['wall'] / this['wall']:.1f}× · "
                      f"CPU {base['cpu'] / max(this['cpu'], 1e-9):.1f}×")
            elif base and this:
                print(f"  peak RSS baseline / this ({fmt}): {base['rss_peak_mb']:.0f} / {this['rss_peak_mb']:.0f} MB")
    finally:
        if args.keep:
            print(f"kept the scratch database {test_name}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
