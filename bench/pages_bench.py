"""Benchmark of tidu's list, dashboard and export pages at growing call sizes (run on demand; not a test).

    DATABASE_URL=postgres://user@host:5432/NAME .venv/bin/python bench/pages_bench.py [--sizes 100,10000] [--repeat 5]

Creates a scratch database ``test_<NAME>`` (Django's test-database machinery; dropped at the end, the database
NAME itself is never touched), builds a call through the project's own services (units, officers, one complete
application filled and submitted through the wizard's services) and grows it to each size with the bulk path
``tidu.testing.clone_applications`` (same sections and receipt as the template, one enterprise each, spread over
the units). For every size it requests each page through Django's test client (full middleware stack: session,
auth, CSRF, locale): one warm-up request, then ``--repeat`` timed ones. It prints, per page, the median
wall-clock milliseconds, the number of queries, the HTML size, and the ratio to the **auth floor** measured in
the same run: a view that only reads ``request.user`` behind the same middleware. It also prints the median CPU
time of this process per request (``time.process_time``: Django and the driver, not the PostgreSQL server's own
work) and its ratio to the floor's, the steadier figure on a shared machine. After each bulk load it runs ANALYZE
(a real database gets fresh statistics from autovacuum; without them the planner misjudges the joins).

Timed figures are wall-clock on whatever machine runs it: give the load average (printed) with them.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidu.settings")
UNITS = 20


def floor_view(request):
    from django.http import HttpResponse

    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


def _urlconf():
    """The project's URLs plus the auth floor (a module-level list Django can import by name)."""
    from django.urls import path

    from tidu.urls import urlpatterns

    return [*urlpatterns, path("bench-floor/", floor_view, name="bench_floor")]


urlpatterns: list = []


def _build(units_count: int):
    from tidu import testing as build
    from tidu.accounts.models import Organisation

    call = build.load_call()
    units = [build.unit(f"第{n:02d}乡镇", Organisation.Kind.TOWNSHIP) for n in range(1, units_count + 1)]
    town = build.officer(units[0], "town")
    city = build.city_officer("city")
    build.expert("expert1", profile=True)
    enterprise = build.enterprise(units[0], "天门市华楚精密机械有限公司")
    build.enterprise_user(enterprise, "ent")
    template = build.application(enterprise, call=call)
    build.submitted(template)
    template.refresh_from_db()
    return {"call": call, "units": units, "town": town, "city": city, "template": template}


def _pages(world):
    from django.urls import reverse

    call, city, town = world["call"], world["city"], world["town"]
    return {
        "auth floor": (city, "/bench-floor/"),
        "city all-applications list, page 1": (city, reverse("applications:all_list")),
        "township applications list, page 1": (town, reverse("applications:unit_list")),
        "intake, page 1": (city, reverse("review:intake") + f"?call={call.code}"),
        "township dashboard (one unit)": (town, reverse("review:township_dashboard")),
        "dashboards overview": (city, reverse("dashboards:overview") + f"?call={call.code}"),
        "dashboards CSV (units)": (city, reverse("dashboards:table_csv") + f"?call={call.code}&table=units"),
        "汇总表 export page": (city, reverse("documents:summary_export", args=[call.pk])),
        "expert pool": (city, reverse("experts:pool")),
        "batch result, page 1": (city, reverse("review:batch_result", args=[world["run"].pk])),
    }


def _sign_in(client, user) -> None:
    """A fresh session for ``user``: sign out first, as force_login on a live session keeps its data, and with it
    the idle clock of the size measured before (the 10,000 load takes longer than the 30-minute idle limit, and
    the first page then answered 302 to the login page). The second factor is passed as the tests do:
    ``TIDU_OTP_REQUIRED_ROLES`` is empty for the run."""
    client.logout()
    client.force_login(user)


def _measure(client, user, url, repeat: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _sign_in(client, user)
    response = client.get(url)  # warm-up (the policy is read once per process)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return statistics.median(times), len(queries), len(body), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,10000", help="call sizes (applications), comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page and size")
    parser.add_argument("--units", type=int, default=UNITS, help="township units the applications are spread over")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it goes, also into a file
    sizes = sorted(int(s) for s in args.sizes.split(","))

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    globals()["urlpatterns"] = _urlconf()
    settings.ROOT_URLCONF = __name__
    settings.MEDIA_ROOT = str(ROOT / "var" / "bench-media")
    # The officers are signed in with force_login, which gives no second factor: measured past it, as the tests do.
    settings.TIDU_OTP_REQUIRED_ROLES = ()
    setup_test_environment(debug=False)  # as in production: no query log kept by DEBUG
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from tidu import testing as build
        from tidu.applications.models import Application
        from tidu.applications.workflow import State
        from tidu.review import services as review_services

        print(f"tidu pages bench · {connection.vendor} · Python {platform.python_version()} · "
              f"{os.cpu_count()} CPUs · load average {os.getloadavg()[0]:.2f} at start")
        start = time.perf_counter()
        world = _build(args.units)
        print(f"built the call through the services in {time.perf_counter() - start:.1f} s")
        client = Client()
        results: dict[int, dict[str, tuple]] = {}
        have = 1
        for size in sizes:
            start = time.perf_counter()
            build.clone_applications(world["template"], size - have, units=world["units"], serial_from=have)
            have = size
            if connection.vendor == "postgresql":  # fresh statistics, as autovacuum gives a real database after a load
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            print(f"\n== {size:,} applications (bulk copies: {time.perf_counter() - start:.1f} s; "
                  f"{_data_size(connection)}) · load average {os.getloadavg()[0]:.2f}")
            start = time.perf_counter()
            world["run"] = review_services.batch_run(
                applications=Application.objects.filter(status=State.SUBMITTED), action="city_receive",
                user=world["city"], filters_text="bench")
            elapsed = time.perf_counter() - start
            print(f"batch 受理 of {world['run'].total:,} items as a chunked job (each refused: not on a sent list): "
                  f"{elapsed:.1f} s, {world['run'].total / elapsed:,.0f} items/s")
            rows = {}
            for name, (user, url) in _pages(world).items():
                rows[name] = _measure(client, user, url, args.repeat)
            floor = rows["auth floor"][0]
            floor_cpu = rows["auth floor"][3]
            print(f"{'page':<38} {'median ms':>10} {'× floor':>8} {'CPU ms':>8} {'× floor':>8} {'queries':>8} "
                  f"{'HTML KB':>9}")
            for name, (ms, queries, size_bytes, cpu_ms) in rows.items():
                print(f"{name:<38} {ms:>10.1f} {ms / floor:>7.1f}× {cpu_ms:>8.1f} {cpu_ms / floor_cpu:>7.1f}× "
                      f"{queries:>8} {size_bytes / 1024:>9.1f}")
            results[size] = rows
        if len(sizes) >= 2:
            low, high = sizes[0], sizes[-1]
            print(f"\nqueries {low:,} → {high:,}:")
            for name in results[low]:
                print(f"  {name:<38} {results[low][name][1]:>5} → {results[high][name][1]:<5}"
                      f"{'' if results[low][name][1] == results[high][name][1] else '  GROWS'}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _data_size(connection) -> str:
    if connection.vendor != "postgresql":
        return "database size: n/a"
    with connection.cursor() as cursor:
        cursor.execute("select pg_database_size(current_database())")
        return f"database {cursor.fetchone()[0] / 1024 / 1024:,.0f} MB"


if __name__ == "__main__":
    main()
