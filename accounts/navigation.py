"""The main navigation of a signed-in user, from their roles (accounts.roles), kept in the session.

Working out the roles costs a query, which every page would pay for the
navigation alone, so the links are worked out at login and again at most once
a minute, and kept in the session between: a changed role shows in the
navigation within a minute. The navigation is a convenience, not a gate; views
check permissions afresh on every request.

Which link is the current section is set here too, from the view's name and
each link's declared section, not guessed by the template.
"""

import time

from . import roles
from .middleware import SEEN_RESOLUTION

NAV_KEY = "mastoweb_nav"
# As often as the activity stamp, so the two are mostly written in the same request.
NAV_RESOLUTION = SEEN_RESOLUTION
LINKS = {link.url_name: link for role in roles.ROLES for link in role.navigation} | {
    link.url_name: link for link in roles.EVERYONE_NAVIGATION
}


def _stamp(user, now):
    held = roles.user_roles(user)
    return {"at": now, "user": user.pk, "links": [link.url_name for link in roles.navigation(held)]}


def stamp_navigation(sender, request, user, **kwargs):
    """user_logged_in receiver: the links for the new session."""
    request.session[NAV_KEY] = _stamp(user, time.time())


def section_of(view_name):
    """The link whose section holds this view: by its name first, then by its namespace; or None."""
    if not view_name:
        return None
    namespace = view_name.rpartition(":")[0] + ":"
    for wanted in (view_name, namespace):
        for link in LINKS.values():
            if wanted in link.section:
                return link
    return None


def navigation(request):
    """Context processor: `nav_links` (NavLinks) and `nav_active` (the current section's link, or None)."""
    user = getattr(request, "user", None)  # absent when a page is rendered before authentication
    if user is None or not user.is_authenticated:
        return {}
    now = time.time()
    nav = request.session.get(NAV_KEY)
    if nav is None or nav.get("user") != user.pk or "links" not in nav or not 0 <= now - nav["at"] < NAV_RESOLUTION:
        nav = _stamp(user, now)
        request.session[NAV_KEY] = nav
    match = getattr(request, "resolver_match", None)
    return {
        "nav_links": [LINKS[name] for name in nav["links"] if name in LINKS],
        "nav_active": section_of(match.view_name if match else None),
    }
