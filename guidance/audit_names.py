"""The guidance app's audit actions; how the trail names guidance versions, and says the details in words.

Registered with audit.registry when the app starts (GuidanceConfig.ready).
A published or retired version links to its page; a draft only for those who edit guidance.
"""

from django.db import models

from audit.registry import Named, register_actions, register_details, register_objects

from .models import ClassificationVersion, GuidanceVersion


class GuidanceAction(models.TextChoices):
    GUIDANCE_DRAFT_CREATED = "guidance_draft_created", "Guidance draft created"
    GUIDANCE_DRAFT_EDITED = "guidance_draft_edited", "Guidance draft edited"
    GUIDANCE_SUBMITTED = "guidance_submitted", "Guidance draft submitted for review"
    GUIDANCE_APPROVED = "guidance_approved", "Guidance draft approved"
    GUIDANCE_RETURNED = "guidance_returned", "Guidance draft returned with a comment"
    GUIDANCE_REVIEW_VOIDED = "guidance_review_voided", "Guidance review voided by a change"
    GUIDANCE_PUBLISHED = "guidance_published", "Guidance published"
    REGRESSION_CASE_ADDED = "regression_case_added", "Regression case added"


class ClassificationAction(models.TextChoices):
    CLASSIFICATION_DRAFT_CREATED = "classification_draft_created", "Classification record draft created"
    CLASSIFICATION_DRAFT_EDITED = "classification_draft_edited", "Classification record draft edited"
    CLASSIFICATION_SUBMITTED = "classification_submitted", "Classification record submitted for review (proven)"
    CLASSIFICATION_RETURNED = "classification_returned", "Classification record returned to editing"
    CLASSIFICATION_PUBLISHED = "classification_published", "Classification record approved and published"


def versions_named(ids, user):
    rows = GuidanceVersion.objects.filter(pk__in=[int(i) for i in ids if str(i).isascii() and str(i).isdigit()])
    named = {}
    for version in rows.only("pk", "number", "status"):
        readable = version.status != GuidanceVersion.Status.DRAFT or user.has_perm("guidance.change_guidanceversion")
        status = (
            "" if version.status == GuidanceVersion.Status.PUBLISHED else f" ({version.get_status_display().lower()})"
        )
        named[str(version.pk)] = Named(
            f"Guidance version {version.number}{status}", version.get_absolute_url() if readable else None
        )
    return named


def classification_versions_named(ids, user):
    rows = ClassificationVersion.objects.filter(pk__in=[int(i) for i in ids if str(i).isascii() and str(i).isdigit()])
    named = {}
    for version in rows.only("pk", "system", "number", "status"):
        status = (
            ""
            if version.status == ClassificationVersion.Status.PUBLISHED
            else f" ({version.get_status_display().lower()})"
        )
        named[str(version.pk)] = Named(f"{version.system} classification record v{version.number}{status}", None)
    return named


def register():
    register_actions(GuidanceAction)
    register_actions(ClassificationAction)
    register_objects("guidance.guidanceversion", versions_named)
    register_objects("guidance.classificationversion", classification_versions_named)
    register_details(
        {
            "number": "Version",
            "based_on": "Based on version",
            "replaced": "Replaced version",
            "version_id": "Guidance version",
            "change": "Change",
            "history_id": "History entry",
            "record_system": "Classification record",
            "fingerprint": "Content fingerprint",
            "proofs": "Properties proven",
        },
        refers_to={"version_id": "guidance.guidanceversion"},
    )
