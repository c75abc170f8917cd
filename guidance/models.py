"""Versioned guidance: a guideline has numbered versions of text and rules.

A version is a draft until it is published; a published or retired version is
immutable. The database holds "one published version" and "one draft" per
guideline; the models refuse any change to a frozen version's content.
"""

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.urls import reverse
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from .conditions import condition_reading
from .engine import ConditionError, RuleOffersError, RuleSpec, compile_rule, offers_as_pairs
from .facts import CURRENT_EDITION, validate_case
from .interventions import Effect, plan_in_words
from .kinds import KIND_CHOICES
from .markdown import render_markdown
from .properties import PropertySpec, compile_property
from .quotes import mark_sentences, quote_anchor, quote_in_text


def in_a_transaction(using):
    """The caller's transaction, or one of its own: a lock taken inside lasts until the write commits.
    No savepoint in a caller's transaction, where a refusal must not spoil it either."""
    return contextlib.nullcontext() if transaction.get_connection(using).in_atomic_block else transaction.atomic(using)


class FrozenVersionError(ValidationError):
    """A change to a published or retired guidance version."""


class Guideline(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    source = models.TextField(blank=True, help_text="Where the guidance text comes from (attribution).")

    def __str__(self):
        return self.title


class GuidanceVersionQuerySet(models.QuerySet):
    def delete(self):
        # Bulk delete skips GuidanceVersion.delete(): only drafts may go.
        if self.exclude(status="draft").exists():
            raise FrozenVersionError("Published or retired guidance cannot be deleted.")
        return super().delete()


class ReviewState(models.TextChoices):
    EDITING = "editing", "Being edited"
    SUBMITTED = "submitted", "Submitted for review"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned with a comment"


class GuidanceVersion(models.Model):
    ReviewState = ReviewState

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    guideline = models.ForeignKey(Guideline, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(max_length=200)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    change_note = models.TextField(blank=True, help_text="What changed and why; shown in the version history.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    # The contract edition its rules are written to (guidance.facts.vocabulary): 2 for versions 1 and 2
    # (venom_allergy a tick box; lines say nothing of what they offer), 3 from version 3 on.
    edition = models.PositiveSmallIntegerField(default=CURRENT_EDITION, editable=False)

    # Two people to publish (guidance.publishing: draft_submit, draft_approve,
    # draft_return). The fingerprints are of the content as it was submitted and
    # approved: any change after approval, however it is made, voids it.
    review_state = models.CharField(
        max_length=10, choices=ReviewState.choices, default=ReviewState.EDITING, editable=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    submitted_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    last_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="Who last changed the content before it was submitted (from its history).",
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    approved_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    review_comment = models.TextField(blank=True, editable=False, help_text="Why the reviewer returned the draft.")

    # Provenance of the source text this version reproduces. Left blank when the
    # source came without a bibliographic record: nothing is invented.
    source_title = models.CharField("source title", max_length=300, blank=True)
    source_authors = models.CharField(
        "source authors or publisher", max_length=300, blank=True, help_text="As the source names them."
    )
    source_identifier = models.CharField(
        "source URL or identifier", max_length=500, blank=True, help_text="A URL, DOI, ISBN or other identifier."
    )
    source_date = models.CharField(
        "source's own date",
        max_length=50,
        blank=True,
        help_text="The date the source gives for itself (publication or last review), as it gives it.",
    )
    source_retrieved_on = models.DateField("date retrieved", null=True, blank=True)
    source_licence = models.CharField("source licence", max_length=200, blank=True)

    objects = GuidanceVersionQuerySet.as_manager()

    # Field-level history of every change (django-simple-history), shown in admin.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-number"]
        permissions = [
            ("publish_guidanceversion", "Can publish a guidance draft"),
            ("approve_guidanceversion", "Can approve guidance (a draft another editor wrote)"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["guideline", "number"], name="guidance_version_number_unique"),
            models.UniqueConstraint(
                fields=["guideline"],
                condition=models.Q(status="published"),
                name="guidance_one_published_version",
            ),
            models.UniqueConstraint(
                fields=["guideline"],
                condition=models.Q(status="draft"),
                name="guidance_one_draft_version",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="guidance_published_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.guideline.slug} v{self.number} ({self.get_status_display().lower()})"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.status
        return instance

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    @property
    def is_retired(self):
        return self.status == self.Status.RETIRED

    @property
    def is_frozen(self):
        """Published or retired, as stored in the database."""
        return getattr(self, "_loaded_status", self.Status.DRAFT) != self.Status.DRAFT

    @property
    def content_key(self):
        """What a per-process cache of a frozen version's content is keyed by (core.caches), read off the row.

        A version published through review carries the SHA-256 of its content
        (approved_fingerprint: publishing refuses unless the content is what was
        approved, and nothing changes it after): with that, another database reusing
        the id for other content gets another key. A version the loader published
        has none; its publication time stands in. It is set in the transaction that
        freezes the content, which nothing changes afterwards (the model and its bulk
        writes refuse it), so the same id and time in a restored database is a copy of
        the same publication, with the same content.
        """
        return (self.pk, self.number, self.edition, self.published_at, self.approved_fingerprint)

    def save(self, *args, **kwargs):
        # Checked against the stored row, not the loaded status: an instance
        # rebuilt from a history record has no loaded status.
        with in_a_transaction(router.db_for_write(GuidanceVersion)):
            if self.pk:
                self._check_frozen_change()
            super().save(*args, **kwargs)
        self._loaded_status = self.status

    def _check_frozen_change(self):
        """A frozen version may only go published -> retired; nothing else changes.

        The stored row is locked (version_write_lock) until the transaction ends: a publish
        committing meanwhile would otherwise be overwritten by this save's older status.
        """
        stored = version_write_lock(self.pk)
        if stored is None or stored.status == self.Status.DRAFT:
            return
        changed = {
            f.attname for f in self._meta.concrete_fields if getattr(stored, f.attname) != getattr(self, f.attname)
        }
        allowed = {"status", "retired_at"} if (stored.status, self.status) == ("published", "retired") else set()
        if changed - allowed:
            raise FrozenVersionError(
                f"Guidance v{self.number} is {stored.get_status_display().lower()} and cannot be changed "
                f"({', '.join(sorted(changed - allowed))}); create a new draft instead."
            )

    def delete(self, *args, **kwargs):
        if self.is_frozen:
            raise FrozenVersionError(f"Guidance v{self.number} is {self.status} and cannot be deleted.")
        return super().delete(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("guidance:version", kwargs={"number": self.number})

    def rule_specs(self):
        return [rule.spec for rule in self.rules.select_related("paragraph")]

    def property_specs(self):
        return [prop.spec for prop in self.safety_properties.all()]

    @property
    def declares_offers(self):
        """Whether its lines say what they offer (and cautions what they are about): version 3 on."""
        return self.edition >= CURRENT_EDITION

    PROVENANCE_FIELDS = (
        "source_title",
        "source_authors",
        "source_identifier",
        "source_date",
        "source_retrieved_on",
        "source_licence",
    )

    @property
    def has_bibliographic_record(self):
        return any(getattr(self, name) for name in self.PROVENANCE_FIELDS if name != "source_title")


def version_write_lock(*version_ids):
    """Lock these versions' rows until the transaction ends; every write of a version or its content
    takes it, and so does publishing, which then reads the content it fingerprints with no write in
    flight. Returns the (first) version as now stored, or None.

    FOR NO KEY UPDATE: it waits for other writers and the publish, never for a case's save,
    whose assessment only refers to a version (a foreign-key check takes KEY SHARE).
    """
    rows = list(GuidanceVersion.objects.select_for_update(no_key=True).filter(pk__in=version_ids).order_by("pk"))
    return rows[0] if rows else None


class GuardedWritesQuerySet(models.QuerySet):
    """Bulk update/delete skip save(): each runs `_check_not_frozen()` first, in the same transaction."""

    def _check_not_frozen(self):
        raise NotImplementedError

    def update(self, **kwargs):
        with in_a_transaction(self.db):
            self._check_not_frozen()
            return super().update(**kwargs)

    def delete(self):
        with in_a_transaction(self.db):
            self._check_not_frozen()
            return super().delete()


class FrozenAwareQuerySet(GuardedWritesQuerySet):
    """Bulk update/delete would skip save(): refuse them on frozen versions, after taking the lock."""

    def _check_not_frozen(self):
        version_write_lock(*self.order_by().values_list("version_id", flat=True).distinct())
        if self.exclude(version__status=GuidanceVersion.Status.DRAFT).exists():
            raise FrozenVersionError("Published or retired guidance cannot be changed; create a new draft instead.")


class VersionContent(models.Model):
    """Content that belongs to one guidance version and freezes with it."""

    objects = FrozenAwareQuerySet.as_manager()

    class Meta:
        abstract = True

    def _check_version_is_draft(self, action):
        version = version_write_lock(self.version_id)
        if version is None:
            raise GuidanceVersion.DoesNotExist(f"No guidance version {self.version_id}.")
        if version.status != GuidanceVersion.Status.DRAFT:
            raise FrozenVersionError(
                f"Guidance v{version.number} is {version.status}: its content cannot be {action}; "
                "create a new draft instead."
            )

    def save(self, *args, **kwargs):
        with in_a_transaction(router.db_for_write(type(self))):
            self._check_version_is_draft("changed")
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        with in_a_transaction(router.db_for_write(type(self))):
            self._check_version_is_draft("deleted")
            return super().delete(*args, **kwargs)


class Section(VersionContent):
    version = models.ForeignKey(GuidanceVersion, on_delete=models.CASCADE, related_name="sections")
    slug = models.SlugField(help_text="Stable anchor; never changes between versions.")
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True, help_text="Optional text under the heading (Markdown).")
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "slug"], name="guidance_section_slug_unique")]

    def __str__(self):
        return self.title

    @cached_property
    def html(self):
        return render_markdown(self.text)


class Paragraph(VersionContent):
    version = models.ForeignKey(GuidanceVersion, on_delete=models.CASCADE, related_name="paragraphs")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="paragraphs")
    slug = models.SlugField(help_text="Stable anchor that rules and links cite; never changes between versions.")
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField(help_text="Markdown. Rendered through a sanitiser: no scripts or event handlers.")
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["section__order", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "slug"], name="guidance_paragraph_slug_unique")]

    def __str__(self):
        return f"{self.slug} (v{self.version.number})" if self.version_id else self.slug

    def clean(self):
        if self.section_id and self.version_id and self.section.version_id != self.version_id:
            raise ValidationError({"section": "The section belongs to another guidance version."})
        # A section's lead paragraph may carry the section's own slug (the source
        # puts one slug on a heading and the sentence under it); no other may.
        clash = Section.objects.filter(version_id=self.version_id, slug=self.slug).exclude(pk=self.section_id)
        if self.version_id and clash.exists():
            raise ValidationError({"slug": "A section of this version already uses this slug as its anchor."})
        if self.pk:
            stored_slug = Paragraph.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
            if stored_slug not in (None, self.slug) and self._slug_published_before(stored_slug):
                raise ValidationError(
                    {
                        "slug": f"{stored_slug!r} was published in an earlier version: links and past "
                        "assessments cite it, so it never changes. Add a new paragraph instead."
                    }
                )

    def _slug_published_before(self, slug):
        return (
            Paragraph.objects.filter(slug=slug, version__guideline_id=self.version.guideline_id)
            .exclude(version__status=GuidanceVersion.Status.DRAFT)
            .exists()
        )

    @cached_property
    def html(self):
        return render_markdown(self.text)

    @cached_property
    def quoted_html(self):
        """The text with every sentence a rule quotes marked and anchored (rules prefetched by the page)."""
        quotes = tuple(rule.quote for rule in self.rules.all() if rule.quote)
        return mark_sentences(self.html, self.text, self.slug, quotes) if quotes else self.html

    @property
    def is_lead(self):
        """The section's lead paragraph: the section's anchor is its anchor."""
        return self.section_id is not None and self.slug == self.section.slug


