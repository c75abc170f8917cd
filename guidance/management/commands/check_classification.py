"""python manage.py check_classification [--draft]

Proves the properties of the published classification record (WHO 2022, the database's
guidance.ClassificationVersion; version 1 is guidance/data/classification-who-2022.json), or of the
draft with --draft, over every case that can behave differently (guidance/classification/proofs.py).
One line per property; exits 1 when any fails.
"""

from django.core.management.base import BaseCommand, CommandError

from guidance.classification import CURRENT, classification_proofs, classifier_of_data
from guidance.classification.record import RecordError
from guidance.selectors import classification_draft, classification_published


class Command(BaseCommand):
    help = "Prove the subtype check's record properties over every case that can behave differently."

    def add_arguments(self, parser):
        parser.add_argument("--draft", action="store_true", help="Prove the draft instead of the published record.")

    def handle(self, *args, **options):
        if options["draft"]:
            draft = classification_draft(system=CURRENT)
            if draft is None:
                raise CommandError(f"There is no draft of the {CURRENT} record.")
            data, what = draft.data, f"Draft ({draft.get_status_display().lower()}): "
        else:
            published = classification_published(CURRENT)
            if published is None:
                raise CommandError(f"No {CURRENT} record is published.")
            data, what = published[2], ""
        try:
            record = classifier_of_data(data).record
        except RecordError as exc:
            raise CommandError(f"The {CURRENT} record cannot be read: {exc}") from None
        proofs = classification_proofs(CURRENT, data=data)
        if not proofs:
            raise CommandError(f"{record.system} record v{record.version} holds no properties to prove.")
        self.stdout.write(f"{what}{record.system} criteria, record v{record.version} ({record.citation}):")
        failed = 0
        for proof in proofs:
            if proof.holds:
                self.stdout.write(f"{proof.property_id}: holds ({proof.cases} cases)")
                continue
            failed += 1
            self.stdout.write(f"{proof.property_id}: FAILS ({proof.cases} cases)")
            self.stdout.write(f"  {proof.statement}")
            self.stdout.write(f"  counterexample: {proof.counterexample}")
        if failed:
            raise CommandError(f"{failed} of {len(proofs)} properties fail.")
