"""Every URL of the site, read from the URL conf, and a signed-in client for each kind of user.

Shared by the permission matrix and the CSRF tests, so both see the same URLs:
a URL added to the URL conf shows up in both without anyone listing it.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import roles
from guidance.publishing import draft_create
from tests.cases.factories import form_data, make_case
from tests.review import approved

ROOT_URLCONF = "mastoweb.urls"

ANONYMOUS, OWNER, OTHER_CLINICIAN, REVIEWER, EDITOR = (
    "anonymous",
    "owner",
    "other clinician",
    "reviewer",
    "guidance editor",
)
# One signed-in person per role of accounts.roles.ROLES (by these names; a role added later by its own),
# and a second clinician, who does not own the case the URLs name.
_PERSON_OF_ROLE = {roles.CLINICIAN: OWNER, roles.REVIEWER: REVIEWER, roles.GUIDANCE_EDITOR: EDITOR}
ROLE_OF_PERSON = {_PERSON_OF_ROLE.get(role.name, role.name): role for role in roles.ROLES}
ROLE_OF_PERSON[OTHER_CLINICIAN] = roles.ROLES_BY_NAME[roles.CLINICIAN]
PEOPLE = (ANONYMOUS, *ROLE_OF_PERSON)

# Outcomes besides a plain status code.
LOGIN = "to login"  # 302 to the login page
ADMIN_LOGIN = "to admin login"  # 302 to the admin's login, which sends non-staff away
REDIRECT = "redirect"  # 302 anywhere else


@dataclass(frozen=True)
class SiteUrl:
    name: str  # "namespace:name"
    route: str
    params: tuple  # the URL's keyword arguments, by name


def _walk(patterns, *, route="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin is checked at a few chosen URLs, not all of Django's
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from _walk(pattern.url_patterns, route=route + str(pattern.pattern), namespace=inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else None
            converters = getattr(pattern.pattern, "converters", {}) or pattern.pattern.regex.groupindex
            yield SiteUrl(name=name, route=route + str(pattern.pattern), params=tuple(converters))


def site_urls():
    """Every URL of the app outside the admin, in URL conf order."""
    return list(_walk(get_resolver(ROOT_URLCONF).url_patterns))


# The admin is checked at these URLs (with their keyword arguments), not at all of Django's.
# The guidance workbench is outside the admin (/workbench/): site_urls() has all its URLs.
ADMIN_URLS = {
    "admin:index": (),
    "admin:guidance_guidanceversion_changelist": (),
    "admin:guidance_guidanceversion_change": ("object_id",),
    "admin:cases_case_changelist": (),
    "admin:cases_assessment_changelist": (),
    "admin:audit_auditevent_changelist": (),
}


def url_for(site_url, values):
    """The path of a URL with its keyword arguments taken from `values` (by parameter name)."""
    return reverse(site_url.name, kwargs={param: values[param] for param in site_url.params})


def path_for(name, values):
    """The path of a URL by name, from the URL conf or the chosen admin URLs."""
    params = ADMIN_URLS[name] if name in ADMIN_URLS else next(u.params for u in site_urls() if u.name == name)
    return reverse(name, kwargs={param: values[param] for param in params})


def url_values(people, guidance_version):
    """The URL keyword arguments, by name: the owner's case, its assessment, a draft guidance version."""
    owner, _ = people[OWNER]
    editor, _ = people[EDITOR]
    case = make_case(owner, subtype="ISM", symptoms=["flushing"])
    # Approved by a second editor, so the editor's publish goes through.
    draft = approved(draft_create(guideline=guidance_version.guideline, user=editor))
    return {
        "case_id": case.pk,
        "assessment_id": case.assessments.get().pk,
        "number": draft.number,
        "old": guidance_version.number,
        "new": draft.number,
        "object_id": draft.pk,
        "version_pk": draft.pk,
        "rule_pk": draft.rules.get(rule_id="venom-immunotherapy").pk,
        "paragraph_pk": draft.rules.get(rule_id="venom-immunotherapy").paragraph_id,
        "chart": "subtype",  # a dashboard chart's data
    }


def post_data(name):
    """What a person's form would post to this URL (a case starting from its first version)."""
    if name == "cases:feedback":
        return {"rule": "h1-for-cutaneous-symptoms", "outcome": "accepted"}  # a line url_values' case shows
    if name.startswith("cases:"):
        return {**form_data(subtype="SSM"), "lock_version": 0}
    if name == "workbench:publish":
        return {"change_note": "Published in a test.", "confirm_changes": "on"}
    if name == "workbench:condition_builder":
        return {"mode": "cel", "condition": 'venom_allergy == "yes"', "save": "1"}
    if name == "workbench:paragraph":
        return {"preview": "1", "text": "Words for a preview."}
    if name == "workbench:review_return":
        return {"comment": "Returned in a test."}
    return {}


def outcome(response):
    """The status code, or where a redirect goes: LOGIN, ADMIN_LOGIN or REDIRECT."""
    if response.status_code != 302:
        return response.status_code
    path = urlsplit(response["Location"]).path
    if path == resolve_url(settings.LOGIN_URL):
        return LOGIN
    if path == reverse("admin:login"):
        return ADMIN_LOGIN
    return REDIRECT


def role_user(make_user, username, role, *, staff=False):
    user = make_user(username, staff=staff)
    user.groups.add(Group.objects.get(name=role))
    return user


def everyone(make_user, login_two_factor, **client_options):
    """{person: (user or None, client)}: a user of each role (PEOPLE), signed in; staff past the two-factor step."""
    people = {ANONYMOUS: (None, Client(**client_options))}
    for person, role in ROLE_OF_PERSON.items():
        user = role_user(make_user, f"matrix-{person.replace(' ', '-')}", role.name, staff=role.staff)
        client = Client(**client_options)
        if user.is_staff:
            login_two_factor(client, user)
        else:
            client.force_login(user)
        people[person] = (user, client)
    return people
