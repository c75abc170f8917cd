"""The CDS Hooks 2.0.1 card rules, written from the spec's tables (there is no official JSON schema)."""

INDICATORS = {"info", "warning", "critical"}
CARD_FIELDS = {"uuid", "summary", "detail", "indicator", "source", "suggestions", "selectionBehavior",
               "overrideReasons", "links", "extension"}  # fmt: skip


def empty_values(value, where="$"):
    """Every null, empty string, empty list or empty object in a JSON value (the spec forbids them)."""
    if value is None or value == "" or value == [] or value == {}:
        return [where]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in empty_values(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in empty_values(item, f"{where}[{i}]")]
    return []


def card_problems(card):
    """What makes a card break the spec; empty when it keeps it."""
    problems = [f"empty value at {where}" for where in empty_values(card)]
    problems += [f"unknown field {name}" for name in set(card) - CARD_FIELDS]
    for required in ("summary", "indicator", "source"):
        if required not in card:
            problems.append(f"missing {required}")
    if len(card.get("summary", "")) >= 140:
        problems.append(f"summary of {len(card['summary'])} characters")
    if card.get("indicator") not in INDICATORS:
        problems.append(f"indicator {card.get('indicator')!r}")
    if not card.get("source", {}).get("label"):
        problems.append("source without a label")
    for link in card.get("links", []):
        if not (link.get("label") and link.get("url") and link.get("type") in {"absolute", "smart"}):
            problems.append(f"bad link {link}")
    for reason in card.get("overrideReasons", []):
        if not reason.get("code") or not reason.get("display"):
            problems.append(f"override reason without code or display: {reason}")
    return problems
