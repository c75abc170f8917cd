"""python manage.py evaluate_case PATH|- [--guidance-version N]"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from guidance.engine import EvaluationError
from guidance.evaluation import evaluation_as_json
from guidance.facts import CaseValidationError, parse_case_json
from guidance.selectors import guidance_current, guidance_version_by_number


class Command(BaseCommand):
    help = "Evaluate one case (JSON of case facts) and print its recommendations as JSON."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A JSON file of case facts, or - to read standard input.")
        parser.add_argument(
            "--guidance-version",
            type=int,
            default=None,
            metavar="N",
            help="A published or retired guidance version number (default: the current one).",
        )

    def handle(self, *args, path, guidance_version, **options):
        text = self._read(path)
        try:
            facts = parse_case_json(text)
        except CaseValidationError as exc:
            raise CommandError(f"invalid case: {exc}") from None
        try:
            version = self._version(guidance_version)
        except DatabaseError as exc:
            raise CommandError(
                f"guidance: the database is not set up ({exc.__class__.__name__}); "
                "run `python manage.py migrate` (make run and make test do it)."
            ) from None
        try:
            output = evaluation_as_json(facts=facts, version=version)
        except EvaluationError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(output, indent=2))

    def _read(self, path):
        # Bytes, decoded here: stdin's own decoding would raise outside our error handling.
        try:
            if path == "-":
                raw = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as fh:
                    raw = fh.read()
        except OSError as exc:
            raise CommandError(f"path: cannot read {path}: {exc}") from None
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            source = "standard input" if path == "-" else path
            raise CommandError(f"path: {source} is not UTF-8 text: {exc}") from None

    def _version(self, number):
        if number is None:
            version = guidance_current()
            if version is None:
                raise CommandError("guidance: no published guidance version; run `python manage.py migrate`.")
            return version
        version = guidance_version_by_number(number=number, frozen_only=True)
        if version is None:
            raise CommandError(f"--guidance-version: no published or retired guidance version {number}.")
        return version