class QuoteError(ValidationError):
    """A rule's quote that its paragraph does not hold."""


class Rule(VersionContent):
    version = models.ForeignKey(GuidanceVersion, on_delete=models.CASCADE, related_name="rules")
    rule_id = models.SlugField(max_length=80, help_text="Stable id shown with each recommendation.")
    # RESTRICT, not PROTECT: a cited paragraph cannot be deleted on its own, but a
    # draft can be discarded whole (its rules go with it through the version).
    paragraph = models.ForeignKey(Paragraph, on_delete=models.RESTRICT, related_name="rules")
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)  # guidance.kinds
    summary = models.CharField(max_length=300, help_text="One line, as the clinician reads it.")
    # The forms name the facts after this help (guidance.forms): kept out of the field, so that adding a
    # fact to the vocabulary makes no migration here.
    condition = models.TextField(
        help_text=(
            "CEL expression over the case facts, e.g. "
            '"flushing" in symptoms && antihistamine_response == "unresponsive".'
        )
    )
    mentions = models.CharField(
        max_length=200,
        blank=True,
        help_text="Facts shown with the recommendation though the condition does not test them (comma-separated).",
    )
    quote = models.TextField(
        blank=True,
        help_text="The words of the paragraph this rule rests on, copied exactly (line breaks aside). "
        "Shown to clinicians as the source's words; required to publish.",
    )
    confirm = models.JSONField(
        default=list,
        blank=True,
        help_text="The source's own qualifiers that no case fact captures (e.g. \u201cprominent flushing\u201d), "
        "shown as \u201cCheck before acting\u201d.",
    )
    # From guidance version 3 on (guidance.interventions): what a recommend/consider line offers, as
    # [{"intervention": id, "intent": "start" | "maximise" | "continue"}]; what a caution is about
    # (intervention or class ids) and its effect.
    offers = models.JSONField(
        default=list,
        blank=True,
        help_text="What the line offers: one intervention per line, with its intent (start, maximise or continue).",
    )
    about = models.JSONField(
        default=list, blank=True, help_text="For a caution: the interventions or classes it concerns."
    )
    effect = models.CharField(
        max_length=10,
        blank=True,
        choices=[(e.value, e.value) for e in Effect],
        help_text="For a caution: withhold (do not start now), qualify (only under its condition) or ensure "
        "(must be in place).",
    )
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    # Set by a form that edits the paragraph in the same request: the quote is
    # checked against the text as it will be saved, not as it is stored.
    paragraph_text_override = None

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "rule_id"], name="guidance_rule_id_unique")]

    def __str__(self):
        return self.rule_id

    @property
    def anchor(self):
        """The sentence the quote starts in, on the guidance page (the paragraph without a quote)."""
        return quote_anchor(self.paragraph.slug, self.paragraph.text, self.quote) if self.quote else self.paragraph.slug

    @cached_property
    def reading(self):
        """The condition in plain words, or why none can be given (guidance.conditions).

        Read in the vocabulary of its version's edition; the version is looked up only when the
        current vocabulary cannot read it (a retired version's venom_allergy tick box), so listing
        rules costs no query per rule."""
        reading = condition_reading(self.condition)
        if reading.ok or self.edition >= CURRENT_EDITION:
            return reading
        return condition_reading(self.condition, edition=self.edition)

    @property
    def mentioned_facts(self):
        return tuple(name.strip() for name in self.mentions.split(",") if name.strip())

    @property
    def spec(self):
        return RuleSpec(
            rule_id=self.rule_id,
            paragraph=self.paragraph.slug,
            kind=self.kind,
            summary=self.summary,
            condition=self.condition,
            mentions=self.mentioned_facts,
            quote=self.quote,
            confirm=tuple(self.confirm or ()),
            offers=offers_as_pairs(self.offers),
            about=tuple(self.about or ()),
            effect=self.effect or "",
        )

    @property
    def edition(self):
        return self.version.edition if self.version_id else CURRENT_EDITION

    @property
    def offers_in_words(self):
        """What the line offers, or what a caution does to what it is about, in the vocabulary's words."""
        spec = self.spec
        return plan_in_words(spec.offers, spec.about, spec.effect)

    def quote_problem(self):
        """Why the quote cannot stand (a sentence for the editor), or None."""
        if not self.quote.strip() or not self.paragraph_id:
            return None
        text = self.paragraph.text if self.paragraph_text_override is None else self.paragraph_text_override
        if quote_in_text(self.quote, text):
            return None
        return (
            f"The quote is not in paragraph {self.paragraph.slug!r}"
            f"{' as edited' if self.paragraph_text_override is not None else ''}: a rule can only quote words "
            "its paragraph holds (line breaks aside). Copy them from the paragraph exactly."
        )

    def clean(self):
        errors = {}
        if self.paragraph_id and self.version_id and self.paragraph.version_id != self.version_id:
            errors["paragraph"] = "The paragraph belongs to another guidance version."
        if not isinstance(self.confirm, list) or not all(isinstance(i, str) and i.strip() for i in self.confirm):
            errors["confirm"] = "List the qualifiers to confirm as phrases of the source, one per line."
        elif self.paragraph_id and self.kind:
            try:
                compile_rule(self.spec, self.edition)
            except RuleOffersError as exc:
                errors[exc.field] = str(exc).split(": ", 1)[1]
            except ConditionError as exc:
                errors["mentions" if "Mentioned fact" in str(exc) else "condition"] = str(exc)
        problem = self.quote_problem()
        if problem:
            errors["quote"] = problem
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # The model owns the invariants: no rule is stored that cannot run, or
        # that cites words its paragraph does not hold.
        compile_rule(self.spec, self.edition)
        problem = self.quote_problem()
        if problem:
            raise QuoteError({"quote": problem})
        super().save(*args, **kwargs)


