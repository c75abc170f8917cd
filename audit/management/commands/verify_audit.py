"""Walk the audit trail's hash chain and name the first event that does not follow from the one before.

Exits 0 when every event is a whole link, 1 at the first broken one: an event
changed after it was written, or one removed or inserted before it. Run in CI
and in the restore drill (docs/deploy.md).
"""

from django.core.management.base import BaseCommand, CommandError

from audit.chain import chain_first_break
from audit.models import AuditEvent


class Command(BaseCommand):
    help = "Check the audit trail's hash chain; name the first broken link and exit non-zero if there is one."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="The database to check (default: default).")

    def handle(self, *args, database, **options):
        broken, reason = chain_first_break(AuditEvent, using=database)
        if broken is not None:
            raise CommandError(
                f"Audit trail broken at event {broken.pk} ({broken.created_at:%Y-%m-%d %H:%M:%S%z}, "
                f"{broken.action}): {reason}. Every event from there on is unproven."
            )
        self.stdout.write(f"Audit trail whole: {reason} events, each following from the one before.")
