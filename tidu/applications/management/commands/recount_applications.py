"""Rebuild the stored per-call application counts (``ApplicationCount``) from the applications.

The database triggers keep the counts; this is for after a restore, a load that ran with the triggers disabled, or
to check them: ``--check`` compares without writing and exits with status 1 when they differ.
"""

from django.core.management.base import BaseCommand, CommandError

from tidu.applications import counts


class Command(BaseCommand):
    help = "Rebuild the stored per-call application counts from the applications (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare the stored counts, change nothing")

    def handle(self, *args, check=False, **options):
        if check:
            stored, expected = counts.stored_counts(), counts.expected_counts()
            if stored != expected:
                raise CommandError(f"application counts differ: {len(stored - expected)} stored rows wrong, "
                                   f"{len(expected - stored)} expected rows missing")
            self.stdout.write(f"application counts agree ({len(stored)} rows)")
            return
        rows = counts.recount()
        self.stdout.write(f"application counts rebuilt ({rows} rows)")
