"""Register a CDS Hooks client: python manage.py cds_client add ISSUER --jwks-file FILE [--name NAME]."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from interop.models import CdsClient


class Command(BaseCommand):
    help = "Register (or update the keys of) a CDS Hooks client by its issuer."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        add = commands.add_parser("add", help="Register ISSUER with the public keys in a JWK Set file.")
        add.add_argument("issuer", help="The iss its tokens carry.")
        keys = add.add_mutually_exclusive_group(required=True)
        keys.add_argument("--jwks-file", help='A JSON file holding {"keys": [...]}: public keys only.')
        keys.add_argument("--jwks-url", help="Where the client publishes its keys.")
        add.add_argument("--name", help="A name for people (defaults to the issuer).")

    def handle(self, *args, action, issuer, jwks_file=None, jwks_url=None, name=None, **options):
        jwks = None
        if jwks_file:
            try:
                with open(jwks_file, encoding="utf-8") as file:
                    jwks = json.load(file)
            except OSError as exc:
                raise CommandError(f"--jwks-file: cannot read {jwks_file} ({exc.strerror}).") from None
            except ValueError as exc:
                raise CommandError(f"--jwks-file: {jwks_file} is not JSON ({exc}).") from None
            if not isinstance(jwks, dict):
                raise CommandError('--jwks-file: must hold a JWK Set, {"keys": [...]}.')
            private = [key.get("kid", "?") for key in jwks.get("keys", []) if isinstance(key, dict) and "d" in key]
            if private:
                raise CommandError(f"--jwks-file: holds a private key ({', '.join(private)}); give public keys only.")
        client = CdsClient.objects.filter(issuer=issuer).first() or CdsClient(issuer=issuer)
        client.name = name or client.name or issuer
        client.jwks, client.jwks_url = jwks, jwks_url or ""
        try:
            client.full_clean()
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        created = client.pk is None
        client.save()
        self.stdout.write(f"{'Registered' if created else 'Updated'} CDS Hooks client {client.issuer}.")
