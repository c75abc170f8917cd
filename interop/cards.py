"""CDS Hooks 2.0.1 cards from the lines of one evaluation: one per caution, one summary for the rest.

The spec forbids null and empty values in cards, caps `summary` below 140
characters, and allows the indicators info, warning and critical.
"""

import re
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from cases.models import RecommendationFeedback
from guidance.interventions import INTERVENTIONS, members
from guidance.kinds import Kind, is_caution

SUMMARY_LIMIT = 139  # "< 140 characters"
INDICATORS = ("info", "warning", "critical")
REASON_SYSTEM = "urn:mastoweb:feedback-reason"
RULES_EXTENSION = "org.mastoweb.rules"
# What the lines of a card offer, and what its caution is about (guidance.interventions), with ATC codes.
INTERVENTIONS_EXTENSION = "org.mastoweb.interventions"
_MARKDOWN = re.compile(r"([\\`*_\[\]<>])")


def rule_system(version):
    return f"urn:mastoweb:rules:{version.guideline.slug}"


def absolute(path):
    return settings.PUBLIC_BASE_URL + path


def anchor_url(version, anchor):
    """The guidance page of this version at a line's anchor (its quoted sentence, else its paragraph)."""
    return absolute(f"{version.get_absolute_url()}#{anchor}")


def prefill_url(given):
    """A new Mastoweb case with the facts read from the EHR filled in (cases:create reads them)."""
    query = {name: ("true" if value is True else "false" if value is False else value) for name, value in given.items()}
    return absolute(reverse("cases:create") + ("?" + urlencode(query, doseq=True) if query else ""))


def shorten(text, limit=SUMMARY_LIMIT):
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


def _md(text):
    return _MARKDOWN.sub(r"\\\1", text)


def line_markdown(line, version):
    parts = [f"**{Kind(line.kind).label}:** {_md(line.summary)}"]
    if line.reason:
        parts.append(f"Why: {_md(line.reason)}")
    if line.quote:
        parts.append(f"> {_md(line.quote)}")
    if line.confirm:
        parts.append("Check before acting: " + "; ".join(_md(item) for item in line.confirm))
    title = line.paragraph_title or line.paragraph
    parts.append(f"Source: [{_md(title)}, guidance v{version.number}]({anchor_url(version, line.anchor)})")
    return "\n\n".join(parts)


def _source(version, *, url, rule=None, display=None):
    source = {"label": shorten(f"Mastoweb: {version.title} v{version.number}", 200), "url": url}
    if rule:
        source["topic"] = {"system": rule_system(version), "code": rule, "version": str(version.number)}
        if display:
            source["topic"]["display"] = display
    return source


def _override_reasons():
    Reason = RecommendationFeedback.Reason  # noqa: N806
    return [{"system": REASON_SYSTEM, "code": reason.value, "display": reason.label} for reason in Reason]


def _link(given):
    return {"label": "Open a new case in Mastoweb, prefilled", "url": prefill_url(given), "type": "absolute"}


def _interventions(*, offers=(), about=(), effect=""):
    """Card extension entries: each intervention offered (with its intent) or cautioned about (with the
    caution's effect), with its label and ATC code where the index has one. No empty value (CDS Hooks)."""
    entries = []
    pairs = [(item, {"intent": intent}) for item, intent in offers]
    pairs += [(item, {"effect": effect}) for item in members(about)]
    for item, extra in pairs:
        intervention = INTERVENTIONS[item]
        entry = {"id": item, "label": intervention.label, **extra}
        if intervention.atc:
            entry["atc"] = intervention.atc
        entries.append(entry)
    return entries


SUBTYPE_CHECK_RULE = "subtype-check"


def subtype_check_card(check, *, version, mapped):
    """A warning card when the subtype coded in the record does not fit the findings read (WHO 2022); else None."""
    if check.agrees_with_recorded is not False:
        return None
    detail = [f"**{_md(check.heading)}**"]
    detail += [f"- {_md(reason.text)}" for reason in check.reasons]
    detail.append(_md(check.closing))
    detail.append("Mastoweb never changes the subtype: check the findings and change it in the record if you agree.")
    url = absolute(reverse("guidance:classification"))
    return {
        "uuid": str(uuid.uuid4()),
        "summary": shorten(f"Subtype check: {check.recorded} does not fit the findings ({check.system})"),
        "indicator": "warning",
        "detail": "\n\n".join(detail),
        "source": {"label": shorten(f"Mastoweb subtype check: {check.citation}", 200), "url": url},
        "overrideReasons": _override_reasons(),
        "links": [_link(mapped.given)],
        "extension": {RULES_EXTENSION: [SUBTYPE_CHECK_RULE]},
    }


def cards_build(*, lines, version, mapped, check=None):
    """[(card JSON, rules it shows)]: the subtype check's warning when the coded subtype does not fit the
    findings (`check`), a warning card per caution, then an info summary of the rest."""
    cards = []
    link = _link(mapped.given)  # the same on every card: reversed and encoded once
    misfit = subtype_check_card(check, version=version, mapped=mapped) if check is not None else None
    if misfit is not None:
        cards.append((misfit, [SUBTYPE_CHECK_RULE]))
    for line in lines:
        if not is_caution(line.kind):
            continue
        card = {
            "uuid": str(uuid.uuid4()),
            "summary": shorten(f"Caution: {line.summary}"),
            "indicator": Kind(line.kind).cds_indicator,
            "detail": line_markdown(line, version),
            "source": _source(
                version, url=anchor_url(version, line.anchor), rule=line.rule, display=shorten(line.summary, 200)
            ),
            "overrideReasons": _override_reasons(),
            "links": [dict(link)],
            "extension": {RULES_EXTENSION: [line.rule]},
        }
        if line.about:
            card["extension"][INTERVENTIONS_EXTENSION] = _interventions(about=line.about, effect=line.effect)
        cards.append((card, [line.rule]))
    rest = [line for line in lines if not is_caution(line.kind)]
    counted = f"{len(rest)} more line{'s' if len(rest) != 1 else ''}" if rest else "no further lines"
    summary = f"SM guidance v{version.number}: {counted}"
    if mapped.notes:
        summary = f"{summary}; {mapped.notes[0]}"
    detail = []
    if mapped.notes:
        detail.append("**Not read from the record:**\n\n" + "\n".join(f"- {_md(note)}" for note in mapped.notes))
    detail.extend(line_markdown(line, version) for line in rest)
    if not rest:
        detail.append(f"No other line of guidance v{version.number} applies to the facts read from the record.")
    card = {
        "uuid": str(uuid.uuid4()),
        "summary": shorten(summary),
        "indicator": "info",
        "detail": "\n\n---\n\n".join(detail),
        "source": _source(version, url=absolute(version.get_absolute_url())),
        "links": [dict(link)],
    }
    if rest:
        card["extension"] = {RULES_EXTENSION: [line.rule for line in rest]}
        offered = [entry for line in rest for entry in _interventions(offers=line.offers)]
        if offered:
            card["extension"][INTERVENTIONS_EXTENSION] = offered
    cards.append((card, [line.rule for line in rest]))
    return cards
