"""Which links of the main navigation a signed-in user sees, kept in the session.

The links follow from the user's role: Cases for whoever may add cases,
Review for whoever may review every case. Asking the permissions costs two
queries, which every page would pay for the navigation alone, so the answer is
worked out at login and again at most once a minute, and kept in the session
between: a changed role shows in the navigation within a minute. The
navigation is a convenience, not a gate; views check permissions afresh on
every request.
"""

import time

from .middleware import SEEN_RESOLUTION

NAV_KEY = "mastoweb_nav"
# As often as the activity stamp, so the two are mostly written in the same request.
NAV_RESOLUTION = SEEN_RESOLUTION

LINKS = {"cases": "cases.add_case", "review": "cases.review_all_cases"}


def _links(user, now):
    return {"at": now, "user": user.pk, **{name: user.has_perm(perm) for name, perm in LINKS.items()}}


def stamp_navigation(sender, request, user, **kwargs):
    """user_logged_in receiver: the links for the new session."""
    request.session[NAV_KEY] = _links(user, time.time())


def navigation(request):
    """Context processor: `nav.cases` and `nav.review` for base.html."""
    user = getattr(request, "user", None)  # absent when a page is rendered before authentication
    if user is None or not user.is_authenticated:
        return {}
    now = time.time()
    nav = request.session.get(NAV_KEY)
    if nav is None or nav.get("user") != user.pk or not 0 <= now - nav["at"] < NAV_RESOLUTION:
        nav = _links(user, now)
        request.session[NAV_KEY] = nav
    return {"nav": nav}
