"""python manage.py load_guidance

Publishes the guidance the project ships (guidance/data: the source text, versions 1 to 3 and the
regression cases) that the database lacks, in order, after `migrate`; see guidance.loading. A
database that has them all is left as it is, once each stored version is found to match its file;
one that differs is refused with what differs (exit 1), and nothing is written.
"""

from django.core.management.base import BaseCommand, CommandError

from guidance.loading import SHIPPED, GuidanceLoadError, guidance_load


class Command(BaseCommand):
    help = "Publish the shipped guidance versions the database lacks (run after migrate; does nothing twice)."

    def handle(self, *args, **options):
        try:
            done = guidance_load()
        except GuidanceLoadError as exc:
            raise CommandError(str(exc)) from None
        files = {shipped.number: shipped.path.name for shipped in SHIPPED}
        for number, published in done:
            if published:
                self.stdout.write(f"Guidance v{number} published from {files[number]}.")
            elif options["verbosity"] > 1:
                self.stdout.write(f"Guidance v{number} is in the database, as {files[number]} has it.")
        if not any(published for _, published in done):
            self.stdout.write(f"Guidance v1 to v{done[-1][0]} are in the database, as their files have them.")
