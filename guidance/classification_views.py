"""The classification record's workbench: draft, edit, submit (proven), return, approve and publish.

Plain views with their own URLs (guidance.classification_urls, /workbench/classification/), gated as the
guidance workbench is: mastoweb.admin.staff_only, the admin site's own door (signed in, staff, past the
two-factor step), and the guidance editor's permission. Every step is a service of
guidance.classification_publishing, which checks again who may do it. Two ways to edit the draft: its
thresholds and criteria wording, one field each; or the whole record as JSON. Either way the record is
checked as it would be read, the problem shown in a sentence naming where, and nothing typed is lost.
"""

import copy
import functools
import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mastoweb.admin import staff_only

from .classification import CURRENT, RecordError, classifier_of_data
from .classification_publishing import (
    EDIT_PERMISSION,
    ClassificationPublishError,
    classification_draft_create,
    classification_draft_edit,
    classification_draft_return,
    classification_draft_submit,
    classification_publish,
    classification_reviewer_problem,
)
from .facts import FACTS
from .models import ClassificationVersion
from .selectors import classification_draft, classification_version_by_number, classification_versions

OPS_IN_WORDS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least"}


def _gated(view):
    """Signed in, staff, past the two-factor step (the admin site's gate), and a guidance editor."""

    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.has_perm(EDIT_PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return staff_only(checked)


def _context(request, title, **extra):
    return {**admin.site.each_context(request), "title": title, "system": CURRENT, **extra}


def _overview_url():
    return reverse("classification_workbench:overview")


def _draft_or_404(number):
    version = classification_version_by_number(system=CURRENT, number=number)
    if version is None:
        raise Http404("No such version of the classification record.")
    return version


# ---------------------------------------------------------------- the fields of the editing form


def _numeric_tests(condition):
    """The number comparisons of a condition, in reading order (the dicts themselves, to change in place)."""
    if "fact" in condition and "op" in condition:
        yield condition
    for part in [*condition.get("all", []), *condition.get("any", [])]:
        yield from _numeric_tests(part)


def _conditions(data):
    """(field key, what it belongs to, its condition) of every criterion and subtype."""
    for criterion in data.get("criteria", []):
        yield f"criteria-{criterion['id']}", criterion["label"], criterion["when"]
    for subtype in data.get("subtypes", []):
        yield f"subtypes-{subtype['subtype']}", f"Subtype {subtype['subtype']}", subtype["when"]


def editing_fields(data, posted=None):
    """The thresholds and the criteria wording as form fields: (name, label, value, unit, kind)."""
    fields = []
    for key, owner, condition in _conditions(data):
        for i, test in enumerate(_numeric_tests(condition)):
            fact = FACTS[test["fact"]]
            name = f"t-{key}-{i}"
            label = f"{owner}: {fact.label} {OPS_IN_WORDS.get(test['op'], test['op'])}"
            value = posted.get(name, "") if posted is not None else f"{test['value']:g}"
            fields.append({"name": name, "label": label, "value": value, "unit": fact.unit, "kind": "threshold"})
    for criterion in data.get("criteria", []):
        name = f"w-{criterion['id']}"
        value = posted.get(name, "") if posted is not None else criterion["words"]
        fields.append({"name": name, "label": f"{criterion['label']}: in our words", "value": value, "kind": "words"})
    return fields


def data_from_fields(data, posted):
    """The draft's data with the posted thresholds and wording; (data, errors) with a sentence per bad field."""
    data = copy.deepcopy(data)
    errors = []
    for key, owner, condition in _conditions(data):
        for i, test in enumerate(_numeric_tests(condition)):
            name = f"t-{key}-{i}"
            raw = posted.get(name, "").strip().replace(",", ".")
            label = f"{owner}: {FACTS[test['fact']].label} {OPS_IN_WORDS.get(test['op'], test['op'])}"
            try:
                value = float(raw)
            except ValueError:
                errors.append((name, f"{label}: {raw or 'nothing'!r} is not a number; give the threshold as a number."))
                continue
            test["value"] = int(value) if value.is_integer() else value
    for criterion in data.get("criteria", []):
        name = f"w-{criterion['id']}"
        words = " ".join(posted.get(name, "").split())
        if not words:
            errors.append((name, f"{criterion['label']}: the criterion needs its words (in our own words)."))
        criterion["words"] = words
    return data, errors


def _field_of(message, fields):
    """The form field a RecordError's place (criteria.C1..., subtypes.BMM...) points to, if one does."""
    where = message.split(":", 1)[0]
    parts = where.split(".")
    if len(parts) < 2:
        return None
    key = f"{parts[0]}-{parts[1].split('[')[0]}"
    for field in fields:
        if field["kind"] == "threshold" and field["name"].startswith(f"t-{key}-"):
            return field["name"]
    return None


# ---------------------------------------------------------------- the views


@require_GET
def overview(request):
    """The record's versions, the draft and where it stands, and what the editor may do next."""
    draft = classification_draft(system=CURRENT)
    problem = ""
    if draft is not None and draft.status == ClassificationVersion.Status.IN_REVIEW:
        problem = classification_reviewer_problem(draft=draft, user=request.user)
    context = _context(
        request,
        f"Classification record ({CURRENT})",
        versions=classification_versions(system=CURRENT),
        draft=draft,
        reviewer_problem=problem,
    )
    return render(request, "guidance/classification_workbench/overview.html", context)


@require_POST
def create_draft(request):
    try:
        draft = classification_draft_create(user=request.user)
    except ClassificationPublishError as exc:
        messages.error(request, str(exc))
        return redirect(_overview_url())
    messages.success(request, f"Draft v{draft.number} created from the published record.")
    return redirect("classification_workbench:edit", number=draft.number)


@require_http_methods(["GET", "POST"])
def edit(request, number):
    """Edit the draft: thresholds and wording (one field each), or the whole record as JSON."""
    draft = _draft_or_404(number)
    can_edit = draft.status == ClassificationVersion.Status.DRAFT
    posted = request.POST if request.method == "POST" else None
    errors, field_errors = [], {}
    record_json = json.dumps(draft.data, indent=2, ensure_ascii=False)
    fields = editing_fields(draft.data)
    if posted is not None:
        if not can_edit:
            raise PermissionDenied
        if "record_json" in posted:
            record_json = posted["record_json"]
            try:
                data = json.loads(record_json)
            except json.JSONDecodeError as exc:
                data = None
                errors.append(
                    ("record_json", f"The record is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
                )
        else:
            fields = editing_fields(draft.data, posted)
            data, bad = data_from_fields(draft.data, posted)
            errors.extend(bad)
            if bad:
                data = None
        if data is not None:
            try:
                classification_draft_edit(draft=draft, data=data, user=request.user)
            except RecordError as exc:
                name = "record_json" if "record_json" in posted else _field_of(str(exc), fields)
                errors.append((name, f"Not saved: {exc}"))
            except ClassificationPublishError as exc:
                errors.append((None, str(exc)))
            else:
                messages.success(request, f"Draft v{draft.number} saved. Submit it for review when it is ready.")
                return redirect("classification_workbench:edit", number=draft.number)
        field_errors = {name: message for name, message in errors if name}
    for field in fields:
        field["error"] = field_errors.get(field["name"], "")
    context = _context(
        request,
        f"{CURRENT} record v{draft.number} ({draft.get_status_display().lower()})",
        draft=draft,
        can_edit=can_edit,
        fields=[f for f in fields if f["kind"] == "threshold"],
        words=[f for f in fields if f["kind"] == "words"],
        record_json=record_json,
        json_error=field_errors.get("record_json", ""),
        errors=errors,
        record=_record_or_none(draft.data),
    )
    return render(request, "guidance/classification_workbench/edit.html", context, status=400 if errors else 200)


def _record_or_none(data):
    try:
        return classifier_of_data(data).record
    except RecordError:
        return None


@require_POST
def submit(request, number):
    """Prove the draft's properties; submitted for review only when every one holds."""
    draft = _draft_or_404(number)
    try:
        draft, proofs = classification_draft_submit(draft=draft, user=request.user)
    except ClassificationPublishError as exc:
        messages.error(request, str(exc))
        return redirect("classification_workbench:edit", number=draft.number)
    messages.success(
        request,
        f"Draft v{draft.number} submitted for review: every property holds "
        f"({', '.join(f'{p.property_id}, {p.cases:,} cases' for p in proofs)}). A second editor approves it.",
    )
    return redirect(_overview_url())


@require_POST
def send_back(request, number):
    draft = _draft_or_404(number)
    try:
        classification_draft_return(draft=draft, user=request.user, comment=request.POST.get("comment", ""))
    except ClassificationPublishError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Draft v{draft.number} is back in editing.")
    return redirect(_overview_url())


@require_POST
def publish(request, number):
    """A second editor approves the submitted draft and publishes it."""
    draft = _draft_or_404(number)
    try:
        draft = classification_publish(draft=draft, user=request.user, change_note=request.POST.get("change_note", ""))
    except ClassificationPublishError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{CURRENT} record v{draft.number} is published; the subtype check now uses it.")
    return redirect(_overview_url())


overview = _gated(overview)
create_draft = _gated(create_draft)
edit = _gated(edit)
submit = _gated(submit)
send_back = _gated(send_back)
publish = _gated(publish)
