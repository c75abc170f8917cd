"""Guidance services: compile, evaluate, draft, publish and compare versions."""

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from audit.services import Action, audit_covered, audit_record

from . import engine
from .facts import validate_case
from .models import GuidanceVersion, Guideline, Paragraph, Rule, Section
from .selectors import guidance_current, guidance_current_invalidate  # noqa: F401 - guidance_current: re-exported

REGRESSION_CASES_FILE = Path(__file__).resolve().parent / "data" / "regression-cases.json"


class PublishError(Exception):
    """A publish or draft request that cannot go ahead; the message says why."""


# Published and retired versions never change, so their compiled rules are
# cached for the life of the process (per app instance; nothing to invalidate).
# The key carries the publication time too: a primary key alone can come back
# for another version after a rolled-back transaction (SQLite reuses it).
_compiled_cache = {}


def guidance_compiled(version):
    """Compiled rules of a version: cached when frozen, compiled afresh for a draft."""
    key = (version.pk, version.published_at)
    if version.is_frozen and key in _compiled_cache:
        return _compiled_cache[key]
    compiled = engine.compile_guidance(
        slug=version.guideline.slug, version=version.number, title=version.title, rules=version.rule_specs()
    )
    if version.is_frozen:
        _compiled_cache[key] = compiled
    return compiled


def guidance_evaluate(*, facts, version):
    """Recommendations for validated facts under a guidance version."""
    return engine.evaluate(facts, guidance_compiled(version))


def evaluation_as_json(*, facts, version):
    """The evaluate_case contract's output object."""
    return {
        "guidance": {"slug": version.guideline.slug, "version": version.number, "title": version.title},
        "recommendations": [r.as_dict() for r in guidance_evaluate(facts=facts, version=version)],
    }


@transaction.atomic
def draft_create(*, guideline, user):
    """A new draft: a copy of the current published version, text and rules."""
    guideline = Guideline.objects.select_for_update().get(pk=guideline.pk)
    if guideline.versions.filter(status=GuidanceVersion.Status.DRAFT).exists():
        raise PublishError("There is already a draft of this guideline; edit or publish it first.")
    current = guideline.versions.filter(status=GuidanceVersion.Status.PUBLISHED).first()
    last_number = guideline.versions.order_by("-number").values_list("number", flat=True).first() or 0
    try:
        with transaction.atomic(), audit_covered():
            draft = GuidanceVersion.objects.create(
                guideline=guideline,
                number=last_number + 1,
                status=GuidanceVersion.Status.DRAFT,
                title=current.title if current else guideline.title,
                based_on=current,
                created_by=user,
            )
    except IntegrityError:
        raise PublishError("Another draft was created at the same moment; reload and edit that one.") from None
    if current:
        with audit_covered():
            _copy_content(source=current, target=draft)
    audit_record(
        actor=user,
        action=Action.GUIDANCE_DRAFT_CREATED,
        obj=draft,
        number=draft.number,
        based_on=current.number if current else None,
    )
    return draft


def _copy_content(*, source, target):
    sections = {}
    for section in source.sections.all():
        sections[section.pk] = Section.objects.create(
            version=target, slug=section.slug, title=section.title, text=section.text, order=section.order
        )
    paragraphs = {}
    for paragraph in source.paragraphs.all():
        paragraphs[paragraph.pk] = Paragraph.objects.create(
            version=target,
            section=sections[paragraph.section_id],
            slug=paragraph.slug,
            title=paragraph.title,
            text=paragraph.text,
            order=paragraph.order,
        )
    bulk_create_with_history(
        [
            Rule(
                version=target,
                rule_id=rule.rule_id,
                paragraph=paragraphs[rule.paragraph_id],
                kind=rule.kind,
                summary=rule.summary,
                condition=rule.condition,
                mentions=rule.mentions,
                order=rule.order,
            )
            for rule in source.rules.all()
        ],
        Rule,
        default_user=target.created_by,
    )


