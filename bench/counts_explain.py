"""EXPLAIN ANALYZE of the queries the stored per-call counts replace, and of the reads that replace them (run on
demand; not a test).

    DATABASE_URL=postgres://user@host:5432/NAME .venv/bin/python bench/counts_explain.py [--repeat 7]

On a kept database built by ``pages_profile.py`` (NAME must hold its call; it is migrated first, which fills the
counts). For each reader — intake's grouping, the city all-applications list's unit sizes, the township
dashboard's grouping, its enterprise page and figures (by the organisation's parent, then by the enterprise's
stored unit), and the unit list (unchanged) — it captures the SQL of the old path and of the new one,
then runs ``EXPLAIN (ANALYZE)`` on each captured statement ``--repeat`` times and prints the median execution time
(the server's "Execution Time", summed over a path's statements) and the plans' top nodes with ``--plans``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidu.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--plans", action="store_true", help="print each statement and its plan (last run)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Q
    from django.test.utils import CaptureQueriesContext

    from tidu.accounts.models import Organisation, User
    from tidu.applications import counts
    from tidu.applications.models import Application, ApplicationCount
    from tidu.applications.selectors import applications_visible_to
    from tidu.enterprises.models import Enterprise
    from tidu.enterprises.selectors import enterprises_visible_to
    from tidu.policy.models import Call
    from tidu.review import selectors

    call_command("migrate", verbosity=0)
    call = Call.objects.order_by("pk").first()
    city, town = User.objects.get(username="city"), User.objects.get(username="town")
    filters = selectors.IntakeFilters(call=call)
    town_visible = applications_visible_to(town).filter(call=call)

    def figures(enterprises):  # the township dashboard's aggregate (total, pending, applied), as review.selectors
        result = enterprises.order_by().aggregate(
            total=Count("pk"), pending=Count("pk", filter=Q(status=Enterprise.Status.PENDING)),
            applied=Count("pk", filter=Q(pk__in=town_visible.values("enterprise_id"))))
        return list(result.items())

    readers = {
        "intake status counts": (
            lambda: counts.grouped_applications(selectors.intake_applications(city, filters)),
            lambda: selectors.intake_grouped(city, filters)),
        "city list unit sizes": (
            lambda: dict(applications_visible_to(city).order_by().values("unit").annotate(n=Count("pk"))
                         .values_list("unit", "n")),
            lambda: counts.unit_sizes(counts.grouped_visible(city))),
        "township dashboard states": (
            lambda: counts.grouped_applications(town_visible),
            lambda: counts.grouped_visible(town, call=call)),
        "township dashboard enterprise page": (
            lambda: [e.pk for e in Enterprise.objects.select_related("organisation__parent").filter(
                organisation__parent=town.organisation).order_by("name", "pk")[:25]],
            lambda: [e.pk for e in enterprises_visible_to(town).order_by("name", "pk")[:25]]),
        "township dashboard enterprise figures": (
            lambda: figures(Enterprise.objects.filter(organisation__parent=town.organisation)),
            lambda: figures(enterprises_visible_to(town))),
        "unit choices (unchanged)": (
            lambda: list(Organisation.objects.filter(kind__in=Organisation.UNIT_KINDS).order_by("kind", "name")
                         .values_list("pk", "name")), None),
    }
    same = {}
    print(f"database {connection.settings_dict['NAME']}: {Application.objects.count():,} applications, "
          f"{ApplicationCount.objects.count():,} count rows; median of {args.repeat} EXPLAIN ANALYZE runs")
    for name, paths in readers.items():
        results = []
        for path in paths:
            if path is None:
                results.append(None)
                continue
            with CaptureQueriesContext(connection) as captured:
                value = path()
            statements = [q["sql"] for q in captured.captured_queries]
            runs = []
            for _ in range(args.repeat):
                total = 0.0
                for sql in statements:
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                        plan = cursor.fetchone()[0]
                        plan = plan if isinstance(plan, list) else json.loads(plan)
                        total += plan[0]["Execution Time"]
                        if args.plans and _ == args.repeat - 1:
                            print(f"  -- {sql[:300]}\n     {plan[0]['Plan']['Node Type']}, "
                                  f"{plan[0]['Execution Time']:.3f} ms")
                runs.append(total)
            results.append((statistics.median(runs), len(statements), value))
        (old_ms, old_n, old_value), new = results[0], results[1]
        if new is None:
            print(f"{name:48} {old_ms:9.3f} ms ({old_n} statements)")
        else:
            new_ms, new_n, new_value = new
            if isinstance(old_value, dict):  # a Counter too: zeros do not count
                same[name] = ({k: v for k, v in old_value.items() if v} == {k: v for k, v in new_value.items() if v})
            else:
                same[name] = old_value == new_value
            print(f"{name:48} {old_ms:9.3f} ms ({old_n}) -> {new_ms:7.3f} ms ({new_n})   same numbers: {same[name]}")


if __name__ == "__main__":
    main()
