"""Template filters of the case pages: how a line names its source, and dates written cheaply."""

import hashlib

from django import template

from guidance.selectors import section_titles

register = template.Library()


@register.filter
def source_name(line, version):
    """The paragraph's title; for a paragraph without one, its section's title, never a bare anchor."""
    if line.paragraph_title:
        return line.paragraph_title
    return section_titles(version=version).get(line.section) or line.paragraph


# English month abbreviations, as Django's date filter writes "M" for this site's language (en-gb).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.filter(expects_localtime=True)
def day(value):
    """A date as the case pages write it ("5 Dec 2026"), the same as `date:"j M Y"`.

    The case list writes two dates on each of its fifty rows: Django's date filter, which looks up
    translations and formats for every letter of the format, was a quarter of the page's render time.
    """
    if not value:
        return ""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


@register.filter(expects_localtime=True)
def day_time(value):
    """A date and time as the case pages write it ("5 Dec 2026 14:02"), the same as `date:"j M Y H:i"`."""
    if not value:
        return ""
    return f"{day(value)} {value.hour:02d}:{value.minute:02d}"


@register.filter
def card_key(line, version):
    """The cache key of a line's card as `version` shows it, or "" when the card must be drawn each time.

    The card is the same HTML for the same line of the same frozen version: the key hashes every field of
    the line (its wording, facts, quote, items to check, source text) with the version's content key
    (GuidanceVersion.content_key), so a database restored with other content under the same ids never meets
    a stale card.
    A draft's cards are drawn each time (its section titles can still change).
    """
    if version is None or not version.is_frozen:
        return ""
    text = f"{version.content_key!r}|{line!r}"
    return hashlib.sha256(text.encode()).hexdigest()
