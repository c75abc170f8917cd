"""The guidance version the footer names, set explicitly.

A view whose page shows a particular version says so with `footer_shows`
(a case's assessment names the version it was made under; a guidance page
its own version); a view that already holds the current version passes it the
same way, sparing the footer a lookup. Otherwise the footer names the current
version, looked up only if a template renders the footer.
"""

from .selectors import guidance_current

_UNSET = object()


def footer_shows(request, version):
    """This page shows `version` (or None: no version): the footer names it."""
    request.guidance_footer_version = version


def footer_guidance(request):
    """Context processor: `footer_guidance`, a callable the template resolves only when it renders the footer."""

    def version():
        shown = getattr(request, "guidance_footer_version", _UNSET)
        return guidance_current() if shown is _UNSET else shown

    return {"footer_guidance": version}
