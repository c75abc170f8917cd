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
        ("audit", "view_auditevent"),
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


def sync_roles(apps):
    """For data migrations: create missing permissions, then the groups.

    Permissions are normally created after all migrations (post_migrate); the
    groups need them now, so they are made from the historical models. A
    migration calling this must depend on every app named in ROLE_PERMISSIONS.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