@transaction.atomic
def draft_publish(*, draft, user, change_note, confirm_changes=False):
    """Publish a draft in one transaction, retiring the version it replaces.

    Concurrent publishers are serialised on the guideline row: the first wins,
    the next finds the draft already published and is refused.
    """
    change_note = (change_note or "").strip()
    if not change_note:
        raise PublishError("A change note is required: say what changed and why.")
    guideline = Guideline.objects.select_for_update().get(pk=draft.guideline_id)
    draft = GuidanceVersion.objects.select_related("guideline").get(pk=draft.pk)
    if draft.status != GuidanceVersion.Status.DRAFT:
        raise PublishError(f"Guidance v{draft.number} is already {draft.status}; nothing to publish.")
    current = guideline.versions.filter(status=GuidanceVersion.Status.PUBLISHED).first()
    if current and draft.based_on_id != current.pk:
        raise PublishError(
            f"This draft was made from v{draft.based_on.number if draft.based_on else '?'}, "
            f"but v{current.number} is now published; start a new draft from it."
        )
    try:
        compiled = guidance_compiled(draft)
    except engine.ConditionError as exc:
        raise PublishError(f"A rule cannot be used: {exc}") from None
    if not compiled.rules:
        raise PublishError("The draft has no rules; a version without rules would recommend nothing.")
    if current and not confirm_changes and regression_changes(old=current, new=draft):
        raise PublishError("This draft changes recommendations for regression cases; confirm to publish.")

    now = timezone.now()
    with audit_covered():
        if current:
            current.status = GuidanceVersion.Status.RETIRED
            current.retired_at = now
            current.save()
        draft.status = GuidanceVersion.Status.PUBLISHED
        draft.published_at = now
        draft.published_by = user
        draft.change_note = change_note
        draft.save()
    audit_record(
        actor=user,
        action=Action.GUIDANCE_PUBLISHED,
        obj=draft,
        number=draft.number,
        replaced=current.number if current else None,
    )
    # Now, for this transaction (the database cache commits the new token with the publish),
    # and again once committed, for a cache outside the transaction: a process that read the
    # old version in between would otherwise keep it under the first new token.
    guidance_current_invalidate()
    transaction.on_commit(guidance_current_invalidate)
    return draft


# ---------------------------------------------------------------- comparing


@dataclass(frozen=True)
class RegressionChange:
    name: str
    added: list
    removed: list


def regression_cases():
    data = json.loads(REGRESSION_CASES_FILE.read_text())
    return [(item["name"], validate_case(item["case"])) for item in data["cases"]]


def _keys(recommendations):
    return {(r.rule, r.paragraph, r.kind, r.summary) for r in recommendations}


def recommendations_diff(old, new):
    """Lines added and removed between two recommendation lists."""
    old_keys, new_keys = _keys(old), _keys(new)
    return (
        [r for r in new if (r.rule, r.paragraph, r.kind, r.summary) not in old_keys],
        [r for r in old if (r.rule, r.paragraph, r.kind, r.summary) not in new_keys],
    )


def regression_changes(*, old, new):
    """The project's regression cases whose recommendations differ between versions."""
    old_compiled, new_compiled = guidance_compiled(old), guidance_compiled(new)
    changes = []
    for name, facts in regression_cases():
        added, removed = recommendations_diff(
            engine.evaluate(facts, old_compiled), engine.evaluate(facts, new_compiled)
        )
        if added or removed:
            changes.append(RegressionChange(name=name, added=added, removed=removed))
    return changes


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
                    "words": _word_diff(a_text, b_text),
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
        for name in ("paragraph", "kind", "summary", "condition", "mentions"):
            before = getattr(a.spec, name) if a else ""
            after = getattr(b.spec, name) if b else ""
            if before != after:
                fields.append({"name": name, "before": before, "after": after})
        rules.append(
            {"rule_id": rule_id, "status": "added" if not a else "removed" if not b else "changed", "fields": fields}
        )
    return {"text": text, "rules": rules}


def _word_diff(a, b):
    """[(op, words)] with op in equal/insert/delete, for inline highlighting."""
    a_words, b_words = a.split(), b.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a_words, b=b_words).get_opcodes():
        if op == "equal":
            out.append(("equal", " ".join(a_words[i1:i2])))
        else:
            if i2 > i1:
                out.append(("delete", " ".join(a_words[i1:i2])))
            if j2 > j1:
                out.append(("insert", " ".join(b_words[j1:j2])))
    return out
