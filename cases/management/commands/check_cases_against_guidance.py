"""Compare every case assessed under older guidance with the published version.

    python manage.py check_cases_against_guidance

Publishing does this itself while few cases are waiting; run this after
publishing on a large database. Safe to run again: it only reads cases not yet
compared with the current version.
"""

from django.core.management.base import BaseCommand, CommandError

from cases.services import cases_check_guidance
from guidance.selectors import guidance_current


class Command(BaseCommand):
    help = "Mark the cases whose recommendations the current guidance version would change."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size, **options):
        version = guidance_current()
        if version is None:
            raise CommandError("No guidance version is published.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        checked, changing = cases_check_guidance(version=version, batch_size=batch_size)
        self.stdout.write(
            f"Compared {checked:,} cases with guidance v{version.number}: {changing:,} would change on re-evaluation."
        )
