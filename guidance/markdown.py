"""Markdown for guidance text, rendered through a sanitiser.

Guidance editors write Markdown in admin; what reaches a page is only the
markup below, with safe link schemes. Raw HTML in the text is escaped by the
Markdown step and anything that survives is cleaned by nh3.
"""

import re

import markdown as markdown_lib
import nh3
from django.utils.safestring import mark_safe

from core import caches

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
@caches.memo("guidance.markdown", size=4096)
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


# Raw HTML in guidance text: a script or style element with what it holds, a comment, or any tag.
# "< 20 ng/mL" and "a<b" are not tags: a tag's name starts right after the "<" with a letter.
_HTML_IN_TEXT = re.compile(
    r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)|<!--.*?(-->|$)|</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>",
    re.IGNORECASE | re.DOTALL,
)


def html_stripped(text):
    """The text without raw HTML, and the pieces taken out ([] when there were none).

    Markdown escapes raw HTML, so a clinician would read a typed <script> as literal junk:
    it is taken out when the text is saved, and the editor is told what went.
    """
    removed = [match.group(0) for match in _HTML_IN_TEXT.finditer(text or "")]
    return (_HTML_IN_TEXT.sub("", text) if removed else text), removed
