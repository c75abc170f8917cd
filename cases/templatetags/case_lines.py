"""How a line names its source, where the stored line alone cannot say it."""

from django import template

from guidance.models import GuidanceVersion, Section

register = template.Library()

# Section titles of a published or retired version never change (the model refuses it): read once per process.
_section_titles = {}


def _titles(version):
    key = (version.pk, version.number)
    titles = _section_titles.get(key)
    if titles is None:
        titles = dict(Section.objects.filter(version=version).values_list("slug", "title"))
        if version.status != GuidanceVersion.Status.DRAFT:
            _section_titles[key] = titles
    return titles


@register.filter
def source_name(line, version):
    """The paragraph's title; for a paragraph without one, its section's title, never a bare anchor."""
    if line.paragraph_title:
        return line.paragraph_title
    return _titles(version).get(line.section) or line.paragraph
