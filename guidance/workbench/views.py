"""The guidance editor's workbench: a version's outline, a paragraph, a rule's condition, review and publish.

Plain views behind the admin's door (mastoweb.admin.staff_only, routed in
guidance/workbench/urls.py), drawn in the admin's look: each page renders an
admin template with the admin site's context. Editing a version's fields and
inlines stays the admin's own change form (guidance/admin.py). Each view checks
the permission it needs; the services (guidance.publishing) do the work and
record it.
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .. import publishing, selectors
from ..conditions import condition_reading, parse_condition, to_builder
from ..diff import version_diff
from ..engine import ConditionError, EvaluationError, cel_parses
from ..facts import facts_in_words
from ..forms import ConditionBuilder, ParagraphWorkbenchForm, PublishForm, error_summary
from ..markdown import render_markdown
from ..models import GuidanceVersion
from ..queueing import enqueue_failures
from ..quotes import mark_sentences, quote_in_text

OPTS = GuidanceVersion._meta


# ------------------------------------------------------------ permissions (as the version's admin had them)


def can_view(user):
    return user.has_perm("guidance.view_guidanceversion") or user.has_perm("guidance.change_guidanceversion")


def can_change(user):
    return user.has_perm("guidance.change_guidanceversion")


def can_create_draft(user):
    return user.has_perm("guidance.add_guidanceversion")


def can_publish(user):
    return user.has_perm("guidance.publish_guidanceversion")


def can_approve(user):
    return user.has_perm("guidance.approve_guidanceversion")


# ------------------------------------------------------------ helpers


def _say(request, message, level):
    messages.add_message(request, level, message)


def _version(version_pk):
    return selectors.guidance_version_by_pk(version_pk)


def _missing(request, version_pk):
    """What the admin answers for a version that does not exist: a warning, and its index."""
    _say(
        request,
        f"{OPTS.verbose_name} with ID \u201c{version_pk}\u201d doesn\u2019t exist. Perhaps it was deleted?",
        messages.WARNING,
    )
    return HttpResponseRedirect(reverse("admin:index"))


def change_url(version):
    return reverse("admin:guidance_guidanceversion_change", args=[version.pk])


def changelist_url():
    return reverse("admin:guidance_guidanceversion_changelist")


def _context(request, version, title):
    return {
        **admin.site.each_context(request),
        "title": title,
        "opts": OPTS,
        "original": version,
    }


def _workbench_context(request, version, title):
    return {
        **_context(request, version, title),
        "can_edit": version.is_draft and can_change(request.user),
    }


def _tree_or_none(condition):
    try:
        return parse_condition(condition)
    except ValueError:
        return None


# ------------------------------------------------------------ start and draft


def start(request):
    """The editor's start page: the draft's workbench when there is a draft, else the versions (Create draft)."""
    if not can_view(request.user):
        raise PermissionDenied
    draft = selectors.guidance_draft()
    if draft is not None:
        return redirect(reverse("workbench:version", args=[draft.pk]))
    return redirect(changelist_url())


def create_draft(request):
    if not can_create_draft(request.user):
        raise PermissionDenied
    guideline = selectors.guideline_default()
    if guideline is None:
        raise Http404("No guideline is loaded.")
    try:
        draft = publishing.draft_create(guideline=guideline, user=request.user)
    except publishing.PublishError as exc:
        _say(request, str(exc), messages.ERROR)
        existing = selectors.guidance_draft(slug=guideline.slug)
        return redirect(change_url(existing) if existing else changelist_url())
    origin = f" as a copy of v{draft.based_on.number}" if draft.based_on else ""
    _say(request, f"Draft v{draft.number} created{origin}. Edit it here, preview it, then publish.", messages.SUCCESS)
    return redirect(change_url(draft))


# ------------------------------------------------------------ the workbench


def version_page(request, version_pk):
    """The version's outline: sections, paragraphs, the rules citing each (in plain words), counts."""
    version = _version(version_pk)
    if version is None:
        return _missing(request, version_pk)
    if not can_view(request.user):
        raise PermissionDenied
    context = {
        **_workbench_context(request, version, f"Workbench: guidance v{version.number}"),
        **selectors.workbench_outline(version),
        "review": publishing.draft_review_status(version) if version.is_draft else None,
    }
    return TemplateResponse(request, "admin/guidance/guidanceversion/workbench.html", context)


