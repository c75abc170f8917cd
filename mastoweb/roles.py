"""Roles as Django groups, and the permissions each one holds."""

CLINICIAN = "Clinician"
REVIEWER = "Reviewer"
GUIDANCE_EDITOR = "Guidance editor"

ROLE_PERMISSIONS = {
    CLINICIAN: [
        ("cases", "add_case"),
        ("cases", "change_case"),
        ("cases", "view_case"),
        ("cases", "add_assessment"),
        ("cases", "view_assessment"),
    ],
    REVIEWER: [
        ("cases", "view_case"),
        ("cases", "view_assessment"),
        ("cases", "review_all_cases"),
    ],
    GUIDANCE_EDITOR: [
        (app, f"{action}_{model}")
        for app, models in (("guidance", ("guidanceversion", "section", "paragraph", "rule")),)
        for model in models
        for action in ("add", "change", "delete", "view")
    ]
    + [("guidance", "publish_guidanceversion"), ("guidance", "view_guideline")],
}


def ensure_roles(Group, Permission):  # noqa: N803 - model classes (historical in migrations)
    """Create or refresh the groups; missing permissions raise so a typo cannot pass silently."""
    for name, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for app_label, codename in wanted:
            perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)
