"""python manage.py evaluate_case PATH|- [--guidance-version N] [--jsonl]"""

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
            "--jsonl",
            action="store_true",
            help="PATH holds one case per line: print one output line per input line, in order "
            '({"error", "field"} for a line that is refused), in one process.',
        )
        parser.add_argument(
            "--guidance-version",
            type=int,
            default=None,
            metavar="N",
            help="A published or retired guidance version number (default: the current one).",
        )

    def handle(self, *args, path, guidance_version, jsonl, **options):
        text = self._read(path)
        if jsonl:
            return self._batch(text, guidance_version)
        try:
            facts = parse_case_json(text)
        except CaseValidationError as exc:
            raise CommandError(f"invalid case: {exc}") from None
        version = self._setup_version(guidance_version)
        try:
            output = evaluation_as_json(facts=facts, version=version)
        except EvaluationError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(output, indent=2))

    def _batch(self, text, guidance_version):
        """Each line evaluated alone; a refused line answers with its error, the others go on."""
        version = self._setup_version(guidance_version)
        write = self.stdout.write
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                output = evaluation_as_json(facts=parse_case_json(line), version=version)
            except CaseValidationError as exc:
                output = {"error": str(exc), "field": next(iter(exc.errors))}
            except EvaluationError as exc:
                output = {"error": str(exc), "field": "case"}
            write(json.dumps(output, separators=(",", ":")))

    def _setup_version(self, number):
        try:
            return self._version(number)
        except DatabaseError as exc:
            raise CommandError(
                f"guidance: the database is not set up ({exc.__class__.__name__}); "
                "run `python manage.py migrate`, then `python manage.py load_guidance` (make run and make test do it)."
            ) from None

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
                raise CommandError("guidance: no published guidance version; run `python manage.py load_guidance`.")
            return version
        version = guidance_version_by_number(number=number, frozen_only=True)
        if version is None:
            raise CommandError(f"--guidance-version: no published or retired guidance version {number}.")
        return version
