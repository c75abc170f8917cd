"""Comparing two guidance versions for the diff pages, and the word diff every diff page shows.

The guidance diff page, the admin's publish screen and the case comparison
page all mark changed words with this one word diff and one template include
(guidance/includes/words_diff.html).
"""

import difflib

from .conditions import condition_reading


def _field_shown(rule, name):
    """A rule field as the diff shows it; what the line offers in the vocabulary's words."""
    if name == "offers":
        return rule.offers_in_words if (rule.spec.offers or rule.spec.about) else ""
    return _shown(getattr(rule.spec, name))


def version_diff(*, old, new):
    """Text and rule differences between two versions, for the diff page."""
    old_paras = {p.slug: p for p in old.paragraphs.select_related("section")}
    new_paras = {p.slug: p for p in new.paragraphs.select_related("section")}
    text = []
    for slug in list(old_paras) + [s for s in new_paras if s not in old_paras]:
        a, b = old_paras.get(slug), new_paras.get(slug)
        a_text, b_text = (a.text if a else ""), (b.text if b else "")
        if a_text != b_text or (a and b and a.title != b.title):
            text.append(
                {
                    "slug": slug,
                    "title": (b or a).title or slug,
                    "status": "added" if not a else "removed" if not b else "changed",
                    "diff": list(difflib.ndiff(a_text.splitlines(), b_text.splitlines())),
                    "words": words_diff(a_text, b_text),
                }
            )
    old_rules = {r.rule_id: r for r in old.rules.select_related("paragraph")}
    new_rules = {r.rule_id: r for r in new.rules.select_related("paragraph")}
    rules = []
    for rule_id in list(old_rules) + [r for r in new_rules if r not in old_rules]:
        a, b = old_rules.get(rule_id), new_rules.get(rule_id)
        if a and b and a.spec == b.spec:
            continue
        fields = []
        for name in ("paragraph", "kind", "summary", "quote", "confirm", "offers", "condition", "mentions"):
            before = _field_shown(a, name) if a else ""
            after = _field_shown(b, name) if b else ""
            if before != after:
                field = {"name": name, "before": before, "after": after, "words": words_diff(before, after)}
                if name == "condition":
                    field.update(_condition_words(before, after, editions=(old.edition, new.edition)))
                fields.append(field)
        rules.append(
            {"rule_id": rule_id, "status": "added" if not a else "removed" if not b else "changed", "fields": fields}
        )
    old_props = {p.property_id: p.spec for p in old.safety_properties.all()}
    new_props = {p.property_id: p.spec for p in new.safety_properties.all()}
    props = []
    for property_id in list(old_props) + [p for p in new_props if p not in old_props]:
        a, b = old_props.get(property_id), new_props.get(property_id)
        if a == b:
            continue
        fields = [
            {"name": name, "before": getattr(a, name) if a else "", "after": getattr(b, name) if b else ""}
            for name in ("statement", "condition")
            if (getattr(a, name) if a else "") != (getattr(b, name) if b else "")
        ]
        props.append(
            {
                "property_id": property_id,
                "status": "added" if not a else "removed" if not b else "changed",
                "fields": fields,
            }
        )
    return {"text": text, "rules": rules, "properties": props}


def _condition_words(before, after, *, editions):
    """The readback of each side (each in its version's edition), and their word diff when both can be read back."""
    readings = {
        "reading_before": condition_reading(before, edition=editions[0]) if before else None,
        "reading_after": condition_reading(after, edition=editions[1]) if after else None,
    }
    both = [r for r in readings.values() if r is not None]
    if both and all(r.ok for r in both):
        texts = [r.text if r is not None else "" for r in readings.values()]
        readings["reading_words"] = words_diff(*texts)
    return readings


def _shown(value):
    """A rule field as an editor reads it in a diff (lists one item after another)."""
    return "; ".join(value) if isinstance(value, tuple | list) else value


def _word_key(word):
    # A word is the same word whatever punctuation follows it: "present" and "present;" are equal
    # (a clause added after it moves the semicolon, it does not change the word).
    return word.rstrip(";,.") or word


def words_diff(a, b):
    """[(op, words)] with op in equal/insert/delete, for inline highlighting; equal words as the new text has them."""
    a_words, b_words = a.split(), b.split()
    matcher = difflib.SequenceMatcher(a=[_word_key(w) for w in a_words], b=[_word_key(w) for w in b_words])
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", " ".join(b_words[j1:j2])))
        else:
            if i2 > i1:
                out.append(("delete", " ".join(a_words[i1:i2])))
            if j2 > j1:
                out.append(("insert", " ".join(b_words[j1:j2])))
    return out
