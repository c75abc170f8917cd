"""Reads of guidance: the default guideline, its current (published) version, its frozen versions, its draft,
versions by number, and the paragraphs lines cite. Nothing else reads settings.GUIDANCE_SLUG.

The current version changes only when a draft is published, yet every page
names it in the footer. Each process keeps the version it last read together
with a token, and reads it again only when the token in Django's cache has
changed. Publishing replaces the token (`guidance_current_invalidate`), so
every process, on this instance or another, reads the new version at its next
lookup. That needs a cache all processes share: the database cache by default
(mastoweb.settings, docs/deploy.md), where reading the token is one query on
its primary key instead of the query on the versions and their guideline.

The subtype check's classification record (WHO 2022) is published the same way and shares the token:
publishing a record replaces it too. Each evaluation looks the record up (`classification_published`);
within a request the token is read at most once (the first lookup, or guidance_current, reads it), so
an evaluation costs no query once the process holds the record, and a page that evaluates many cases
reads the token once. Outside a request (a worker, a command) each lookup reads the token.
"""

import copy
import uuid

from asgiref.local import Local
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db.models import Prefetch

from core import caches

from .models import ClassificationVersion, GuidanceVersion, Guideline, Paragraph, RegressionCase, Rule

CURRENT_KEY = "guidance:current"  # holds the token, not the version

# slug -> (token, version) as this process last read them; tests stand in for another process through it.
# It keeps which row is current, checked against the token at every lookup; what is built from the row's
# content is kept by its content (GuidanceVersion.content_key).
process_held = caches.lru("guidance.current", size=16)


def _slug(slug):
    return slug or settings.GUIDANCE_SLUG


def guideline_default():
    """The guideline this site serves (settings.GUIDANCE_SLUG), or None before it is loaded."""
    return Guideline.objects.filter(slug=_slug(None)).first()


def guidance_versions(*, slug=None):
    """Every version of the guideline, drafts too (newest first, the model's order)."""
    return GuidanceVersion.objects.filter(guideline__slug=_slug(slug))


def guidance_versions_frozen(*, slug=None):
    """The published version and those it replaced: every version a case can have been assessed under."""
    return guidance_versions(slug=slug).exclude(status=GuidanceVersion.Status.DRAFT)


def guidance_draft(*, slug=None):
    """The guideline's draft (there is at most one), or None."""
    return guidance_versions(slug=slug).filter(status=GuidanceVersion.Status.DRAFT).first()


# What the frozen versions hold (their numbers, their rules' wording) changes only when a version is published,
# which replaces the token: the filter bars and the dashboard read it once per token and process, not per request.
_frozen_held = caches.lru("guidance.frozen_versions", size=16)


def _read_per_token(name, slug, read):
    token = _token_read()
    key = (name, _slug(slug))
    held = _frozen_held.get(key)
    if held is None or held[0] != token:
        # Read after the token, as guidance_current does.
        held = (token, read())
        _frozen_held[key] = held
    return held[1]


def version_numbers_frozen(*, slug=None):
    """The numbers of the published version and those it replaced, newest first."""
    numbers = _read_per_token(
        "numbers",
        slug,
        lambda: tuple(guidance_versions_frozen(slug=slug).order_by("-number").values_list("number", flat=True)),
    )
    return list(numbers)


def rules_newest_wording(*, slug=None):
    """rule id -> (kind, summary) as the newest frozen version that has the rule words it (one query per token)."""

    def read():
        wording = {}
        for rule_id, kind, summary in (
            Rule.objects.filter(version__guideline__slug=_slug(slug))
            .exclude(version__status=GuidanceVersion.Status.DRAFT)
            .order_by("-version__number", "rule_id")
            .values_list("rule_id", "kind", "summary")
        ):
            wording.setdefault(rule_id, (kind, summary))
        return wording

    return dict(_read_per_token("wording", slug, read))


def rules_newest_version(*, slug=None):
    """rule id -> the number of the newest frozen version that has the rule (one query per token)."""

    def read():
        newest = {}
        for rule_id, number in (
            Rule.objects.filter(version__guideline__slug=_slug(slug))
            .exclude(version__status=GuidanceVersion.Status.DRAFT)
            .order_by("-version__number", "rule_id")
            .values_list("rule_id", "version__number")
        ):
            newest.setdefault(rule_id, number)
        return newest

    return dict(_read_per_token("newest", slug, read))