def paragraph_page(request, version_pk, paragraph_pk):
    """One paragraph: its text with a live sanitised preview, beside it the rules citing it, quotes marked."""
    version = _version(version_pk)
    if version is None:
        return _missing(request, version_pk)
    if not can_view(request.user):
        raise PermissionDenied
    paragraph = selectors.paragraph_in_version(version=version, pk=paragraph_pk)
    if paragraph is None:
        raise Http404("No such paragraph in this version.")
    can_edit = version.is_draft and request.user.has_perm("guidance.change_paragraph")
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    form = ParagraphWorkbenchForm(request.POST or None, instance=paragraph)
    text = request.POST.get("text", paragraph.text) if request.method == "POST" else paragraph.text
    previewing = request.htmx or "preview" in request.POST
    if request.method == "POST" and not previewing and form.is_valid():
        publishing.paragraph_update(paragraph=paragraph, user=request.user, **form.cleaned_data)
        _say(request, f"Saved paragraph {paragraph.slug}.", messages.SUCCESS)
        if form.html_removed:
            _say(request, form.html_removed_message, messages.WARNING)
        return redirect(request.path)
    paragraphs = selectors.paragraphs_in_order(version=version)
    index = next(i for i, (pk, _) in enumerate(paragraphs) if pk == paragraph.pk)
    rules = list(paragraph.rules.all())
    context = {
        **_workbench_context(request, version, f"Paragraph {paragraph.slug}"),
        "paragraph": paragraph,
        "form": form,
        "can_edit": can_edit,
        "errors": error_summary([("Paragraph", form)]) if form.is_bound and not previewing else [],
        "preview": mark_sentences(
            render_markdown(text), text, paragraph.slug, tuple(r.quote for r in rules if r.quote)
        ),
        "rules": [(rule, quote_in_text(rule.quote, text)) for rule in rules],
        "previous": paragraphs[index - 1] if index > 0 else None,
        "next": paragraphs[index + 1] if index + 1 < len(paragraphs) else None,
    }
    template = "admin/guidance/guidanceversion/paragraph.html"
    if request.htmx:
        template += "#preview"
    return TemplateResponse(request, template, context)


def condition_builder(request, version_pk, rule_pk):
    """Build a rule's condition from rows (or type CEL, the advanced mode); both read back in words."""
    version = _version(version_pk)
    if version is None:
        return _missing(request, version_pk)
    if not (version.is_draft and request.user.has_perm("guidance.change_rule")):
        raise PermissionDenied
    rule = selectors.rule_in_version(version=version, pk=rule_pk)
    if rule is None:
        raise Http404("No such rule in this version.")
    mode = request.POST.get("mode") or request.GET.get("mode") or "builder"
    if request.method == "POST" and mode == "cel":
        builder, condition, problem = None, request.POST.get("condition", ""), None
    elif request.method == "POST":
        builder = ConditionBuilder(request.POST)
        condition, problem = builder.cel()
    else:
        tree = _tree_or_none(rule.condition)
        rows = to_builder(tree) if tree is not None else None
        builder = ConditionBuilder(initial=rows) if rows is not None else None
        mode = mode if rows is not None else "cel"
        condition, problem = rule.condition, None
    reading = condition_reading(condition) if condition else None
    if request.method == "POST" and "save" in request.POST and condition and not problem:
        try:
            publishing.rule_condition_set(rule=rule, condition=condition, user=request.user)
        except ValidationError as exc:
            # A syntax error is explained by the reading below, in words; the
            # engine's own checks (values, fact names) speak for themselves.
            syntax = reading is not None and not reading.ok and not cel_parses(condition)
            problem = "The condition was not saved." if syntax else "; ".join(exc.messages)
        else:
            _say_saved_condition(request, version, rule)
            return redirect(reverse("workbench:version", args=[version.pk]) + f"#rule-{rule.rule_id}")
    context = {
        **_workbench_context(request, version, f"Condition of {rule.rule_id}"),
        "rule": rule,
        "mode": mode,
        "builder": builder,
        "condition": condition,
        "reading": reading,
        "problem": problem,
        "stored_reading": rule.reading,
    }
    template = "admin/guidance/guidanceversion/condition_builder.html"
    if request.htmx:
        template += "#builder"
    return TemplateResponse(request, template, context)


def _say_saved_condition(request, version, rule):
    """Saved; and, when the draft's rules now break a safety property, which one and for what case."""
    try:
        failing = [proof for proof in publishing.guidance_prove(version=version) if not proof.holds]
    except (ConditionError, EvaluationError) as exc:
        failing, problem = [], f" The safety properties cannot be proven: {exc}"
    else:
        problem = ""
    if not failing and not problem:
        _say(request, f"Saved the condition of {rule.rule_id}.", messages.SUCCESS)
        return
    broken = "; ".join(
        f"{proof.property_id} ({proof.statement})"
        + (f", false for {facts_in_words(proof.counterexample)}" if proof.counterexample else "")
        for proof in failing
    )
    if broken:
        problem = f" With it the draft breaks a safety property: {broken}. The publish screen shows it in full."
    _say(request, f"Saved the condition of {rule.rule_id}.{problem}", messages.WARNING)


# ------------------------------------------------------------ review (two people to publish)


