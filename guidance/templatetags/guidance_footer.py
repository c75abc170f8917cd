"""`{% guidance_footer version %}`: the footer's line naming a guidance version, rendered once per process.

Every page has it, and rendering it took about a third of the trivial page's
template time (a URL, a date, five lookups). What it shows is fixed by the
values in the key, so its HTML is kept; a changed status, title or source
makes a new key.
"""

from django import template
from django.template.loader import render_to_string
from django.utils.translation import get_language

register = template.Library()

_rendered = {}


@register.simple_tag
def guidance_footer(version):
    if not version:
        return ""
    guideline = version.guideline
    key = (
        version.pk,
        version.number,
        version.status,
        version.published_at,
        guideline.title,
        guideline.source,
        get_language(),
    )
    html = _rendered.get(key)
    if html is None:
        html = _rendered[key] = render_to_string("includes/guidance_footer.html", {"shown": version})
    return html
