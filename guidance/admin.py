"""Admin for guidance editors: drafts edited inline, published history read-only.

A draft is made from the current version ("Create draft"), edited here, previewed
on the public page and published through its own screen, which shows the diff and
the regression cases whose recommendations would change. Published and retired
versions are frozen by the models; the admin shows them read-only.
"""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mastoweb.admin import ReadOnlyModelAdmin

from . import publishing, selectors
from .conditions import condition_reading, parse_condition, to_builder
from .diff import version_diff
from .engine import ConditionError, EvaluationError, cel_parses
from .facts import facts_in_words
from .forms import (
    ConditionBuilder,
    ParagraphForm,
    ParagraphFormSet,
    ParagraphWorkbenchForm,
    PublishForm,
    RuleForm,
    RuleFormSet,
    SafetyPropertyForm,
    error_summary,
)
from .history import version_history
from .markdown import render_markdown
from .models import (
    FrozenVersionError,
    GuidanceVersion,
    Guideline,
    Paragraph,
    RegressionCase,
    Rule,
    SafetyProperty,
    Section,
)
from .queueing import enqueue_failures
from .quotes import mark_sentences, quote_in_text


class VersionContentInline(admin.StackedInline):
    """Sections, paragraphs and rules: editable in a draft, read-only once frozen."""

    extra = 0

    def _frozen(self, obj):
        return obj is not None and obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class SectionInline(VersionContentInline):
    model = Section
    fields = ["slug", "title", "text", "order"]


