"""Compare every case assessed under older guidance with the published version.

    python manage.py check_cases_against_guidance              # now, in this process
    python manage.py check_cases_against_guidance --background  # queued for the task workers

Publishing queues this itself (cases.marking); run it by hand to finish a
comparison whose worker stopped, or to watch one run. Safe to run again: it
only reads cases not yet compared with the current version.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.marking import CHUNK_CASES, cases_mark, cases_mark_later, cases_pending
from guidance.selectors import guidance_current


class Command(BaseCommand):
    help = "Mark the cases whose recommendations the current guidance version would change."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=CHUNK_CASES, help="Cases per transaction.")
        parser.add_argument(
            "--background", action="store_true", help="Queue the comparison for the task workers and return."
        )

    def handle(self, *args, batch_size, background, **options):
        version = guidance_current()
        if version is None:
            raise CommandError("No guidance version is published.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if background:
            pending = cases_pending(version).count()
            with transaction.atomic():
                cases_mark_later(version=version)
            self.stdout.write(f"Queued the comparison of {pending:,} cases with guidance v{version.number}.")
            return
        checked, changing = cases_mark(version=version, size=batch_size)
        self.stdout.write(
            f"Compared {checked:,} cases with guidance v{version.number}: {changing:,} would change on re-evaluation."
        )
