"""How the audit trail names guidance versions, and says the guidance app's details in words.

Registered with audit.registry when the app starts (GuidanceConfig.ready).
A published or retired version links to its page; a draft only for those who edit guidance.
"""

from audit.registry import Named, register_details, register_objects

from .models import GuidanceVersion


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


def register():
    register_objects("guidance.guidanceversion", versions_named)
    register_details(
        {
            "number": "Version",
            "based_on": "Based on version",
            "replaced": "Replaced version",
            "version_id": "Guidance version",
            "change": "Change",
            "history_id": "History entry",
        },
        refers_to={"version_id": "guidance.guidanceversion"},
    )
