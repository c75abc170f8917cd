"""python manage.py check_guidance [--version N] [--properties-from M]

Proves the safety properties of version M (default: N) for the rules of version
N (default: the published one), over every case that can behave differently.
One line per property; exits 1 when any fails.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from guidance.engine import ConditionError
from guidance.publishing import guidance_prove
from guidance.selectors import guidance_current, guidance_version_by_number


class Command(BaseCommand):
    help = "Prove a guidance version's safety properties over every case that can behave differently."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # The contract's --version N names a guidance version; it replaces Django's --version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--version", type=int, metavar="N", help="The version whose rules are checked.")
        parser.add_argument(
            "--properties-from", type=int, metavar="M", help="The version whose properties are proven (default: N)."
        )

    def handle(self, *args, version, properties_from, **options):
        rules_version = self._version(version, "--version") if version else guidance_current()
        if rules_version is None:
            raise CommandError("guidance: no published guidance version; run `python manage.py load_guidance`.")
        source = self._version(properties_from, "--properties-from") if properties_from else rules_version
        try:
            proofs = guidance_prove(version=rules_version, properties_from=source)
        except ConditionError as exc:
            raise CommandError(str(exc)) from None
        if not proofs:
            raise CommandError(f"guidance v{source.number} holds no safety properties to prove.")
        self.stdout.write(
            f"Rules of guidance v{rules_version.number} ({rules_version.status}), properties of v{source.number}:"
        )
        failed = 0
        for proof in proofs:
            timing = f"{proof.cases} case{'s' if proof.cases != 1 else ''}, {proof.seconds * 1000:.1f} ms"
            if proof.holds:
                self.stdout.write(f"{proof.property_id}: holds ({timing})")
                continue
            failed += 1
            self.stdout.write(f"{proof.property_id}: FAILS ({timing})")
            self.stdout.write(f"  {proof.statement}")
            if proof.missing_rules:
                self.stdout.write(
                    f"  names rules guidance v{rules_version.number} does not have: {', '.join(proof.missing_rules)}"
                )
            if proof.counterexample is not None:
                self.stdout.write(f"  counterexample: {json.dumps(proof.counterexample)}")
                if proof.intervention:
                    self.stdout.write(f"  for the intervention: {proof.intervention}")
                self.stdout.write(f"  rules fired: {', '.join(proof.fired) or 'none'}")
        total = sum(proof.seconds for proof in proofs)
        self.stdout.write(f"{len(proofs) - failed} of {len(proofs)} properties hold ({total * 1000:.0f} ms in all).")
        if failed:
            raise SystemExit(1)

    def _version(self, number, option):
        version = guidance_version_by_number(number=number)
        if version is None:
            raise CommandError(f"{option}: no guidance version {number}.")
        return version
