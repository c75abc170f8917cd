"""python manage.py check_classification

Proves the properties of the classification record (WHO 2022: guidance/data/classification-who-2022.json)
over every case that can behave differently (guidance/classification/proofs.py). One line per property;
exits 1 when any fails. Reads no database.
"""

from django.core.management.base import BaseCommand, CommandError

from guidance.classification import CURRENT, classification_proofs, classification_record


class Command(BaseCommand):
    help = "Prove the subtype check's record properties over every case that can behave differently."

    def handle(self, *args, **options):
        record = classification_record(CURRENT)
        proofs = classification_proofs(CURRENT)
        if not proofs:
            raise CommandError(f"{record.system} record v{record.version} holds no properties to prove.")
        self.stdout.write(f"{record.system} criteria, record v{record.version} ({record.citation}):")
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
