"""Guidance services: draft, review, publish, prove and compare versions (evaluation is guidance.evaluation)."""

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.services import approval_restarted_since
from audit.models import AuditEvent
from audit.services import audit_covered, audit_record

from . import engine, properties
from .audit_names import GuidanceAction
from .evaluation import guidance_compiled
from .facts import vocabulary
from .lines import lines_compare, lines_sourced
from .models import (
    GuidanceVersion,
    Guideline,
    Paragraph,
    RegressionCase,
    ReviewState,
    Rule,
    SafetyProperty,
    Section,
    version_write_lock,
)
from .presentation import presentation_problems
from .quotes import quote_in_text
from .selectors import guidance_current_invalidate, paragraph_texts


class PublishError(Exception):
    """A publish or draft request that cannot go ahead; the message says why.

    `proofs` holds the safety-property proofs when one of them failed.
    """

    def __init__(self, message, *, proofs=()):
        super().__init__(message)
        self.proofs = list(proofs)


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
            draft = GuidanceVersion(
                guideline=guideline,
                number=last_number + 1,
                status=GuidanceVersion.Status.DRAFT,
                title=current.title if current else guideline.title,
                based_on=current,
                created_by=user,
                **{name: getattr(current, name) for name in GuidanceVersion.PROVENANCE_FIELDS if current},
            )
            draft._change_reason = DRAFT_COPIED
            draft.save(force_insert=True)
    except IntegrityError:
        raise PublishError("Another draft was created at the same moment; reload and edit that one.") from None
    if current:
        with audit_covered():
            _copy_content(source=current, target=draft)
    audit_record(
        actor=user,
        action=GuidanceAction.GUIDANCE_DRAFT_CREATED,
        obj=draft,
        number=draft.number,
        based_on=current.number if current else None,
    )
    return draft


# What a draft copies of each part of a version, besides the version and the part it belongs to.
_COPIED = {
    Section: ("slug", "title", "text", "order"),
    Paragraph: ("slug", "title", "text", "order"),
    Rule: (
        "rule_id",
        "kind",
        "summary",
        "condition",
        "mentions",
        "quote",
        "confirm",
        "offers",
        "about",
        "effect",
        "order",
    ),
    SafetyProperty: ("property_id", "statement", "condition", "each_intervention", "order"),
}


# The field history's reason on the records of a draft's creation: copies, not anybody's change.
DRAFT_COPIED = "draft created: copied from the published version"


def _copy(row, **links):
    copied = type(row)(**{name: getattr(row, name) for name in _COPIED[type(row)]}, **links)
    copied._change_reason = DRAFT_COPIED
    return copied


def _copy_content(*, source, target):
    sections = {}
    for section in source.sections.all():
        sections[section.pk] = _copy(section, version=target)
        sections[section.pk].save(force_insert=True)
    paragraphs = {}
    for paragraph in source.paragraphs.all():
        paragraphs[paragraph.pk] = _copy(paragraph, version=target, section=sections[paragraph.section_id])
        paragraphs[paragraph.pk].save(force_insert=True)
    rules = [_copy(rule, version=target, paragraph=paragraphs[rule.paragraph_id]) for rule in source.rules.all()]
    properties_ = [_copy(prop, version=target) for prop in source.safety_properties.all()]
    for model, rows in ((Rule, rules), (SafetyProperty, properties_)):
        bulk_create_with_history(rows, model, default_user=target.created_by, default_change_reason=DRAFT_COPIED)