class SafetyProperty(VersionContent):
    """A statement that must hold for every case under this version's rules, proven before publishing."""

    version = models.ForeignKey(GuidanceVersion, on_delete=models.CASCADE, related_name="safety_properties")
    property_id = models.SlugField(max_length=80, help_text="Stable id, named in proofs and counterexamples.")
    statement = models.CharField(
        max_length=300, help_text="One sentence for clinicians: what the property guarantees for every patient."
    )
    condition = models.TextField(  # its help names the facts in the form, as the rule's does
        help_text=(
            "CEL over the case facts and fired (the ids of the rules that fire), true for every case, e.g. "
            '!("aspirin-for-refractory-flushing" in fired) || nsaid_tolerance == "tolerant".'
        )
    )
    each_intervention = models.BooleanField(
        default=False,
        help_text="Checked once for each intervention i (guidance version 3 on): the condition may read i and "
        "i_classes, and sees the lines about i and about the interventions it names.",
    )
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name_plural = "safety properties"
        constraints = [models.UniqueConstraint(fields=["version", "property_id"], name="guidance_property_id_unique")]

    def __str__(self):
        return self.property_id

    @property
    def spec(self):
        return PropertySpec(
            property_id=self.property_id,
            statement=self.statement,
            condition=self.condition,
            each_intervention=self.each_intervention,
        )

    def _rule_ids(self):
        return list(Rule.objects.filter(version_id=self.version_id).values_list("rule_id", flat=True))

    def clean(self):
        if self.version_id and self.condition:
            try:
                compile_property(self.spec, rule_ids=self._rule_ids(), edition=self.version.edition)
            except ConditionError as exc:
                raise ValidationError({"statement" if "one sentence" in str(exc) else "condition": str(exc)}) from None

    def save(self, *args, **kwargs):
        compile_property(self.spec, rule_ids=self._rule_ids(), edition=self.version.edition)
        super().save(*args, **kwargs)


