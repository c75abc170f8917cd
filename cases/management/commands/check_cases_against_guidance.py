"""Compare every case assessed under older guidance with the published version.

    python manage.py check_cases_against_guidance              # now, in this process
    python manage.py check_cases_against_guidance --background  # queued for the task workers

Publishing queues this itself (cases.marking); run it by hand to finish a
comparison whose worker stopped, or to watch one run. Safe to run again: once
the current version's marking has finished, there is nothing left to compare.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.marking import cases_mark, cases_mark_later, cases_pending
from guidance.selectors import guidance_current


class Command(BaseCommand):
    help = "Mark the cases whose recommendations the current guidance version would change."

    def add_arguments(self, parser):
        parser.add_argument(
            "--background", action="store_true", help="Queue the comparison for the task workers and return."
        )

    def handle(self, *args, background, **options):
        version = guidance_current()
        if version is None:
            raise CommandError("No guidance version is published.")
        if background:
            pending = cases_pending(version).count()
            with transaction.atomic():
                cases_mark_later(version=version)
            self.stdout.write(f"Queued the comparison of {pending:,} cases with guidance v{version.number}.")
            return
        checked, changing = cases_mark(version=version)
        self.stdout.write(
            f"Compared {checked:,} cases with guidance v{version.number}: {changing:,} would change on re-evaluation."
        )
