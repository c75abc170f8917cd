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
        ("cases", "add_recommendationfeedback"),
        ("cases", "view_recommendationfeedback"),
    ],
    REVIEWER: [
        ("cases", "view_case"),
        ("cases", "view_assessment"),
        ("cases", "review_all_cases"),
        ("cases", "view_recommendationfeedback"),
        ("audit", "view_auditevent"),
    ],
    GUIDANCE_EDITOR: [
        (app, f"{action}_{model}")
        for app, models in (
            ("guidance", ("guidanceversion", "section", "paragraph", "rule", "safetyproperty", "regressioncase")),
        )
        for model in models
        for action in ("add", "change", "delete", "view")
    ]
    # Approval goes to editors: the second person must know the content, and the
    # rule "never the one who last changed it" is enforced per draft by
    # guidance.publishing, not by a separate role.
    + [
        ("guidance", "publish_guidanceversion"),
        ("guidance", "approve_guidanceversion"),
        ("guidance", "view_guideline"),
    ],
}


def ensure_roles(Group, Permission, *, model_exists=None):  # noqa: N803 - model classes (historical in migrations)
    """Create or refresh the groups; missing permissions raise so a typo cannot pass silently.

    `model_exists(app_label, model_name, codename)`, in a migration, leaves out
    the permissions of models (or custom permissions of a model) that do not
    exist yet at that point of the history (a later migration refreshes the
    groups once they do).
    """
    for name, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for app_label, codename in wanted:
            if model_exists and not model_exists(app_label, _model_of(codename), codename):
                continue
            perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


# Custom permissions (Meta.permissions) whose codename does not end in their model's name.
_CUSTOM_PERMISSION_MODELS = {"review_all_cases": "case"}


def _model_of(codename):
    """The model a permission is about: add_rule -> rule, publish_guidanceversion -> guidanceversion."""
    return _CUSTOM_PERMISSION_MODELS.get(codename, codename.partition("_")[2])


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

    def model_exists(app_label, model_name, codename):
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            return False
        default = codename.partition("_")[0] in model._meta.default_permissions
        return default or codename in {name for name, _ in model._meta.permissions}

    ensure_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), model_exists=model_exists)
