"""`{% guidance_footer version %}`: the footer's line naming a guidance version, rendered once per process.

Every page has it, and rendering it took about a third of the trivial page's
template time (a URL, a date, five lookups). What it shows is fixed by the
values in the key, so its HTML is kept; a changed status, title or source
makes a new key (a draft's source record too, which its editor can change).
"""

from django import template
from django.template.loader import render_to_string
from django.utils.translation import get_language

from core import caches

register = template.Library()

_rendered = caches.lru("guidance.footer", size=64)


@register.simple_tag
def guidance_footer(version):
    if not version:
        return ""
    guideline = version.guideline
    key = (
        version.content_key,
        version.status,
        *(getattr(version, name) for name in version.PROVENANCE_FIELDS),
        guideline.title,
        guideline.source,
        get_language(),
    )
    html = _rendered.get(key)
    if html is None:
        html = _rendered[key] = render_to_string("includes/guidance_footer.html", {"shown": version})
    return html