@transaction.atomic
def draft_publish(*, draft, user, change_note, confirm_changes=False):
    """Publish a draft in one transaction, retiring the version it replaces.

    Concurrent publishers are serialised on the guideline row: the first wins,
    the next finds the draft already published and is refused. The draft's row
    is then locked as every write of its content locks it (models.version_write_lock),
    so the content checked and fingerprinted below is the content published: an
    edit still open waits to commit first (and voids the approval), a later one
    waits for the publish and finds the version frozen. The version it replaces
    is locked too: a case being assessed under it finishes first, so no
    assessment of the old version is dated after the publish (cases.services).
    """
    change_note = (change_note or "").strip()
    if not change_note:
        raise PublishError("A change note is required: say what changed and why.")
    guideline = Guideline.objects.select_for_update().get(pk=draft.guideline_id)
    current = guideline.versions.filter(status=GuidanceVersion.Status.PUBLISHED).first()
    version_write_lock(draft.pk, *([current.pk] if current else []))
    draft = GuidanceVersion.objects.select_related("guideline").get(pk=draft.pk)
    if draft.status != GuidanceVersion.Status.DRAFT:
        raise PublishError(f"Guidance v{draft.number} is already {draft.status}; nothing to publish.")
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
    refusal = draft_presentation_refusal(draft)
    if refusal:
        raise PublishError(refusal)
    unquoted = rules_without_quote(draft)
    if unquoted:
        raise PublishError(
            "Every rule must quote the words of its paragraph it rests on; these do not: " + ", ".join(unquoted) + "."
        )
    try:
        proofs = guidance_prove(version=draft)
    except engine.ConditionError as exc:
        raise PublishError(f"The safety properties cannot be proven: {exc}") from None
    failing = [proof for proof in proofs if not proof.holds]
    if failing:
        raise PublishError(
            "A safety property fails, so the draft cannot be published: "
            + ", ".join(proof.property_id for proof in failing)
            + ". Change the rules (or the property) until every property holds.",
            proofs=proofs,
        )
    _check_approved(draft)
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
        action=GuidanceAction.GUIDANCE_PUBLISHED,
        obj=draft,
        number=draft.number,
        replaced=current.number if current else None,
        submitted_by=draft.submitted_by_id,
        last_changed_by=draft.last_changed_by_id,
        approved_by=draft.approved_by_id,
        fingerprint=draft.approved_fingerprint,
    )
    # Now, for this transaction (the database cache commits the new token with the publish),
    # and again once committed, for a cache outside the transaction: a process that read the
    # old version in between would otherwise keep it under the first new token.
    guidance_current_invalidate()
    transaction.on_commit(guidance_current_invalidate)
    return draft


# ---------------------------------------------------------------- review (two people to publish)
#
# Nobody publishes alone, superusers included: the checks are here, in the
# services every way of publishing goes through, not in permissions. The
# approval is bound to a fingerprint of the content: a change after approval,
# through the admin, the workbench, a shell or a bulk update, voids it.