def guidance_current_uncached(*, slug=None):
    """The published version as the database has it now, or None: for /healthz, which must ask the database."""
    return (
        GuidanceVersion.objects.select_related("guideline")
        .filter(guideline__slug=_slug(slug), status=GuidanceVersion.Status.PUBLISHED)
        .first()
    )


def guidance_current(*, slug=None):
    """The published version of the guideline, or None.

    A copy each time: callers may change what they get without changing
    what the next caller gets.
    """
    slug = _slug(slug)
    token = _token_read()
    held = process_held.get(slug)
    if held is None or held[0] != token:
        # Read after the token: a publish committed after this read replaces the token again,
        # so a version read too early is never kept under the token that follows it.
        held = (token, guidance_current_uncached(slug=slug))
        process_held[slug] = held
    return copy.copy(held[1])


# The token as read in the request being served (None outside a request, or before the first read).
_request = Local()


def _request_begins(**kwargs):
    _request.in_request, _request.token = True, None


def _request_ends(**kwargs):
    _request.in_request, _request.token = False, None


request_started.connect(_request_begins, dispatch_uid="guidance_token_request_begins")
request_finished.connect(_request_ends, dispatch_uid="guidance_token_request_ends")


def _token_read():
    """The current token: read from the cache once per request (every time outside one)."""
    token = getattr(_request, "token", None)
    if token is None:
        token = cache.get(CURRENT_KEY)
        if token is None:  # never set, or evicted: no process may trust what it read under an older one
            token = guidance_current_invalidate()
        if getattr(_request, "in_request", False):
            _request.token = token
    return token


# system -> (token, (number, fingerprint, data) of its published record, or None) as this process last read them.
classification_held = caches.lru("guidance.classification_published", size=16)


def classification_published(system):
    """(number, fingerprint, data) of the system's published classification record, or None when none is.

    Read from the database once per token and process: the caller keeps what it builds from the data
    by fingerprint (guidance.classification), so a token replaced by a guidance publish costs one query.
    """
    token = _token_read()
    held = classification_held.get(system)
    if held is None or held[0] != token:
        # Read after the token, as guidance_current does.
        row = (
            ClassificationVersion.objects.filter(system=system, status=ClassificationVersion.Status.PUBLISHED)
            .values_list("number", "fingerprint", "data")
            .first()
        )
        held = (token, row)
        classification_held[system] = held
    return held[1]


def classification_versions(*, system):
    """Every version of a classification record, newest first (drafts too)."""
    return ClassificationVersion.objects.filter(system=system).select_related(
        "created_by", "edited_by", "submitted_by", "published_by"
    )


def classification_version_by_number(*, system, number):
    return classification_versions(system=system).filter(number=number).first()


def classification_draft(*, system):
    """The system's draft, in editing or in review (there is at most one), or None."""
    return (
        classification_versions(system=system)
        .filter(status__in=(ClassificationVersion.Status.DRAFT, ClassificationVersion.Status.IN_REVIEW))
        .first()
    )


def classification_published_version(*, system):
    return classification_versions(system=system).filter(status=ClassificationVersion.Status.PUBLISHED).first()


def guidance_current_invalidate():
    """Make every process read the current version afresh at its next lookup; returns the new token.

    A random token rather than a counter: a token never comes back, even if
    the cache loses it, so nothing read under an old one is trusted again.
    """
    token = uuid.uuid4().hex
    cache.set(CURRENT_KEY, token, timeout=None)
    _request.token = None  # this request reads the new token at its next lookup
    return token


def guidance_after_migrate(sender, using, **kwargs):
    """post_migrate: the cache table exists, and a version a migration published is read afresh.

    The flush between transactional tests sends post_migrate too.
    """
    call_command("createcachetable", database=using, verbosity=0)
    guidance_current_invalidate()


# The version page names who wrote, approved and published it.
VERSION_PEOPLE = ("published_by", "based_on", "submitted_by", "last_changed_by", "approved_by")


def guidance_version_by_number(*, number, slug=None, frozen_only=False):
    """A version of the guideline by its number (drafts too unless frozen_only), with its people, or None."""
    versions = guidance_versions_frozen(slug=slug) if frozen_only else guidance_versions(slug=slug)
    return versions.select_related("guideline", *VERSION_PEOPLE).filter(number=number).first()


def guidance_current_with_people(*, slug=None):
    """The published version with its people, read from the database in one query (its own page), or None."""
    published = guidance_versions(slug=slug).filter(status=GuidanceVersion.Status.PUBLISHED)
    return published.select_related("guideline", *VERSION_PEOPLE).first()


