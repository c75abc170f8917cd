"""Interop reads."""

from .models import CdsCard, CodeMapping


def code_mappings():
    """The code mapping as {(resource, system, code): CodeMapping}, in one query."""
    return {(m.resource, m.system, m.code): m for m in CodeMapping.objects.all()}


def card_for_client(*, card_uuid, client):
    """A card this client was given, or None: another client's card is as unknown as no card."""
    return CdsCard.objects.select_related("guidance_version").filter(uuid=card_uuid, client=client).first()
