"""Factories for cases, and readers for what a page shows."""

import re
from collections import Counter
from html.parser import HTMLParser
from itertools import count

from django.db import connection

from cases.services import case_create
from guidance.facts import FACTS

_labels = count(1)

# Each audit event written takes the trail's lock first: one query more on PostgreSQL (an advisory lock),
# none on SQLite (its one writer is the lock).
AUDIT_LOCK_QUERIES = 1 if connection.vendor == "postgresql" else 0


def form_data(**facts):
    """What the case form posts: every field as a browser sends it, defaults unless given."""
    data = {"label": facts.pop("label", f"Case {next(_labels)}"), "notes": facts.pop("notes", "")}
    for name, fact in FACTS.items():
        # A worked case may still give a yes/no fact that was a tick box as true/false: its radio's value.
        value = fact.from_tick(facts.pop(name, fact.default))
        if fact.is_enum_list:
            data[name] = list(value)
        elif fact.is_bool:
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    assert not facts, f"not case facts: {sorted(facts)}"
    return data


def every_fact_away_from_default(end):
    """Case facts with every fact away from its default, each at the `end` ("low" or "high") of what it takes.

    A choice: the first or the last value other than the default; a list: its first and last values, or all;
    a number: its minimum (often 0, which a careless read turns into "not given") or, near the top of its
    range, one with decimals. Built from the vocabulary, so a new fact is in it at once: a form or a copy
    that dropped a fact would give back its default, and the comparison would name it.
    """
    facts = {}
    for name, fact in FACTS.items():
        if fact.is_enum:
            others = [value for value in fact.values if value != fact.default]
            facts[name] = others[0] if end == "low" else others[-1]
        elif fact.is_enum_list:
            facts[name] = [fact.values[0], fact.values[-1]] if end == "low" else list(fact.values)
        elif fact.is_bool:
            facts[name] = not fact.default
        else:
            low = 0 if fact.minimum is None else fact.minimum
            high = low + 1000 if fact.maximum is None else fact.maximum
            if fact.is_integer:
                facts[name] = int(low if end == "low" else high)
            else:
                facts[name] = float(low) if end == "low" else high - 0.25
    return facts


def make_case(user, *, label=None, notes="", **facts):
    facts.setdefault("subtype", "ISM")
    return case_create(user=user, label=label or f"Case {next(_labels)}", facts=facts, notes=notes)


class _RecommendationParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-paragraph" in attrs and "data-kind" in attrs:
            self.found.append((attrs["data-paragraph"], attrs["data-kind"]))


def shown_recommendations(html):
    """The (paragraph, kind) pairs of every recommendation element on a page, in page order."""
    parser = _RecommendationParser()
    parser.feed(html if isinstance(html, str) else html.decode())
    return parser.found


def shown_multiset(html):
    return Counter(shown_recommendations(html))


def publish_revision(*, user, revise):
    """Publish a new guidance version: a draft of the current one, changed by `revise(draft)`."""
    from guidance import publishing, selectors
    from tests.review import approved

    draft = publishing.draft_create(guideline=selectors.guidance_current().guideline, user=user)
    revise(draft)
    approved(draft)
    return publishing.draft_publish(draft=draft, user=user, change_note="Test revision.", confirm_changes=True)


def input_tag(html, name, value=None):
    """The one <input> tag with this name (and value), as rendered."""
    tags = [
        tag
        for tag in re.findall(r"<input\b[^>]*>", html)
        if f'name="{name}"' in tag and (value is None or f'value="{value}"' in tag)
    ]
    assert len(tags) == 1, f"{len(tags)} inputs named {name!r} with value {value!r}"
    return tags[0]
