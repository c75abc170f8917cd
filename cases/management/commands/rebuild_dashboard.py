import time

from django.core.management.base import BaseCommand

from cases.rollup import rollup_rebuild


class Command(BaseCommand):
    help = "Count the reviewer dashboard's rollup afresh from the cases and their feedback."

    def handle(self, *args, **options):
        started = time.monotonic()
        rows = rollup_rebuild()
        self.stdout.write(f"Dashboard rollup rebuilt: {rows:,} rows in {time.monotonic() - started:.1f} s.")
