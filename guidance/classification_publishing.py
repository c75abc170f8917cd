"""The classification record's services: draft, edit, submit (proven), return, and approve-and-publish.

The same path as the management guidance (guidance.publishing), for the subtype check's record
(guidance.models.ClassificationVersion, WHO 2022): one draft at a time, copied from the published record;
edited while a draft, every change checked as the record is read (record_from_data: a RecordError names
the part); submitted only when every property of the record is proven (guidance/classification/proofs.py),
a failing one refused with its counterexample; approved and published in one step by a second editor who
neither wrote, edited nor submitted it and whose standing to approve predates the draft
(accounts.services.approval_restarted_since). Publishing retires the record it replaces and makes every
process read the new one at its next lookup. Each step is audited. Nobody publishes alone, superusers
included: the checks are here, in the services every way of publishing goes through.
"""

import copy

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import approval_restarted_since
from audit.models import AuditEvent
from audit.services import audit_record

from .audit_names import ClassificationAction
from .classification import CURRENT, RecordError, classification_proofs, record_fingerprint, record_from_data
from .models import ClassificationVersion
from .selectors import guidance_current_invalidate

EDIT_PERMISSION = "guidance.change_guidanceversion"
APPROVE_PERMISSION = "guidance.approve_guidanceversion"
Status = ClassificationVersion.Status
OBJECT_TYPE = "guidance.classificationversion"


class ClassificationPublishError(Exception):
    """A step that cannot go ahead; the message says why. `proofs` holds the proofs when one failed."""

    def __init__(self, message, *, proofs=()):
        super().__init__(message)
        self.proofs = list(proofs)


def _check_editor(user):
    if not user.has_perm(EDIT_PERMISSION):
        raise ClassificationPublishError("You may not edit the classification record.")


def _locked(version, *, statuses):
    version = ClassificationVersion.objects.select_for_update().get(pk=version.pk)
    if version.status not in statuses:
        raise ClassificationPublishError(
            f"{version.system} record v{version.number} is {version.get_status_display().lower()}: "
            + {
                Status.IN_REVIEW: "it is waiting for review; return it to editing to change it.",
                Status.DRAFT: "it has not been submitted for review.",
            }.get(version.status, "it is not a draft any more.")
        )
    return version


@transaction.atomic
def classification_draft_create(*, user, system=CURRENT):
    """A new draft: a copy of the published record, numbered after the last version."""
    _check_editor(user)
    current = ClassificationVersion.objects.select_for_update().filter(system=system, status=Status.PUBLISHED).first()
    if current is None:
        raise ClassificationPublishError(f"No {system} record is published to draft from.")
    if ClassificationVersion.objects.filter(system=system, status__in=(Status.DRAFT, Status.IN_REVIEW)).exists():
        raise ClassificationPublishError(
            f"There is already a draft of the {system} record; edit, publish or discard it first."
        )
    number = (ClassificationVersion.objects.filter(system=system).order_by("-number").first().number or 0) + 1
    data = copy.deepcopy(current.data)
    data["version"] = number
    try:
        with transaction.atomic():
            draft = ClassificationVersion.objects.create(
                system=system, number=number, status=Status.DRAFT, data=data, based_on=current, created_by=user
            )
    except IntegrityError:
        raise ClassificationPublishError("Another draft was created at the same moment; edit that one.") from None
    audit_record(
        actor=user,
        action=ClassificationAction.CLASSIFICATION_DRAFT_CREATED,
        obj=draft,
        number=number,
        based_on=current.number,
    )
    return draft


def classification_data_checked(*, draft, data):
    """The data an edit would store, checked as the record is read; RecordError names what is wrong.

    The version number is the draft's; the classification it is and the properties proven before publish
    are the published record's and do not change in a draft.
    """
    if not isinstance(data, dict):
        raise RecordError("The record must be an object (a JSON {...}).")
    data = {**data, "version": draft.number}
    if data.get("system") != draft.system:
        raise RecordError(f"system: this is the {draft.system} record; its system cannot change.")
    kept = draft.based_on.data.get("properties") if draft.based_on_id else None
    if kept is not None and data.get("properties") != kept:
        raise RecordError(
            "properties: the properties every record is proven against cannot change in a draft "
            "(they are what makes a record safe to publish)."
        )
    record_from_data(data)
    return data


@transaction.atomic
def classification_draft_edit(*, draft, data, user):
    """Store new data in a draft (RecordError when it cannot be used: nothing is stored)."""
    _check_editor(user)
    draft = _locked(draft, statuses=(Status.DRAFT,))
    data = classification_data_checked(draft=draft, data=data)
    if record_fingerprint(data) == draft.fingerprint:
        return draft
    draft.data = data
    draft.edited_at = timezone.now()
    draft.edited_by = user
    draft.save()
    audit_record(
        actor=user,
        action=ClassificationAction.CLASSIFICATION_DRAFT_EDITED,
        obj=draft,
        number=draft.number,
        fingerprint=draft.fingerprint,
    )
    return draft


def proof_failures_in_words(proofs):
    return "; ".join(f"{proof.statement} Counterexample: {proof.counterexample}" for proof in proofs if not proof.holds)


