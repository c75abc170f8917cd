"""What the audit trail knows of other apps' actions, objects and words, filled by those apps at start-up.

Audit imports none of them: each app registers, in its AppConfig.ready, the
actions it records (code and label: a new action needs no audit migration),
how to name and link its objects (one query per kind of object for a whole page of
events) and how to say its detail keys and values in words. The trail stores
ids and codes; the page and the CSV show names.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

# action code -> label, in the order the apps registered them
_actions = {}

# object type ("app_label.model") -> describe(ids, user) -> {id: Named}
_objects = {}
# detail key -> (label, object type the value refers to, or None)
_detail_keys = {}
# detail key -> words(value) -> str, for values that are codes or lists of codes
_detail_values = {}


class UnknownActionError(ValueError):
    """An event recorded with an action no app registered."""


def register_actions(choices):
    """The actions an app records: a TextChoices class (code and label), registered in its ready()."""
    for code, label in choices.choices:
        if _actions.get(code, label) != label:
            raise ImproperlyConfigured(f"Audit action {code!r} is registered twice, with different labels.")
        _actions[code] = label


def action_known(code):
    """The code, if an app registered it; UnknownActionError otherwise."""
    if code not in _actions:
        raise UnknownActionError(f"No app registered the audit action {code!r}.")
    return str(code)


def action_label(code):
    """The action in words; an action no longer registered shows its code."""
    return _actions.get(code, code)


def action_choices():
    return list(_actions.items())


@dataclass(frozen=True)
class Named:
    name: str
    url: str | None = None  # None when this user has no page to follow it to


def register_objects(object_type, describe):
    """`describe(ids, user)` returns {id (str): Named} for the ids it knows, in one query."""
    _objects[object_type] = describe


def register_details(labels, *, refers_to=None, values=None):
    """Labels for detail keys; `refers_to` maps keys whose value is an object id to its type;
    `values` maps keys to a function giving their value in words."""
    for key, label in labels.items():
        _detail_keys[key] = (label, (refers_to or {}).get(key))
    _detail_values.update(values or {})


@dataclass(frozen=True)
class Detail:
    label: str
    words: str
    url: str | None = None


def events_described(events, *, user):
    """Give each event `object_named` (a Named or None) and `details_shown` (Details), for this user."""
    wanted = defaultdict(set)
    for event in events:
        if event.object_type in _objects and event.object_id:
            wanted[event.object_type].add(event.object_id)
        for key, value in event.details.items():
            refers = _detail_keys.get(key, (None, None))[1]
            if refers in _objects and value not in (None, ""):
                wanted[refers].add(str(value))
    named = {kind: _objects[kind](sorted(ids), user) for kind, ids in wanted.items()}
    for event in events:
        event.object_named = named.get(event.object_type, {}).get(event.object_id) if event.object_id else None
        event.details_shown = [_detail(key, value, named) for key, value in sorted(event.details.items())]
    return events


def _detail(key, value, named):
    label, refers = _detail_keys.get(key, (key.replace("_", " ").capitalize(), None))
    if refers and value not in (None, ""):
        found = named.get(refers, {}).get(str(value))
        if found:
            return Detail(label, found.name, found.url)
    if key in _detail_values:
        return Detail(label, _detail_values[key](value))
    if isinstance(value, list):
        return Detail(label, ", ".join(str(item) for item in value) or "none")
    if isinstance(value, bool):
        return Detail(label, "yes" if value else "no")
    return Detail(label, "" if value is None else str(value))


def details_in_words(event):
    """One line for a CSV cell: "Label: words; …" (call after events_described)."""
    return "; ".join(f"{detail.label}: {detail.words}" for detail in event.details_shown)