class ParagraphInline(VersionContentInline):
    model = Paragraph
    form = ParagraphForm
    formset = ParagraphFormSet
    fields = ["section", "slug", "title", "text", "order"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("version", "section")


class RuleInline(VersionContentInline):
    model = Rule
    form = RuleForm
    formset = RuleFormSet
    fieldsets = [
        (None, {"fields": ["rule_id", "paragraph", "kind", "summary", "quote", "confirm", "mentions", "order"]}),
        ("What the line offers", {"fields": ["offers", "about", "effect", "offers_in_words"]}),
        # Django's admin sets textareas in a "monospace" fieldset in a fixed-width font.
        ("Condition", {"fields": ["condition"], "classes": ["monospace"]}),
        (None, {"fields": ["condition_in_words"]}),
    ]
    readonly_fields = ["condition_in_words", "offers_in_words"]

    @admin.display(description="Offers in words")
    def offers_in_words(self, obj):
        return obj.offers_in_words if obj and obj.pk else "-"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("paragraph__version")

    @admin.display(description="In plain words (as saved)")
    def condition_in_words(self, obj):
        if obj is None or not obj.pk:
            return "Shown once the rule is saved."
        reading = obj.reading
        if reading.ok:
            return reading.text
        return f"No plain-words reading for this condition ({reading.problem}); check its CEL carefully."


class SafetyPropertyInline(VersionContentInline):
    model = SafetyProperty
    form = SafetyPropertyForm
    fieldsets = [
        (None, {"fields": ["property_id", "statement", "order"]}),
        ("Condition (must be true for every case)", {"fields": ["condition"], "classes": ["monospace"]}),
    ]


HISTORY_FIELDS = (
    "created_at",
    "created_by",
    "review_state",
    "submitted_by",
    "last_changed_by",
    "approved_by",
    "approved_at",
    "published_at",
    "publisher",
    "retired_at",
)


@admin.register(GuidanceVersion)
class GuidanceVersionAdmin(admin.ModelAdmin):
    inlines = [SectionInline, ParagraphInline, RuleInline, SafetyPropertyInline]
    list_display = ["version", "status", "published_at", "publisher", "short_change_note", "links"]
    list_display_links = ["version"]
    list_filter = ["status"]
    list_select_related = ["guideline", "published_by", "based_on"]
    ordering = ["-number"]
    view_on_site = False  # the change form links to the public page itself ("Preview" for a draft)
    fieldsets = [
        (None, {"fields": ["guideline", "number", "status", "title", "based_on", "change_note"]}),
        (
            "Source provenance",
            {
                "fields": list(GuidanceVersion.PROVENANCE_FIELDS),
                "description": "The source this version reproduces, as the source itself records it. "
                "Leave a field blank rather than guess: pages then say the record was not supplied.",
            },
        ),
        ("History", {"fields": list(HISTORY_FIELDS)}),
    ]
    # The history is kept by the services (draft, review, publish); an editor reads it here.
    readonly_fields = ["guideline", "number", "status", "based_on", *HISTORY_FIELDS]

    # ------------------------------------------------------------ permissions

    def has_add_permission(self, request):
        # A version starts as a copy of the current one: "Create draft", never a blank "Add".
        return False

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and obj.is_frozen) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_frozen) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Bulk delete would not ask each version whether it is frozen.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def _can_create_draft(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def _can_publish(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.publish_{self.opts.model_name}")

    # ------------------------------------------------------------ list

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("guideline", "based_on")

    @admin.display(description="Version", ordering="number")
    def version(self, obj):
        return f"v{obj.number}"

    @admin.display(description="Change note")
    def short_change_note(self, obj):
        return Truncator(obj.change_note).chars(120)

    @admin.display(description="Pages")
    def links(self, obj):
        label = "Preview" if obj.is_draft else "View"
        page = format_html('<a href="{}">{}</a>', reverse("guidance:version", args=[obj.number]), label)
        if obj.based_on is None:
            return page
        diff_url = reverse("guidance:diff", args=[obj.based_on.number, obj.number])
        return format_html('{} · <a href="{}">Changes from v{}</a>', page, diff_url, obj.based_on.number)

    def changelist_view(self, request, extra_context=None):
        draft = selectors.guidance_draft()
        extra_context = {
            **(extra_context or {}),
            "draft": draft,
            "can_create_draft": draft is None and self._can_create_draft(request),
        }
        return super().changelist_view(request, extra_context)

    # ------------------------------------------------------------ change form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_publish"] = obj is not None and obj.is_draft and self._can_publish(request)
        context["review"] = publishing.draft_review_status(obj) if obj is not None and obj.is_draft else None
        # "Please correct the errors below" names no field: list each error with a link to it.
        forms = [("Version", context["adminform"].form)] if "adminform" in context else []
        for inline in context.get("inline_admin_formsets", ()):
            noun = inline.formset.model._meta.verbose_name.capitalize()
            for form in inline.formset.forms:
                if form.errors:
                    name = str(form.instance) if form.instance.pk else "new"
                    forms.append((f"{noun} {name}", form))
        context["error_summary"] = error_summary(forms) if forms and forms[0][1].is_bound else []
        context["can_create_draft"] = (
            obj is not None
            and obj.status == GuidanceVersion.Status.PUBLISHED
            and self._can_create_draft(request)
            and selectors.guidance_draft(slug=obj.guideline.slug) is None
        )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            # An editor whose draft was published meanwhile gets the reason, not a bare 403.
            if obj is not None and obj.is_frozen and super().has_change_permission(request, obj):
                self.message_user(request, self._frozen_message(obj), messages.ERROR)
                return redirect(request.path)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except FrozenVersionError as exc:
            # Published between our check and the save; the transaction was rolled back.
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect(request.path)

    def _create_formsets(self, request, obj, change):
        # Rules quote their paragraphs: check them against the paragraph texts of
        # the same submission, so a paragraph and its rules can be edited together.
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        paragraphs = next((f for f in formsets if isinstance(f, ParagraphFormSet)), None)
        for formset in formsets:
            if isinstance(formset, RuleFormSet):
                formset.paragraph_formset = paragraphs
                for form in formset.forms:
                    form.paragraph_formset = paragraphs
        return formsets, inline_instances

    def _frozen_message(self, obj):
        return (
            f"Guidance v{obj.number} is {obj.get_status_display().lower()} and cannot be changed; "
            "nothing was saved. Create a new draft to change the guidance."
        )

    # ------------------------------------------------------------ draft and publish

    @admin.display(description="Published by")
    def publisher(self, obj):
        if obj.published_by is not None:
            return obj.published_by.get_username()
        if obj.published_at is not None:
            # Versions shipped in guidance/data are published by the setup, not by an editor.
            return "Mastoweb's setup (loaded from the guidance data it ships with), not an editor"
        return "-"

    def start_view(self, request):
        """The editor's start page: the draft's workbench when there is a draft, else the versions (Create draft)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        draft = selectors.guidance_draft()
        if draft is not None:
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_workbench", args=[draft.pk]))
        return redirect(self._changelist_url())

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "start/",
                self.admin_site.admin_view(require_GET(self.start_view)),
                name="{}_{}_start".format(*info),
            ),
            path(
                "create-draft/",
                self.admin_site.admin_view(require_POST(self.create_draft_view)),
                name="{}_{}_create_draft".format(*info),
            ),
            path(
                "<path:object_id>/publish/add-regression-case/",
                self.admin_site.admin_view(require_POST(self.add_regression_case_view)),
                name="{}_{}_add_regression_case".format(*info),
            ),
            *(
                path(
                    f"<path:object_id>/review/{step}/",
                    self.admin_site.admin_view(require_POST(getattr(self, f"review_{step}_view"))),
                    name=f"{info[0]}_{info[1]}_review_{step}",
                )
                for step in ("submit", "approve", "return")
            ),
            path(
                "<path:object_id>/workbench/",
                self.admin_site.admin_view(require_GET(self.workbench_view)),
                name="{}_{}_workbench".format(*info),
            ),
            path(
                "<path:object_id>/workbench/paragraph/<int:paragraph_pk>/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.paragraph_view)),
                name="{}_{}_paragraph".format(*info),
            ),
            path(
                "<path:object_id>/workbench/rule/<int:rule_pk>/condition/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.condition_builder_view)),
                name="{}_{}_condition_builder".format(*info),
            ),
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.publish_view)),
                name="{}_{}_publish".format(*info),
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        """Field-level history of the version and every section, paragraph and rule in it."""
        version = self.get_object(request, unquote(object_id))
        if version is None or not self.has_view_or_change_permission(request, version):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"History of guidance v{version.number}",
            "opts": self.opts,
            "original": version,
            "entries": version_history(version),
        }
        return TemplateResponse(request, "admin/guidance/guidanceversion/history.html", context)

    def _change_url(self, obj):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def _changelist_url(self):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def create_draft_view(self, request):
        if not self._can_create_draft(request):
            raise PermissionDenied
        guideline = selectors.guideline_default()
        if guideline is None:
            raise Http404("No guideline is loaded.")
        try:
            draft = publishing.draft_create(guideline=guideline, user=request.user)
        except publishing.PublishError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            existing = selectors.guidance_draft(slug=guideline.slug)
            return redirect(self._change_url(existing) if existing else self._changelist_url())
        origin = f" as a copy of v{draft.based_on.number}" if draft.based_on else ""
        self.message_user(
            request, f"Draft v{draft.number} created{origin}. Edit it here, preview it, then publish.", messages.SUCCESS
        )
        return redirect(self._change_url(draft))

    # ------------------------------------------------------------ the editor's workbench

    def _workbench_context(self, request, version, title):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "original": version,
            "can_edit": version.is_draft and super().has_change_permission(request, version),
        }

    def workbench_view(self, request, object_id):
        """The version's outline: sections, paragraphs, the rules citing each (in plain words), counts."""
        version = self.get_object(request, unquote(object_id))
        if version is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, version):
            raise PermissionDenied
        context = {
            **self._workbench_context(request, version, f"Workbench: guidance v{version.number}"),
            **selectors.workbench_outline(version),
            "review": publishing.draft_review_status(version) if version.is_draft else None,
        }
        return TemplateResponse(request, "admin/guidance/guidanceversion/workbench.html", context)

    def paragraph_view(self, request, object_id, paragraph_pk):
        """One paragraph: its text with a live sanitised preview, beside it the rules citing it, quotes marked."""
        version = self.get_object(request, unquote(object_id))
        if version is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, version):
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
            self.message_user(request, f"Saved paragraph {paragraph.slug}.", messages.SUCCESS)
            if form.html_removed:
                self.message_user(request, form.html_removed_message, messages.WARNING)
            return redirect(request.path)
        paragraphs = selectors.paragraphs_in_order(version=version)
        index = next(i for i, (pk, _) in enumerate(paragraphs) if pk == paragraph.pk)
        rules = list(paragraph.rules.all())
        context = {
            **self._workbench_context(request, version, f"Paragraph {paragraph.slug}"),
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

    def condition_builder_view(self, request, object_id, rule_pk):
        """Build a rule's condition from rows (or type CEL, the advanced mode); both read back in words."""
        version = self.get_object(request, unquote(object_id))
        if version is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
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
                self._say_saved_condition(request, version, rule)
                return redirect(
                    reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_workbench", args=[version.pk])
                    + f"#rule-{rule.rule_id}"
                )
        context = {
            **self._workbench_context(request, version, f"Condition of {rule.rule_id}"),
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

    def _say_saved_condition(self, request, version, rule):
        """Saved; and, when the draft's rules now break a safety property, which one and for what case."""
        try:
            failing = [proof for proof in publishing.guidance_prove(version=version) if not proof.holds]
        except (ConditionError, EvaluationError) as exc:
            failing, problem = [], f" The safety properties cannot be proven: {exc}"
        else:
            problem = ""
        if not failing and not problem:
            self.message_user(request, f"Saved the condition of {rule.rule_id}.", messages.SUCCESS)
            return
        broken = "; ".join(
            f"{proof.property_id} ({proof.statement})"
            + (f", false for {facts_in_words(proof.counterexample)}" if proof.counterexample else "")
            for proof in failing
        )
        if broken:
            problem = f" With it the draft breaks a safety property: {broken}. The publish screen shows it in full."
        self.message_user(request, f"Saved the condition of {rule.rule_id}.{problem}", messages.WARNING)

    # ------------------------------------------------------------ review (two people to publish)

    def _review_step(self, request, object_id, step, allowed):
        draft = self.get_object(request, unquote(object_id))
        if draft is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not allowed(draft):
            raise PermissionDenied
        try:
            message = step(draft)
        except publishing.PublishError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        if self._can_publish(request):
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_publish", args=[draft.pk]))
        return redirect(self._change_url(draft))

    def review_submit_view(self, request, object_id):
        def submit(draft):
            publishing.draft_submit(draft=draft, user=request.user)
            return f"Draft v{draft.number} is submitted: a second editor can now approve it or return it."

        return self._review_step(
            request,
            object_id,
            submit,
            lambda draft: super(GuidanceVersionAdmin, self).has_change_permission(request, draft),
        )

    def review_approve_view(self, request, object_id):
        def approve(draft):
            publishing.draft_approve(draft=draft, user=request.user)
            return f"You approved draft v{draft.number}; it can be published as it stands."

        return self._review_step(request, object_id, approve, lambda draft: self._can_approve(request))

    def review_return_view(self, request, object_id):
        def send_back(draft):
            publishing.draft_return(draft=draft, user=request.user, comment=request.POST.get("comment", ""))
            return f"Draft v{draft.number} went back to its authors with your comment."

        return self._review_step(request, object_id, send_back, lambda draft: self._can_approve(request))

    def _can_approve(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.approve_{self.opts.model_name}")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            for each in formset.forms:
                if getattr(each, "html_removed", ()):
                    self.message_user(request, each.html_removed_message, messages.WARNING)
        draft = form.instance
        if draft.is_draft and draft.review_state in (
            GuidanceVersion.ReviewState.SUBMITTED,
            GuidanceVersion.ReviewState.APPROVED,
        ):
            refreshed = publishing.draft_review_refresh(draft=draft, user=request.user)
            if refreshed.review_state != draft.review_state:
                self.message_user(
                    request,
                    "The draft changed after it was submitted or approved, so that review no longer stands: "
                    "submit it again for a second editor to approve.",
                    messages.WARNING,
                )

    def publish_view(self, request, object_id):
        if not self._can_publish(request):
            raise PermissionDenied
        draft = self.get_object(request, unquote(object_id))
        if draft is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not draft.is_draft:
            self.message_user(
                request, f"Guidance v{draft.number} is already {draft.status}; nothing to publish.", messages.WARNING
            )
            return redirect(self._change_url(draft))

        current = selectors.guidance_current(slug=draft.guideline.slug)
        diff, changes, proofs = None, [], []
        try:
            proofs = publishing.guidance_prove(version=draft)
        except (ConditionError, EvaluationError) as exc:
            self.message_user(request, f"The safety properties cannot be proven: {exc}", messages.ERROR)
        if current is not None:
            diff = version_diff(old=current, new=draft)
            try:
                changes = publishing.regression_changes(old=current, new=draft)
            except (ConditionError, EvaluationError) as exc:
                self.message_user(request, f"The draft's rules cannot be run: {exc}", messages.ERROR)

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
                self.message_user(request, str(exc), messages.ERROR)
                proofs = exc.proofs or proofs
            else:
                retired = f"; v{current.number} is retired" if current else ""
                self.message_user(request, f"Guidance v{published.number} is published{retired}.", messages.SUCCESS)
                for what in dict.fromkeys(not_queued):
                    # The queue did not answer; the sweeper (cases.sweeping) queues it again.
                    self.message_user(request, f"Published; {what} is queued to retry.", messages.WARNING)
                return redirect(self._changelist_url())

        context = {
            **self.admin_site.each_context(request),
            "title": f"Publish guidance v{draft.number}",
            "opts": self.opts,
            "original": draft,
            "current": current,
            "diff": diff,
            "changes": changes,
            "proofs": proofs,
            "proofs_fail": any(not proof.holds for proof in proofs),
            "proof_budget": publishing.proof_budget(proofs),
            "regression_case_count": selectors.regression_case_count(guideline_id=draft.guideline_id),
            "form": form,
            "review": publishing.draft_review_status(draft),
            "can_submit": super().has_change_permission(request, draft),
            "can_approve": self._can_approve(request),
            # publishing refuses their approval (_check_reviewer); the screen says so before they try.
            "own_draft": request.user.pk in (draft.submitted_by_id, draft.last_changed_by_id),
        }
        return TemplateResponse(request, "admin/guidance/guidanceversion/publish.html", context)

    def add_regression_case_view(self, request, object_id):
        """Keep a counterexample (or any case the publish screen shows) as a regression case, in one step."""
        if not request.user.has_perm("guidance.add_regressioncase"):
            raise PermissionDenied
        draft = self.get_object(request, unquote(object_id))
        if draft is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        publish_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_publish", args=[draft.pk])
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
            self.message_user(request, f"The case was not added: {message}", messages.ERROR)
        else:
            self.message_user(request, f"Added regression case \u201c{regression.name}\u201d.", messages.SUCCESS)
        return redirect(publish_url)


def _tree_or_none(condition):
    try:
        return parse_condition(condition)
    except ValueError:
        return None


@admin.register(RegressionCase)
class RegressionCaseAdmin(admin.ModelAdmin):
    """Worked cases every publish re-runs; editors add them here or from the publish screen."""

    list_display = ["name", "note", "added_by", "added_at"]
    search_fields = ["name", "note"]
    fields = ["guideline", "name", "case", "note", "added_by", "added_at"]
    readonly_fields = ["added_by", "added_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Guideline)
class GuidelineAdmin(ReadOnlyModelAdmin):
    """Shown for reference; the guideline's content lives in its versions."""

    list_display = ["title", "slug"]
    fields = ["slug", "title", "source"]
