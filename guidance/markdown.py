"""Markdown for guidance text, rendered through a sanitiser.

Guidance editors write Markdown in admin; what reaches a page is only the
markup below, with safe link schemes. Raw HTML in the text is escaped by the
Markdown step and anything that survives is cleaned by nh3.
"""

from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "code",
    "pre",
    "blockquote",
    "sup",
    "sub",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


class _EscapeHtml(markdown_lib.Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Markdown's API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


# Rendering is a pure function of the text, and published text never changes:
# each distinct paragraph is parsed and sanitised once per process.
@lru_cache(maxsize=4096)
def render_markdown(text):
    html = markdown_lib.markdown(text or "", extensions=[_EscapeHtml()], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised just above
