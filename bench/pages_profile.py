"""Profile tidu's list, dashboard and export pages on a kept database (run on demand; not a test).

    DATABASE_URL=postgres://user@host:5432/NAME .venv/bin/python bench/pages_profile.py [--size 10000]
        [--repeat 5] [--page intake] [--profile] [--top 30]

Unlike ``pages_bench.py`` (a scratch database built and dropped per run), this keeps the database ``NAME``
(created if missing): the first run migrates it and builds the call as ``pages_bench.py`` does, grown to
``--size`` applications; later runs find the applications there and only migrate (so a branch's new tables and
aggregates are filled by their migrations) and measure. For each page (all, or those whose name contains
``--page``) it prints the median CPU ms of this process and wall ms over ``--repeat`` requests, the queries and
the HTML size, each with its ratio to the auth floor measured in the same run; with ``--profile`` it cProfiles
one more request per page and prints the ``--top`` functions by internal time and by cumulative time.

Runs from any checkout: ``TIDU_ROOT=/path/to/checkout`` measures that checkout's code on the same database
(an A/B of two branches on the same content, run alternately).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("TIDU_ROOT") or Path(__file__).resolve().parent.parent).resolve()
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidu.settings")


def _ensure_database(url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            connection.execute(f'create database "{name}"')


def _world(size: int, units_count: int, batch: bool = True) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from tidu.accounts.models import Organisation
    from tidu.applications.models import Application
    from tidu.applications.workflow import State
    from tidu.review.models import BatchRun

    call_command("migrate", verbosity=0)
    User = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model()
    if not Application.objects.exists():
        import pages_bench

        from tidu import testing as build
        from tidu.review import services as review_services

        start = time.perf_counter()
        world = pages_bench._build(units_count)
        build.clone_applications(world["template"], size - 1, units=world["units"], serial_from=1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        if batch:
            review_services.batch_run(applications=Application.objects.filter(status=State.SUBMITTED),
                                      action="city_receive", user=world["city"], filters_text="bench")
        print(f"built {size:,} applications in {time.perf_counter() - start:.1f} s")
    from tidu.policy.models import Call

    call = Call.objects.order_by("pk").first()
    return {"call": call, "city": User.objects.get(username="city"), "town": User.objects.get(username="town"),
            "run": BatchRun.objects.order_by("-pk").first(),
            "units": list(Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10000, help="applications to build when the database is empty")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--production-render", action="store_true",
                        help="render templates as in production: without the test framework's instrumented render "
                             "(a signal per template and include, on which the test client copies the context)")
    parser.add_argument("--no-batch", action="store_true",
                        help="when building: no batch 受理 job (its page is then not measured; saves minutes at 100,000)")
    parser.add_argument("--page", default="", help="only pages whose name contains this")
    parser.add_argument("--profile", action="store_true", help="cProfile one request per page")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime,cumulative")
    parser.add_argument("--filter", default="", help="only functions whose file matches this regular expression")
    parser.add_argument("--dump", default="", help="write each page's HTML (CSRF tokens masked) into this folder")
    parser.add_argument("--split", action="store_true", help="CPU ms of template rendering apart (median)")
    parser.add_argument("--sql", action="store_true", help="print each query of one more request with its time")
    parser.add_argument("--explain", action="store_true", help="with --sql: EXPLAIN ANALYZE each query")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    _ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    import pages_bench
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    pages_bench.urlpatterns[:] = pages_bench._urlconf()
    settings.ROOT_URLCONF = "pages_bench"
    settings.MEDIA_ROOT = str(ROOT / "var" / "bench-media")
    settings.TIDU_OTP_REQUIRED_ROLES = ()
    setup_test_environment(debug=False)
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)
    logging.disable(logging.INFO)
    if args.production_render:
        from django.template import Template
        from django.test.utils import _TestState

        Template._render = _TestState.saved_data.template_render
    world = _world(args.size, args.units, batch=not args.no_batch)
    from tidu.applications.models import Application

    print(f"code {ROOT} · {Application.objects.count():,} applications · load average "
          f"{os.getloadavg()[0]:.2f}")
    client = Client()
    if world["run"] is None:  # built without the batch job: its page is not measured
        from tidu.review.models import BatchRun

        world["run"] = BatchRun(pk=0)
    pages = {name: page for name, page in pages_bench._pages(world).items()
             if not (world["run"].pk == 0 and name.startswith("batch result"))}
    rows = {}
    for name, (user, url) in pages.items():
        if name != "auth floor" and args.page and args.page not in name:
            continue
        ms, queries, size, cpu = pages_bench._measure(client, user, url, args.repeat)
        rows[name] = (ms, queries, size, cpu)
        if args.dump:
            import re

            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            body = re.sub(rb"[A-Za-z0-9]{64}", b"TOKEN", body)  # CSRF tokens (masked or not)
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            (Path(args.dump) / (name.replace(" ", "_").replace("/", "_") + ".html")).write_bytes(body)
        if args.split and name != "auth floor":
            from django.template.backends import django as backend

            spent = []
            original = backend.Template.render

            def timed(self, *a, _original=original, _spent=spent, **k):
                start = time.process_time()
                try:
                    return _original(self, *a, **k)
                finally:
                    _spent.append((time.process_time() - start) * 1000)

            backend.Template.render = timed
            totals = []
            try:
                for _ in range(args.repeat):
                    spent.clear()
                    start = time.process_time()
                    client.get(url)
                    totals.append(((time.process_time() - start) * 1000, sum(spent)))
            finally:
                backend.Template.render = original
            total, rendering = statistics.median(t for t, _ in totals), statistics.median(r for _, r in totals)
            print(f"split {name}: total {total:.1f} ms CPU, templates {rendering:.1f}, rest {total - rendering:.1f}")
        if args.sql and name != "auth floor":
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            print(f"\n--- {name}: queries")
            for query in captured.captured_queries:
                print(f"{float(query['time']) * 1000:8.1f} ms  {query['sql'][:400]}")
                if args.explain and query["sql"].startswith("SELECT"):
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN ANALYZE " + query["sql"])
                        print("      " + "\n      ".join(row[0] for row in cursor.fetchall()))
        if args.profile and name != "auth floor":
            profiler = cProfile.Profile()
            profiler.enable()
            client.get(url)
            profiler.disable()
            for key in args.sort.split(","):
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out)
                if not args.filter:
                    stats.strip_dirs()
                stats.sort_stats(key).print_stats(*([args.filter] if args.filter else []), args.top)
                print(f"\n--- {name}: by {key}\n" + out.getvalue().split("\n", 6)[-1][:12000])
    floor, floor_cpu = rows["auth floor"][0], rows["auth floor"][3]
    print(f"\n{'page':<38} {'CPU ms':>8} {'× floor':>8} {'wall ms':>8} {'× floor':>8} {'queries':>8} {'KB':>7}")
    for name, (ms, queries, size, cpu) in rows.items():
        print(f"{name:<38} {cpu:>8.1f} {cpu / floor_cpu:>7.1f}× {ms:>8.1f} {ms / floor:>7.1f}× {queries:>8} "
              f"{size / 1024:>7.1f}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    del connection


if __name__ == "__main__":
    main()