def _review_step(request, version_pk, step, allowed):
    draft = _version(version_pk)
    if draft is None:
        return _missing(request, version_pk)
    if not allowed(draft):
        raise PermissionDenied
    try:
        message = step(draft)
    except publishing.PublishError as exc:
        _say(request, str(exc), messages.ERROR)
    else:
        _say(request, message, messages.SUCCESS)
    if can_publish(request.user):
        return redirect(reverse("workbench:publish", args=[draft.pk]))
    return redirect(change_url(draft))


def review_submit(request, version_pk):
    def submit(draft):
        publishing.draft_submit(draft=draft, user=request.user)
        return f"Draft v{draft.number} is submitted: a second editor can now approve it or return it."

    return _review_step(request, version_pk, submit, lambda draft: can_change(request.user))


def review_approve(request, version_pk):
    def approve(draft):
        publishing.draft_approve(draft=draft, user=request.user)
        return f"You approved draft v{draft.number}; it can be published as it stands."

    return _review_step(request, version_pk, approve, lambda draft: can_approve(request.user))


def review_return(request, version_pk):
    def send_back(draft):
        publishing.draft_return(draft=draft, user=request.user, comment=request.POST.get("comment", ""))
        return f"Draft v{draft.number} went back to its authors with your comment."

    return _review_step(request, version_pk, send_back, lambda draft: can_approve(request.user))


# ------------------------------------------------------------ publish


def publish(request, version_pk):
    if not can_publish(request.user):
        raise PermissionDenied
    draft = _version(version_pk)
    if draft is None:
        return _missing(request, version_pk)
    if not draft.is_draft:
        _say(request, f"Guidance v{draft.number} is already {draft.status}; nothing to publish.", messages.WARNING)
        return redirect(change_url(draft))

    current = selectors.guidance_current(slug=draft.guideline.slug)
    diff, changes, proofs = None, [], []
    if request.method != "POST" and (refusal := publishing.draft_presentation_refusal(draft)):
        _say(request, refusal, messages.ERROR)
    try:
        proofs = publishing.guidance_prove(version=draft)
    except (ConditionError, EvaluationError) as exc:
        _say(request, f"The safety properties cannot be proven: {exc}", messages.ERROR)
    if current is not None:
        diff = version_diff(old=current, new=draft)
        try:
            changes = publishing.regression_changes(old=current, new=draft)
        except (ConditionError, EvaluationError) as exc:
            _say(request, f"The draft's rules cannot be run: {exc}", messages.ERROR)

    form = PublishForm(
        request.POST if request.method == "POST" else None,
        initial={"change_note": draft.change_note},
        regression_changes=changes,
    )
    if form.is_valid():
        try:
            with enqueue_failures() as not_queued:
                published = publishing.draft_publish(
                    draft=draft,
                    user=request.user,
                    change_note=form.cleaned_data["change_note"],
                    confirm_changes=bool(form.cleaned_data.get("confirm_changes")),
                )
        except publishing.PublishError as exc:
            _say(request, str(exc), messages.ERROR)
            proofs = exc.proofs or proofs
        else:
            retired = f"; v{current.number} is retired" if current else ""
            _say(request, f"Guidance v{published.number} is published{retired}.", messages.SUCCESS)
            for what in dict.fromkeys(not_queued):
                # The queue did not answer; the sweeper (cases.sweeping) queues it again.
                _say(request, f"Published; {what} is queued to retry.", messages.WARNING)
            return redirect(changelist_url())

    context = {
        **_context(request, draft, f"Publish guidance v{draft.number}"),
        "current": current,
        "diff": diff,
        "changes": changes,
        "proofs": proofs,
        "proofs_fail": any(not proof.holds for proof in proofs),
        "proof_budget": publishing.proof_budget(proofs),
        "regression_case_count": selectors.regression_case_count(guideline_id=draft.guideline_id),
        "form": form,
        "review": publishing.draft_review_status(draft),
        "can_submit": can_change(request.user),
        "can_approve": can_approve(request.user),
        # publishing refuses their approval (_check_reviewer); the screen says so before they try.
        "own_draft": request.user.pk in (draft.submitted_by_id, draft.last_changed_by_id),
    }
    return TemplateResponse(request, "admin/guidance/guidanceversion/publish.html", context)


def add_regression_case(request, version_pk):
    """Keep a counterexample (or any case the publish screen shows) as a regression case, in one step."""
    if not request.user.has_perm("guidance.add_regressioncase"):
        raise PermissionDenied
    draft = _version(version_pk)
    if draft is None:
        return _missing(request, version_pk)
    publish_url = reverse("workbench:publish", args=[draft.pk])
    try:
        case = json.loads(request.POST.get("case", ""))
        regression = publishing.regression_case_add(
            guideline=draft.guideline,
            case=case,
            name=request.POST.get("name", ""),
            note=request.POST.get("note", ""),
            user=request.user,
        )
    except (ValueError, ValidationError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _say(request, f"The case was not added: {message}", messages.ERROR)
    else:
        _say(request, f"Added regression case \u201c{regression.name}\u201d.", messages.SUCCESS)
    return redirect(publish_url)
