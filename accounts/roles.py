"""The roles, declared once: each one's group, permissions, start page and navigation.

A role is a Django group. The groups and their permissions are ensured after
every migrate (ensure_roles, a post_migrate receiver), so adding a role or a
permission is an edit here and nothing else; migrations never import this
module. The start page and the navigation links follow from the roles a user
holds (a superuser holds them all); the views still check permissions.
"""

from dataclasses import dataclass

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

CLINICIAN = "Clinician"
REVIEWER = "Reviewer"
GUIDANCE_EDITOR = "Guidance editor"


@dataclass(frozen=True)
class NavLink:
    """A link of the main navigation, and the pages for which it is the current section.

    `section` holds view names ("cases:review") and whole namespaces ("cases:");
    a view name is matched before a namespace (see accounts.navigation).
    """

    label: str
    url_name: str
    section: tuple[str, ...]


CASES = NavLink(
    "Cases",
    "cases:list",
    # The reviewer's pages in the cases namespace are REVIEW's section (a view name wins).
    ("cases:",),
)
REVIEW = NavLink(
    "Review",
    "cases:review",
    ("cases:review", "cases:review_export", "cases:review_detail", "cases:dashboard", "cases:dashboard_csv"),
)
GUIDANCE = NavLink("Guidance", "guidance:current", ("guidance:",))
WORKBENCH = NavLink("Guidance workbench", "workbench:start", ("workbench:",))
CLASSIFICATION_WORKBENCH = NavLink(
    "Classification record", "classification_workbench:overview", ("classification_workbench:",)
)

# Every signed-in user sees these, after the links of their roles.
EVERYONE_NAVIGATION = (GUIDANCE,)
# A user with no role starts here.
DEFAULT_START_PAGE = "guidance:current"


@dataclass(frozen=True)
class Role:
    name: str
    permissions: tuple[tuple[str, str], ...]  # (app label, codename)
    start_page: str  # URL name
    navigation: tuple[NavLink, ...] = ()
    staff: bool = False  # works in the admin (the account is made staff, which asks for the second factor)


def _model_permissions(app_label, models, actions=("add", "change", "delete", "view")):
    return tuple((app_label, f"{action}_{model}") for model in models for action in actions)


# In order of precedence: a user holding several roles starts at the first one's page.
ROLES = (
    Role(
        CLINICIAN,
        permissions=(
            ("cases", "add_case"),
            ("cases", "change_case"),
            ("cases", "view_case"),
            ("cases", "add_assessment"),
            ("cases", "view_assessment"),
            ("cases", "add_recommendationfeedback"),
            ("cases", "view_recommendationfeedback"),
        ),
        start_page="cases:list",
        navigation=(CASES,),
    ),
    Role(
        REVIEWER,
        permissions=(
            ("cases", "view_case"),
            ("cases", "view_assessment"),
            ("cases", "review_all_cases"),
            ("cases", "view_recommendationfeedback"),
            ("audit", "view_auditevent"),
        ),
        start_page="cases:review",
        navigation=(REVIEW,),
    ),
    Role(
        GUIDANCE_EDITOR,
        permissions=(
            *_model_permissions(
                "guidance", ("guidanceversion", "section", "paragraph", "rule", "safetyproperty", "regressioncase")
            ),
            # Approval goes to editors: the second person must know the content, and the
            # rule "never the one who last changed it" is enforced per draft by
            # guidance.publishing, not by a separate role.
            ("guidance", "publish_guidanceversion"),
            ("guidance", "approve_guidanceversion"),
            ("guidance", "view_guideline"),
        ),
        # The draft's workbench (or the versions, to create one): where an editor's work is.
        start_page="workbench:start",
        navigation=(WORKBENCH, CLASSIFICATION_WORKBENCH),
        staff=True,
    ),
)
ROLES_BY_NAME = {role.name: role for role in ROLES}


def user_roles(user):
    """The roles a signed-in user holds, in ROLES order: every one for a superuser. One query otherwise."""
    if user.is_superuser:
        return ROLES
    held = set(user.groups.values_list("name", flat=True))
    return tuple(role for role in ROLES if role.name in held)


def start_page(roles):
    return roles[0].start_page if roles else DEFAULT_START_PAGE


def navigation(roles):
    """The links for these roles, each once, then those everyone sees."""
    links = [link for role in roles for link in role.navigation] + list(EVERYONE_NAVIGATION)
    return list(dict.fromkeys(links))


def ensure_roles(sender, apps, using="default", **kwargs):
    """post_migrate receiver: each role's group holds exactly its declared permissions.

    Idempotent, after every migrate. Django creates permissions app by app after
    migrate; the groups need every app's now, so they are made first. A
    database migrated only part of the way (an app taken back to zero) is left
    as it is, until the next full migrate. On a migrated database a permission
    that does not exist raises, so a typo cannot pass silently.
    """
    labels = sorted({app_label for role in ROLES for app_label, _ in role.permissions})
    in_code = {
        (label, model._meta.model_name) for label in labels for model in global_apps.get_app_config(label).get_models()
    }
    in_state = {(model._meta.app_label, model._meta.model_name) for model in apps.get_models()}
    if not in_code <= in_state:
        return
    for label in labels:
        create_permissions(global_apps.get_app_config(label), apps=apps, verbosity=0, using=using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role.name)
        group.permissions.set(
            [
                Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename)
                for app_label, codename in role.permissions
            ]
        )