class RegressionCase(models.Model):
    """A worked case the publish screen re-runs: a draft that changes its lines needs confirming."""

    guideline = models.ForeignKey(Guideline, on_delete=models.CASCADE, related_name="regression_cases")
    name = models.CharField(max_length=200)
    case = models.JSONField(help_text="Case facts, as evaluate_case takes them.")
    note = models.CharField(max_length=300, blank=True, help_text="Why this case is kept, e.g. a counterexample.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["guideline", "name"], name="guidance_regression_case_name_unique")
        ]

    def __str__(self):
        return self.name

    @property
    def facts(self):
        return validate_case(self.case)

    def clean(self):
        try:
            validate_case(self.case)
        except ValueError as exc:
            raise ValidationError({"case": str(exc)}) from None


# ---------------------------------------------------------------- the subtype check's classification record


class FrozenClassificationError(ValidationError):
    """A change to a published or retired classification record."""


class ClassificationVersionQuerySet(GuardedWritesQuerySet):
    """Bulk update/delete would skip save(): refused when they touch a published or retired record."""

    def _check_not_frozen(self):
        if self.filter(status__in=ClassificationVersion.FROZEN).exists():
            raise FrozenClassificationError(
                "A published or retired classification record cannot be changed or deleted; create a new draft."
            )


