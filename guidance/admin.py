"""Admin for guidance editors: drafts edited inline, published history read-only.

A draft is made from the current version ("Create draft"), edited here, previewed
on the public page and published through the workbench's publish screen
(guidance/workbench/), which shows the diff and the regression cases whose
recommendations would change. Published and retired versions are frozen by the
models; the admin shows them read-only. The admin has only Django's own pages:
the workbench's pages are plain views outside it.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from mastoweb.admin import ReadOnlyModelAdmin

from . import publishing, selectors
from .forms import (
    ParagraphForm,
    ParagraphFormSet,
    RuleForm,
    RuleFormSet,
    SafetyPropertyForm,
    error_summary,
)
from .history import version_history
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
from .workbench.views import can_create_draft, can_publish


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
            "can_create_draft": draft is None and can_create_draft(request.user),
        }
        return super().changelist_view(request, extra_context)

    # ------------------------------------------------------------ change form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_publish"] = obj is not None and obj.is_draft and can_publish(request.user)
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
            and can_create_draft(request.user)
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

    # ------------------------------------------------------------ history

    @admin.display(description="Published by")
    def publisher(self, obj):
        if obj.published_by is not None:
            return obj.published_by.get_username()
        if obj.published_at is not None:
            # Versions shipped in guidance/data are published by the setup, not by an editor.
            return "Mastoweb's setup (loaded from the guidance data it ships with), not an editor"
        return "-"

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
