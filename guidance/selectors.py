"""Guidance reads: versions by number, in one place."""

from django.conf import settings

from .models import GuidanceVersion


def guidance_version_by_number(*, number, slug=None, frozen_only=False):
    """A version of the guideline by its number (drafts too unless frozen_only), or None."""
    versions = GuidanceVersion.objects.select_related("guideline").filter(
        guideline__slug=slug or settings.GUIDANCE_SLUG, number=number
    )
    if frozen_only:
        versions = versions.exclude(status=GuidanceVersion.Status.DRAFT)
    return versions.first()