class ClassificationVersion(models.Model):
    """A numbered version of a classification record (WHO 2022): the data guidance.classification reads.

    `data` is exactly the record as guidance/data/classification-who-2022.json holds it (its bibliographic
    record inside); `fingerprint` is of that data (record_fingerprint). Drafted, submitted (its properties
    proven), approved and published by a second editor (guidance.classification_publishing); a published
    or retired version never changes: the model, its queryset and database triggers (migration 0016) refuse.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    FROZEN = (Status.PUBLISHED, Status.RETIRED)

    system = models.CharField(max_length=50, help_text='The classification, e.g. "WHO 2022".')
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    data = models.JSONField(help_text="The record: criteria, diagnosis, subtype order, properties, its source.")
    fingerprint = models.CharField(max_length=64, editable=False)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    change_note = models.TextField(blank=True, help_text="What changed and why.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_comment = models.TextField(blank=True, help_text="Why the draft went back to editing.")
    # The second editor, who approved the draft as submitted and published it in the same step.
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = ClassificationVersionQuerySet.as_manager()

    class Meta:
        ordering = ["system", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["system", "number"], name="classification_version_number_unique"),
            models.UniqueConstraint(
                fields=["system"], condition=models.Q(status="published"), name="classification_one_published"
            ),
            models.UniqueConstraint(
                fields=["system"],
                condition=models.Q(status__in=["draft", "in_review"]),
                name="classification_one_draft",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "in_review"]) | models.Q(published_at__isnull=False),
                name="classification_published_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.system} record v{self.number} ({self.get_status_display().lower()})"

    @property
    def is_frozen(self):
        return self.status in self.FROZEN

    def save(self, *args, **kwargs):
        from .classification.record import record_fingerprint

        with in_a_transaction(router.db_for_write(ClassificationVersion)):
            if self.pk:
                self._check_frozen_change(kwargs.get("update_fields"))
            # Always of the data saved (on a frozen row the data cannot change, so neither does it).
            self.fingerprint = record_fingerprint(self.data)
            if kwargs.get("update_fields") is not None and "data" in kwargs["update_fields"]:
                kwargs["update_fields"] = {*kwargs["update_fields"], "fingerprint"}
            super().save(*args, **kwargs)

    def _check_frozen_change(self, update_fields):
        """A frozen record may only go published -> retired; nothing else of it changes."""
        stored = ClassificationVersion.objects.select_for_update().filter(pk=self.pk).first()
        if stored is None or stored.status not in self.FROZEN:
            return
        names = update_fields or [f.attname for f in self._meta.concrete_fields]
        changed = {
            f.attname
            for f in self._meta.concrete_fields
            if f.attname in names or f.name in names
            if getattr(stored, f.attname) != getattr(self, f.attname)
        }
        allowed = {"status", "retired_at"} if (stored.status, self.status) == ("published", "retired") else set()
        if changed - allowed:
            raise FrozenClassificationError(
                f"{self.system} record v{self.number} is {stored.get_status_display().lower()} and cannot be "
                f"changed ({', '.join(sorted(changed - allowed))}); create a new draft instead."
            )

    def delete(self, *args, **kwargs):
        stored = ClassificationVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if self.is_frozen or stored in self.FROZEN:
            raise FrozenClassificationError(
                f"{self.system} record v{self.number} is {stored or self.status} and cannot be deleted."
            )
        return super().delete(*args, **kwargs)