@transaction.atomic
def classification_draft_submit(*, draft, user):
    """Submit the draft for review once every property of the record is proven for it."""
    _check_editor(user)
    draft = _locked(draft, statuses=(Status.DRAFT,))
    try:
        proofs = classification_proofs(draft.system, data=draft.data)
    except (RecordError, ValueError) as exc:
        raise ClassificationPublishError(f"The record cannot be proven: {exc}") from None
    if not proofs:
        raise ClassificationPublishError("The record holds no properties to prove; it cannot be submitted.")
    if any(not proof.holds for proof in proofs):
        raise ClassificationPublishError(
            "A property of the record fails, so the draft cannot be submitted: " + proof_failures_in_words(proofs),
            proofs=proofs,
        )
    draft.status = Status.IN_REVIEW
    draft.submitted_at = timezone.now()
    draft.submitted_by = user
    draft.review_comment = ""
    draft.save()
    audit_record(
        actor=user,
        action=ClassificationAction.CLASSIFICATION_SUBMITTED,
        obj=draft,
        number=draft.number,
        fingerprint=draft.fingerprint,
        proofs=len(proofs),
    )
    return draft, proofs


@transaction.atomic
def classification_draft_return(*, draft, user, comment):
    """Back to editing (its author withdrawing it, or a reviewer saying why)."""
    _check_editor(user)
    comment = (comment or "").strip()
    if not comment:
        raise ClassificationPublishError("Say why the draft goes back to editing: a comment is required.")
    draft = _locked(draft, statuses=(Status.IN_REVIEW,))
    draft.status = Status.DRAFT
    draft.review_comment = comment
    draft.save()
    # The comment stays on the draft; the trail names the step only.
    audit_record(actor=user, action=ClassificationAction.CLASSIFICATION_RETURNED, obj=draft, number=draft.number)
    return draft


def _events(draft, action):
    return AuditEvent.objects.filter(action=action, object_type=OBJECT_TYPE, object_id=str(draft.pk))


def classification_draft_authors(draft):
    """Ids of everyone who made, edited or submitted the draft."""
    edited = _events(draft, ClassificationAction.CLASSIFICATION_DRAFT_EDITED).exclude(actor=None)
    authors = set(edited.values_list("actor_id", flat=True))
    return authors | {pk for pk in (draft.created_by_id, draft.edited_by_id, draft.submitted_by_id) if pk}


def _submitted_fingerprint(draft):
    event = _events(draft, ClassificationAction.CLASSIFICATION_SUBMITTED).order_by("-created_at", "-pk").first()
    return event.details.get("fingerprint") if event else None


def classification_reviewer_problem(*, draft, user):
    """Why `user` may not approve and publish the draft, or "" when they may."""
    if not user.has_perm(APPROVE_PERMISSION):
        return "You may not approve a classification record."
    if user.pk in classification_draft_authors(draft):
        return (
            "You made, changed or submitted this draft: a second editor must approve it. "
            "Nobody approves their own change."
        )
    if approval_restarted_since(user=user, since=draft.created_at):
        return (
            "Your account, role or sign-in was set up or changed after this draft was begun "
            f"({draft.created_at:%Y-%m-%d %H:%M}); an editor who already held the role then must approve it."
        )
    return ""


@transaction.atomic
def classification_publish(*, draft, user, change_note):
    """A second editor approves the draft as submitted and publishes it; the record it replaces retires."""
    change_note = (change_note or "").strip()
    if not change_note:
        raise ClassificationPublishError("A change note is required: say what changed and why.")
    current = (
        ClassificationVersion.objects.select_for_update().filter(system=draft.system, status=Status.PUBLISHED).first()
    )
    draft = _locked(draft, statuses=(Status.IN_REVIEW,))
    problem = classification_reviewer_problem(draft=draft, user=user)
    if problem:
        raise ClassificationPublishError(problem)
    # The data published is the data submitted, which was proven then (the submit event holds its fingerprint).
    if draft.fingerprint != _submitted_fingerprint(draft):
        raise ClassificationPublishError("The draft changed after it was submitted; it must be submitted again.")
    if current is not None and draft.based_on_id != current.pk:
        raise ClassificationPublishError(
            f"This draft was made from v{draft.based_on.number if draft.based_on else '?'}, but "
            f"v{current.number} is now published; start a new draft from it."
        )
    now = timezone.now()
    if current is not None:
        current.status = Status.RETIRED
        current.retired_at = now
        current.save(update_fields=["status", "retired_at"])
    draft.status = Status.PUBLISHED
    draft.published_at = now
    draft.published_by = user
    draft.change_note = change_note
    draft.save()
    audit_record(
        actor=user,
        action=ClassificationAction.CLASSIFICATION_PUBLISHED,
        obj=draft,
        number=draft.number,
        replaced=current.number if current else None,
        submitted_by=draft.submitted_by_id,
        fingerprint=draft.fingerprint,
    )
    # Every process (this one too) reads the published record afresh at its next lookup: now, for this
    # transaction, and once committed, as guidance.publishing.draft_publish does.
    guidance_current_invalidate()
    transaction.on_commit(guidance_current_invalidate)
    return draft