def guidance_version_by_pk(pk):
    """A version of any guideline by primary key, with its guideline and origin, or None (the editor's workbench)."""
    return GuidanceVersion.objects.select_related("guideline", "based_on").filter(pk=pk).first()


def guidance_version_neighbours(*, version):
    """(the frozen version `version` was drafted from or None, the frozen versions drafted from it by number)."""
    frozen = guidance_versions_frozen(slug=version.guideline.slug)
    before = frozen.filter(pk=version.based_on_id).first() if version.based_on_id else None
    return before, list(frozen.filter(based_on=version).order_by("number"))


def paragraph_slugs_published(*, guideline_id):
    """Slugs of the guideline's paragraphs in any frozen version: links and past assessments cite them."""
    return set(
        Paragraph.objects.filter(version__guideline_id=guideline_id)
        .exclude(version__status=GuidanceVersion.Status.DRAFT)
        .values_list("slug", flat=True)
    )


def paragraph_in_version(*, version, pk):
    """One of the version's paragraphs, with its section, version and rules, or None."""
    return (
        Paragraph.objects.select_related("section", "version").prefetch_related("rules").filter(pk=pk, version=version)
    ).first()


def paragraphs_in_order(*, version):
    """(pk, slug) of the version's paragraphs in reading order: the workbench's previous and next."""
    return list(version.paragraphs.order_by("section__order", "order", "pk").values_list("pk", "slug"))


def rule_in_version(*, version, pk):
    """One of the version's rules, with its paragraph, or None."""
    return Rule.objects.select_related("paragraph").filter(pk=pk, version=version).first()


def regression_case_count(*, guideline_id):
    """How many regression cases every publish of the guideline re-runs."""
    return RegressionCase.objects.filter(guideline_id=guideline_id).count()


# Section titles of a published or retired version never change (the model refuses it): read once per process.
_section_titles = caches.lru("guidance.section_titles", size=64)


def section_titles(*, version):
    """slug -> title of the version's sections; a frozen version's are read once per process."""
    key = version.content_key
    titles = _section_titles.get(key)
    if titles is None:
        titles = dict(version.sections.values_list("slug", "title"))
        if version.is_frozen:
            _section_titles[key] = titles
    return titles


def paragraph_texts(*, version):
    """slug -> text of the version's paragraphs (none for no version): the source words lines are compared by."""
    if version is None:
        return {}
    return dict(Paragraph.objects.filter(version=version).values_list("slug", "text"))


# A frozen version's paragraphs never change (VersionContent refuses it): all of them read once per process.
_paragraphs = caches.lru("guidance.paragraphs", size=16)


def paragraphs_by_slug(*, version, slugs=None):
    """The version's paragraphs (those of `slugs` only, if given) by slug, with their section: one query, and
    none for a frozen version read before in this process (the CDS Hooks call and the preview read them on
    every request). The paragraphs are shared: read them, never change them."""
    if not version.is_frozen:
        return _paragraphs_read(version, slugs)
    held = _paragraphs.get(version.content_key)
    if held is None:
        held = _paragraphs_read(version, None)
        _paragraphs[version.content_key] = held
    return dict(held) if slugs is None else {slug: held[slug] for slug in slugs if slug in held}


def _paragraphs_read(version, slugs):
    paragraphs = Paragraph.objects.filter(version=version)
    if slugs is not None:
        paragraphs = paragraphs.filter(slug__in=slugs)
    return {p.slug: p for p in paragraphs.select_related("section").only("slug", "title", "text", "section__slug")}


def version_sections(version):
    """The version's sections in order, each with its paragraphs and their rules prefetched (three queries)."""
    return version.sections.prefetch_related(
        Prefetch(
            "paragraphs",
            queryset=Paragraph.objects.order_by("order", "pk").prefetch_related(
                Prefetch("rules", queryset=Rule.objects.order_by("order", "pk"))
            ),
        )
    ).order_by("order", "pk")


def workbench_outline(version):
    """The version's sections and paragraphs, each with its rules (prefetched), and the counts."""
    sections = list(version_sections(version))
    paragraphs = [p for s in sections for p in s.paragraphs.all()]
    return {
        "sections": sections,
        "counts": {
            "sections": len(sections),
            "paragraphs": len(paragraphs),
            "rules": sum(len(p.rules.all()) for p in paragraphs),
            "properties": version.safety_properties.count(),
            "uncited": sum(1 for p in paragraphs if not p.rules.all()),
        },
        "properties": list(version.safety_properties.all()),
    }
