"""The stored assessment format: the lines exactly as they were shown, versioned.

An assessment never changes, so every format ever written must read back as
it was shown. Each format names its fields exactly; a stored line with a field
missing or unknown is refused loudly (SnapshotFormatError), never read with a
blank in its place.

- Format 1 (guidance v1 era): a bare JSON list of lines, each with the fields
  of FORMAT_1_FIELDS. Those lines had no quote and no items to confirm, and
  read back with `quote` and `confirm` as None: not part of that format, so
  never shown as blank.
- Format 2: {"format": 2, "lines": [...]}, each line with FORMAT_2_FIELDS:
  format 1's plus `quote` (the words of the paragraph the rule rests on) and
  `confirm` (the source's qualifiers to check before acting).
- Format 3 (guidance v3 era): format 2's lines plus `offers`
  ([{"intervention", "intent"}]), `about` (ids) and `effect` ("" when none):
  what each line offered and what each caution was about, as shown.
- Format 4: format 3's lines plus `because` ([{"fact", "value"}], the
  engine's pairs, as the contract writes them): the facts that made the line
  fire, from which its "why" is worded (display.reason_in_words). Lines of
  formats 2 and 3 read back with `because` None; Assessment.lines gives them
  the `because` of their version's rule (display.lines_with_because).
"""

from .display import Line

FORMAT = 4
FORMAT_1_FIELDS = (
    "rule",
    "paragraph",
    "kind",
    "summary",
    "reason",
    "facts",
    "paragraph_title",
    "paragraph_text",
    "section",
)
FORMAT_2_FIELDS = (*FORMAT_1_FIELDS, "quote", "confirm")
FORMAT_3_FIELDS = (*FORMAT_2_FIELDS, "offers", "about", "effect")
FORMAT_4_FIELDS = (*FORMAT_3_FIELDS, "because")
_FIELDS = {1: FORMAT_1_FIELDS, 2: FORMAT_2_FIELDS, 3: FORMAT_3_FIELDS, 4: FORMAT_4_FIELDS}


class SnapshotFormatError(ValueError):
    """A stored assessment that does not match the format it claims."""


def to_dict(lines):
    """The stored form of lines as shown (always the newest format)."""
    return {"format": FORMAT, "lines": [_line_to_dict(line) for line in lines]}


def _line_to_dict(line):
    data = {name: getattr(line, name) for name in FORMAT_4_FIELDS}
    data["confirm"] = list(line.confirm or ())
    data["quote"] = line.quote or ""
    data["offers"] = [{"intervention": item, "intent": intent} for item, intent in line.offers]
    data["about"] = list(line.about)
    data["because"] = [
        {"fact": name, "value": list(value) if isinstance(value, tuple) else value} for name, value in line.because
    ]
    return data


def from_dict(stored):
    """The lines of a stored assessment, in any format ever written."""
    if isinstance(stored, list):
        number, items = 1, stored
    elif isinstance(stored, dict) and isinstance(stored.get("format"), int):
        number, items = stored["format"], stored.get("lines")
        if set(stored) != {"format", "lines"} or not isinstance(items, list):
            raise SnapshotFormatError(f"stored assessment (format {number}): expected exactly 'format' and 'lines'")
    else:
        raise SnapshotFormatError("stored assessment: neither a list of lines (format 1) nor a format object")
    fields = _FIELDS.get(number)
    if fields is None:
        raise SnapshotFormatError(f"stored assessment: unknown format {number!r} (this code reads 1 to {FORMAT})")
    return [_line_from_dict(item, fields, number, position) for position, item in enumerate(items, start=1)]


def _line_from_dict(item, fields, number, position):
    if not isinstance(item, dict):
        raise SnapshotFormatError(f"stored assessment (format {number}), line {position}: not an object")
    missing = [name for name in fields if name not in item]
    unknown = sorted(set(item) - set(fields))
    if missing or unknown:
        raise SnapshotFormatError(
            f"stored assessment (format {number}), line {position}: "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(unknown)}" if unknown else "",
                )
                if part
            )
        )
    values = {name: item[name] for name in fields}
    if number == 1:
        values.update(quote=None, confirm=None)
    else:
        values["confirm"] = tuple(values["confirm"])
    if number >= 3:
        values["offers"] = tuple((o["intervention"], o["intent"]) for o in values["offers"])
        values["about"] = tuple(values["about"])
    if number >= 4:
        values["because"] = tuple(
            (b["fact"], tuple(b["value"]) if isinstance(b["value"], list) else b["value"]) for b in values["because"]
        )
    return Line(**values)