def draft_fingerprint(version):
    """SHA-256 of everything a clinician would read or the engine would run in this version."""
    content = {
        "version": [version.title, *(str(getattr(version, name) or "") for name in GuidanceVersion.PROVENANCE_FIELDS)],
        "sections": list(
            Section.objects.filter(version=version).order_by("slug").values_list("slug", "title", "text", "order")
        ),
        "paragraphs": list(
            Paragraph.objects.filter(version=version)
            .order_by("slug")
            .values_list("slug", "section__slug", "title", "text", "order")
        ),
        "rules": list(
            Rule.objects.filter(version=version)
            .order_by("rule_id")
            .values_list(
                "rule_id",
                "paragraph__slug",
                "kind",
                "summary",
                "condition",
                "mentions",
                "quote",
                "confirm",
                "offers",
                "about",
                "effect",
                "order",
            )
        ),
        "properties": list(
            SafetyProperty.objects.filter(version=version)
            .order_by("property_id")
            .values_list("property_id", "statement", "condition", "each_intervention", "order")
        ),
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


_CONTENT_MODELS = (GuidanceVersion, Section, Paragraph, Rule, SafetyProperty)


def _changes(version):
    """The field-history records of changes to the version and its content, the copy made at creation left out."""
    for model in _CONTENT_MODELS:
        records = model.history.filter(
            **({"id": version.pk} if model is GuidanceVersion else {"version_id": version.pk})
        )
        yield records.exclude(history_change_reason=DRAFT_COPIED)


def draft_first_change(version):
    """When the draft was first changed; its creation when it never was."""
    times = [
        records.order_by("history_date").values_list("history_date", flat=True).first() for records in _changes(version)
    ]
    return min([time for time in times if time is not None], default=version.created_at)


def draft_last_approved(version):
    """When the draft was last approved (from the audit trail), or None."""
    return (
        AuditEvent.objects.filter(
            action=GuidanceAction.GUIDANCE_APPROVED, object_type="guidance.guidanceversion", object_id=str(version.pk)
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def draft_authors(version):
    """Ids of everyone who changed the draft since it was created, or since its last approval.

    A change whose history records no user (a shell, load_guidance) names nobody.
    """
    since = draft_last_approved(version)
    authors = set()
    for records in _changes(version):
        if since is not None:
            records = records.filter(history_date__gt=since)
        authors.update(records.exclude(history_user=None).values_list("history_user_id", flat=True).distinct())
    return authors


def draft_last_changed_by(version):
    """The user of the newest recorded change to the version or its content (None when not recorded)."""
    newest = None
    for model in (GuidanceVersion, Section, Paragraph, Rule, SafetyProperty):
        records = model.history.filter(
            **({"id": version.pk} if model is GuidanceVersion else {"version_id": version.pk})
        )
        record = records.order_by("-history_date", "-history_id").values("history_date", "history_user_id").first()
        if record and (newest is None or record["history_date"] > newest["history_date"]):
            newest = record
    return newest["history_user_id"] if newest else None


@dataclass(frozen=True)
class ReviewStatus:
    state: str  # editing / submitted / approved / returned / void
    label: str
    can_publish: bool

    @property
    def approved(self):
        return self.state == "approved"

    @property
    def submitted(self):
        return self.state == "submitted"

    @property
    def returned(self):
        return self.state == "returned"


def draft_review_status(version):
    """Where the draft stands in review, checked against its content now."""
    state = version.review_state
    if state == ReviewState.APPROVED:
        if draft_fingerprint(version) == version.approved_fingerprint:
            return ReviewStatus("approved", f"Approved by {version.approved_by}", True)
        return ReviewStatus("void", "Approval void: the draft changed after it was approved; submit it again", False)
    if state == ReviewState.SUBMITTED:
        if draft_fingerprint(version) == version.submitted_fingerprint:
            return ReviewStatus("submitted", f"Submitted for review by {version.submitted_by}", False)
        return ReviewStatus("void", "Changed after it was submitted; submit it again for review", False)
    if state == ReviewState.RETURNED:
        return ReviewStatus("returned", "Returned by the reviewer with a comment", False)
    return ReviewStatus("editing", "Being edited; submit it for review when it is ready", False)


def _check_approved(draft):
    if draft.review_state != ReviewState.APPROVED:
        raise PublishError(
            "This draft has not been approved: a second editor must approve it before it can be published."
        )
    if draft_fingerprint(draft) != draft.approved_fingerprint:
        raise PublishError(
            "The draft changed after it was approved, so the approval is void: "
            "submit it for review again and have it approved."
        )


def _locked_draft(draft):
    Guideline.objects.select_for_update().get(pk=draft.guideline_id)
    version_write_lock(draft.pk)
    draft = GuidanceVersion.objects.select_related("guideline").get(pk=draft.pk)
    if draft.status != GuidanceVersion.Status.DRAFT:
        raise PublishError(f"Guidance v{draft.number} is already {draft.status}; it is not a draft any more.")
    return draft


def _set_review(draft, **fields):
    # A queryset update: review steps are not content changes, so they leave no
    # history record that would make the reviewer look like an author.
    GuidanceVersion.objects.filter(pk=draft.pk, status=GuidanceVersion.Status.DRAFT).update(**fields)
    for name, value in fields.items():
        setattr(draft, name, value)


@transaction.atomic
def draft_submit(*, draft, user):
    """Submit the draft for review as it stands now."""
    draft = _locked_draft(draft)
    if draft.review_state == ReviewState.SUBMITTED and draft_fingerprint(draft) == draft.submitted_fingerprint:
        raise PublishError("This draft is already waiting for review.")
    fingerprint = draft_fingerprint(draft)
    author_id = draft_last_changed_by(draft) or user.pk
    _set_review(
        draft,
        review_state=ReviewState.SUBMITTED,
        submitted_at=timezone.now(),
        submitted_by=user,
        submitted_fingerprint=fingerprint,
        last_changed_by_id=author_id,
        approved_at=None,
        approved_by=None,
        approved_fingerprint="",
        review_comment="",
    )
    audit_record(
        actor=user,
        action=GuidanceAction.GUIDANCE_SUBMITTED,
        obj=draft,
        number=draft.number,
        last_changed_by=author_id,
        fingerprint=fingerprint,
    )
    return draft


def _check_reviewer(draft, user):
    if not user.has_perm("guidance.approve_guidanceversion"):
        raise PublishError("You may not review guidance drafts.")
    if draft.review_state != ReviewState.SUBMITTED:
        raise PublishError("This draft is not waiting for review: it must be submitted first.")
    if draft_fingerprint(draft) != draft.submitted_fingerprint:
        raise PublishError("The draft changed after it was submitted; it must be submitted again before review.")
    if user.pk in (draft.submitted_by_id, draft.last_changed_by_id) or user.pk in draft_authors(draft):
        raise PublishError(
            "You changed or submitted this draft: a second editor must review it. Nobody approves their own change."
        )


def _check_approver_standing(draft, user):
    first_change = draft_first_change(draft)
    if approval_restarted_since(user=user, since=first_change):
        raise PublishError(
            "Your account, role or sign-in was set up or changed after this draft was begun "
            f"({first_change:%Y-%m-%d %H:%M}); an editor who already held the role then must approve it."
        )


@transaction.atomic
def draft_approve(*, draft, user):
    """A second editor approves the draft exactly as it was submitted."""
    draft = _locked_draft(draft)
    _check_reviewer(draft, user)
    _check_approver_standing(draft, user)
    _set_review(
        draft,
        review_state=ReviewState.APPROVED,
        approved_at=timezone.now(),
        approved_by=user,
        approved_fingerprint=draft.submitted_fingerprint,
    )
    audit_record(
        actor=user,
        action=GuidanceAction.GUIDANCE_APPROVED,
        obj=draft,
        number=draft.number,
        submitted_by=draft.submitted_by_id,
        last_changed_by=draft.last_changed_by_id,
        fingerprint=draft.approved_fingerprint,
    )
    return draft


@transaction.atomic
def draft_return(*, draft, user, comment):
    """A second editor sends the draft back to its authors, saying why."""
    comment = (comment or "").strip()
    if not comment:
        raise PublishError("Say why the draft goes back: a comment is required.")
    draft = _locked_draft(draft)
    _check_reviewer(draft, user)
    _set_review(draft, review_state=ReviewState.RETURNED, review_comment=comment)
    # The comment stays on the draft; the audit trail names the step only.
    audit_record(
        actor=user,
        action=GuidanceAction.GUIDANCE_RETURNED,
        obj=draft,
        number=draft.number,
        submitted_by=draft.submitted_by_id,
    )
    return draft


def draft_review_refresh(*, draft, user):
    """After an edit: a submission or approval the content no longer matches is withdrawn, and audited."""
    draft = GuidanceVersion.objects.get(pk=draft.pk)
    if draft.status != GuidanceVersion.Status.DRAFT or draft.review_state not in (
        ReviewState.SUBMITTED,
        ReviewState.APPROVED,
    ):
        return draft
    expected = draft.approved_fingerprint if draft.review_state == ReviewState.APPROVED else draft.submitted_fingerprint
    if draft_fingerprint(draft) == expected:
        return draft
    voided = draft.review_state
    _set_review(draft, review_state=ReviewState.EDITING, approved_at=None, approved_by=None, approved_fingerprint="")
    audit_record(
        actor=user, action=GuidanceAction.GUIDANCE_REVIEW_VOIDED, obj=draft, number=draft.number, voided=voided
    )
    return draft


# ---------------------------------------------------------------- comparing


@dataclass(frozen=True)
class RegressionChange:
    name: str
    added: list
    removed: list
    changed: list  # (before, after): reworded, or the source words behind it revised


def regression_cases(*, guideline_id):
    """(name, validated facts) of the guideline's regression cases, oldest first."""
    return [(case.name, case.facts) for case in RegressionCase.objects.filter(guideline_id=guideline_id)]


@transaction.atomic
def regression_case_add(*, guideline, case, name, user, note=""):
    """Keep a case (facts as evaluate_case takes them) for every later publish to re-run."""
    name = name.strip()[:200] or "case"
    taken = set(RegressionCase.objects.filter(guideline=guideline).values_list("name", flat=True))
    unique, n = name, 1
    while unique in taken:
        n += 1
        unique = f"{name} ({n})"
    regression = RegressionCase(guideline=guideline, name=unique, case=case, note=note[:300], added_by=user)
    regression.full_clean()
    regression.save()
    audit_record(actor=user, action=GuidanceAction.REGRESSION_CASE_ADDED, obj=regression)
    return regression


# ---------------------------------------------------------------- proving


def version_presentation_problems(version):
    """What of the pages' and dashboard's names (guidance.presentation) a version does not have, in sentences."""
    return presentation_problems(
        rule_ids=version.rules.values_list("rule_id", flat=True),
        section_slugs=version.sections.values_list("slug", flat=True),
        facts=vocabulary(version.edition),
    )


def draft_presentation_refusal(draft):
    """Why publishing refuses this draft for what the pages and dashboard name, or "" when it does not."""
    broken = version_presentation_problems(draft)
    if not broken:
        return ""
    return (
        "This draft lacks what the case pages and the dashboard name, so it cannot be published. "
        + " ".join(broken)
        + " Keep what they name, or change guidance/data/presentation.json to name what the draft has."
    )


def rules_without_quote(version):
    """Rule ids whose quote is missing or not in their paragraph."""
    return [
        rule.rule_id
        for rule in version.rules.select_related("paragraph")
        if not quote_in_text(rule.quote, rule.paragraph.text)
    ]


class ProofBudgetError(engine.ConditionError):
    """The proofs of a version would take more cases or seconds than a version may (settings.PROOF_BUDGET_*)."""


@dataclass(frozen=True)
class ProofBudget:
    """What a version's proofs took, beside what a version may take: the publish screen shows both."""

    cases: int
    seconds: float
    max_cases: int
    max_seconds: float


def proof_budget(proofs):
    return ProofBudget(
        cases=sum(proof.cases for proof in proofs),
        seconds=sum(proof.seconds for proof in proofs),
        max_cases=settings.PROOF_BUDGET_CASES,
        max_seconds=settings.PROOF_BUDGET_SECONDS,
    )


def guidance_prove(*, version, properties_from=None):
    """Prove the safety properties of `properties_from` (default: the version itself) for its rules.

    Each proof is exhaustive over its case space (guidance.properties); the
    time each took is measured here, outside the pure checker. All of them
    together may try at most PROOF_BUDGET_CASES cases, counted before any is
    tried, and take at most PROOF_BUDGET_SECONDS, or ProofBudgetError says so:
    a request proving them must end well before the server's worker timeout.
    """
    source = properties_from or version
    rule_ids = list(source.rules.values_list("rule_id", flat=True))
    compiled = guidance_compiled(version)
    props = [
        properties.compile_property(spec, rule_ids=rule_ids, edition=source.edition) for spec in source.property_specs()
    ]
    sizes = {prop.spec.property_id: properties.case_space_size(prop, compiled) for prop in props}
    if sum(sizes.values()) > settings.PROOF_BUDGET_CASES:
        largest = max(sizes, key=sizes.get)
        raise ProofBudgetError(
            f"Proving this version's {len(props)} safety properties would take {sum(sizes.values()):,} cases, "
            f"more than the {settings.PROOF_BUDGET_CASES:,} a version may take ({largest!r} alone needs "
            f"{sizes[largest]:,}); name the rules each property constrains and the facts it needs."
        )
    deadline = time.perf_counter() + settings.PROOF_BUDGET_SECONDS

    def budget(tried):
        if time.perf_counter() > deadline:
            raise ProofBudgetError(
                f"Proving this version's safety properties took longer than the {settings.PROOF_BUDGET_SECONDS:g} "
                "seconds a version may take; name the rules each property constrains and the facts it needs."
            )

    proofs = []
    outcomes = {}  # what each rule gave, shared by the proofs (guidance.properties.prove)
    for prop in props:
        started = time.perf_counter()
        proof = properties.prove(prop, compiled, outcomes, budget=budget)
        proofs.append(dataclasses.replace(proof, seconds=time.perf_counter() - started))
    return proofs


def regression_changes(*, old, new):
    """The guideline's regression cases whose lines differ between versions, as re-evaluating a case shows it:
    lines added, removed, reworded or with their source words revised (guidance.lines)."""
    old_compiled, new_compiled = guidance_compiled(old), guidance_compiled(new)
    old_texts, new_texts = paragraph_texts(version=old), paragraph_texts(version=new)
    changes = []
    for name, facts in regression_cases(guideline_id=new.guideline_id):
        compared = lines_compare(
            lines_sourced(engine.evaluate(facts, old_compiled), old_texts),
            lines_sourced(engine.evaluate(facts, new_compiled), new_texts),
        )
        if compared.changes:
            changes.append(
                RegressionChange(name=name, added=compared.added, removed=compared.removed, changed=compared.changed)
            )
    return changes


# ---------------------------------------------------------------- the editor's workbench


@transaction.atomic
def rule_condition_set(*, rule, condition, user):
    """Give a draft's rule a new condition (checked like any rule edit); a review it voids is withdrawn."""
    rule = Rule.objects.select_related("paragraph", "version").get(pk=rule.pk)
    rule.condition = condition
    rule.full_clean()
    rule._history_user = user
    rule.save()
    draft_review_refresh(draft=rule.version, user=user)
    return rule


@transaction.atomic
def paragraph_update(*, paragraph, user, **fields):
    """Change a draft's paragraph (checked like any edit, recorded as `user`'s); a review it voids is withdrawn."""
    if not paragraph.version.is_draft:
        raise ValueError("Only a draft's paragraphs change; a published or retired version is frozen.")
    for name, value in fields.items():
        setattr(paragraph, name, value)
    paragraph.full_clean()
    paragraph._history_user = user
    paragraph.save()
    draft_review_refresh(draft=paragraph.version, user=user)
    return paragraph
