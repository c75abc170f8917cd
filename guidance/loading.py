"""Load guidance version 1 from the project's data files.

`data/source-sm-management.md` is the source guidance kept word for word, with
its stable slugs; `data/rules-v1.json` holds the rules read from it
(../shared/spec/evaluation-contract.md). The initial data migration calls
`load_version_one` with the historical models.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from audit.chain import chained_insert

from .engine import RuleSpec, compile_guidance, compile_rule, offers_as_pairs
from .properties import PropertySpec, compile_property, prove
from .quotes import quote_in_text

DATA_DIR = Path(__file__).resolve().parent / "data"
SOURCE_FILE = DATA_DIR / "source-sm-management.md"
RULES_FILE = DATA_DIR / "rules-v1.json"
VERSION_TWO_FILE = DATA_DIR / "version-2.json"

GUIDELINE_SLUG = "sm-management"
ATTRIBUTION = (
    "Source guidance on the management of systemic mastocytosis as supplied to the "
    "Mastoweb project (spec/source-sm-management.md); reproduced with its wording unchanged."
)

_HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*(?:\{#([a-z0-9-]+)\})?\s*$")
_LABELLED = re.compile(r"^(.*?)\s*\{#([a-z0-9-]+)\}:\s*$")


@dataclass
class SourceBlock:
    """A slugged heading and the lines under it."""

    slug: str
    title: str
    lines: list = field(default_factory=list)

    @property
    def text(self):
        return "\n".join(self.lines).strip()


@dataclass
class SourceParagraph(SourceBlock):
    pass


@dataclass
class SourceSection(SourceBlock):
    paragraphs: list = field(default_factory=list)


@dataclass
class SourceDocument:
    title: str
    sections: list


def parse_source(text):
    """Split the source Markdown into sections and slugged paragraphs."""
    head, separator, body = text.partition("\n---\n")
    if not separator:
        raise ValueError("source guidance: the '---' line that starts the guidance text is missing")
    title_match = re.search(r"^#\s+(?:Source guidance:\s*)?(.+)$", head, re.MULTILINE)
    title = title_match.group(1).strip() if title_match else "Guidance"
    title = title[:1].upper() + title[1:]
    sections = []
    target = None
    for line in body.splitlines():
        heading = _HEADING.match(line)
        labelled = _LABELLED.match(line)
        if heading and heading.group(1) in ("##", "###"):
            level, name, slug = heading.groups()
            if not slug:
                raise ValueError(f"source guidance: heading {name!r} has no {{#slug}}")
            if level == "##":
                sections.append(SourceSection(slug=slug, title=name))
                target = sections[-1]
            else:
                _section(sections, name).paragraphs.append(SourceParagraph(slug=slug, title=name))
                target = sections[-1].paragraphs[-1]
        elif labelled:
            _section(sections, labelled.group(1)).paragraphs.append(SourceParagraph(slug=labelled.group(2), title=""))
            target = sections[-1].paragraphs[-1]
        elif target is not None:
            target.lines.append(line)
    return SourceDocument(title=title, sections=sections)


def _section(sections, name):
    if not sections:
        raise ValueError(f"source guidance: {name!r} comes before any section heading")
    return sections[-1]


def read_rules(path=RULES_FILE):
    return rules_from_data(json.loads(Path(path).read_text()))


def rules_from_data(data):
    return [
        RuleSpec(
            rule_id=item["rule"],
            paragraph=item["paragraph"],
            kind=item["kind"],
            summary=item["summary"],
            condition=item["condition"],
            mentions=tuple(item.get("mentions", ())),
            quote=item.get("quote", ""),
            confirm=tuple(item.get("confirm", ())),
            offers=offers_as_pairs(item.get("offers", ())),
            about=tuple(item.get("about", ())),
            effect=item.get("effect", ""),
        )
        for item in data["rules"]
    ]


def properties_from_data(data):
    return [
        PropertySpec(
            property_id=item["property"],
            statement=item["statement"],
            condition=item["condition"],
            each_intervention=item.get("each_intervention", False),
        )
        for item in data.get("properties", ())
    ]


def read_version_two(path=VERSION_TWO_FILE):
    """Version 2's rules, properties and change note (../shared/spec/evaluation-contract.md)."""
    return read_version(path)


def load_version_one(*, Guideline, GuidanceVersion, Section, Paragraph, Rule):  # noqa: N803 - model classes
    """Create the guideline and its published version 1 (text + rules)."""
    document = parse_source(SOURCE_FILE.read_text())
    specs = read_rules()
    slugs = {p.slug for s in document.sections for p in s.paragraphs}
    for spec in specs:
        if spec.paragraph not in slugs:
            raise ValueError(f"rule {spec.rule_id}: paragraph {spec.paragraph!r} is not in the source")
        compile_rule(spec, edition=2)  # historical models skip Rule.save(): check here

    guideline = Guideline.objects.create(slug=GUIDELINE_SLUG, title=document.title, source=ATTRIBUTION)
    version = GuidanceVersion.objects.create(
        guideline=guideline,
        number=1,
        status="published",
        title=document.title,
        change_note="Version 1: the source guidance as supplied, with the rules read from it.",
        published_at=timezone.now(),
    )
    paragraphs = {}
    for s_order, source_section in enumerate(document.sections):
        section = Section.objects.create(
            version=version,
            slug=source_section.slug,
            title=source_section.title,
            text=source_section.text,
            order=s_order,
        )
        for p_order, source_paragraph in enumerate(source_section.paragraphs):
            paragraphs[source_paragraph.slug] = Paragraph.objects.create(
                version=version,
                section=section,
                slug=source_paragraph.slug,
                title=source_paragraph.title,
                text=source_paragraph.text,
                order=p_order,
            )
    Rule.objects.bulk_create(_rules(Rule, version=version, paragraphs=paragraphs, specs=specs))
    return version


def _rules(Rule, *, version, paragraphs, specs):  # noqa: N803 - a model class (historical in migrations)
    """Unsaved rows of the specs' rules. Version 1's rules quote nothing, and its model has no such fields."""
    return [
        Rule(
            version=version,
            rule_id=spec.rule_id,
            paragraph=paragraphs[spec.paragraph],
            kind=spec.kind,
            summary=spec.summary,
            condition=spec.condition,
            mentions=",".join(spec.mentions),
            order=order,
            **({"quote": spec.quote, "confirm": list(spec.confirm)} if spec.quote else {}),
            **(
                {
                    "offers": [{"intervention": item, "intent": intent} for item, intent in spec.offers],
                    "about": list(spec.about),
                    "effect": spec.effect,
                }
                if spec.offers or spec.about or spec.effect
                else {}
            ),
        )
        for order, spec in enumerate(specs)
    ]


# ---------------------------------------------------------------- version 2

SYSTEM_ACTOR = "system (data migration guidance.0007)"
VERSION_THREE_ACTOR = "system (data migration guidance.0013)"
VERSION_THREE_FILE = DATA_DIR / "version-3.json"
OVERVIEW = "overview"


class VersionTwoRefusedError(RuntimeError):
    """Version 2 did not pass the checks every publish must pass; nothing was written."""


VersionRefusedError = VersionTwoRefusedError


def read_version(path):
    """A version's rules, properties and change note from its data file."""
    data = json.loads(Path(path).read_text())
    return rules_from_data(data), properties_from_data(data), data["change_note"]


def publish_version_two(*, models, now=None):
    """Draft version 2 from the published version 1, change its rules, add its properties, publish.

    The editor's steps, done with the models given (historical ones in the data
    migration): the draft copies version 1's text; the overview sentence becomes
    the overview section's lead paragraph, wording unchanged, so a rule can cite
    it; the rules and safety properties come from data/version-2.json. As any
    publish, it is refused unless every rule compiles and quotes its paragraph
    and every property is proven. Version 1 retires; history and audit record
    each step, by the system.
    """
    return _publish_from_data(
        models=models,
        number=2,
        path=VERSION_TWO_FILE,
        actor=SYSTEM_ACTOR,
        edition=2,
        overview_as_paragraph=True,
        now=now,
    )


def publish_version_three(*, models, now=None):
    """Draft version 3 from the published version 2, with the rules and properties of data/version-3.json.

    The same steps as version 2's (see publish_version_two), text unchanged: every rule says what it
    offers, each quote is checked, the twelve properties over interventions are proven before it is
    published, and version 2 retires. Like version 2 it is published by the system (a data migration),
    not through two editors' review: the audit trail says so.
    """
    return _publish_from_data(
        models=models, number=3, path=VERSION_THREE_FILE, actor=VERSION_THREE_ACTOR, edition=3, now=now
    )


def _publish_from_data(*, models, number, path, actor, edition, overview_as_paragraph=False, now=None):
    now = now or timezone.now()
    GuidanceVersion, Section, Paragraph, Rule, SafetyProperty = (  # noqa: N806 - model classes
        models[name] for name in ("GuidanceVersion", "Section", "Paragraph", "Rule", "SafetyProperty")
    )
    current = GuidanceVersion.objects.select_related("guideline").get(
        guideline__slug=GUIDELINE_SLUG, status="published"
    )
    if GuidanceVersion.objects.filter(guideline=current.guideline, number__gte=number).exists():
        raise VersionRefusedError(f"guidance: a version {number} exists already; this migration publishes it only once")
    specs, property_specs, change_note = read_version(path)
    # The supplied text names itself and nothing more: its title is its provenance record.
    if not current.source_title:
        current.source_title = source_title()
        current.save()
    draft = GuidanceVersion.objects.create(
        guideline=current.guideline,
        number=current.number + 1,
        status="draft",
        title=current.title,
        based_on=current,
        created_at=now,
        # Before migration guidance.0012 versions have no edition: version 2 is edition 2 all the same.
        **({"edition": edition} if _has_field(GuidanceVersion, "edition") else {}),
        **{name: getattr(current, name) for name in _provenance_fields(GuidanceVersion)},
    )
    reason = f"guidance v{number} (system)"
    _record_history(models, draft, "+", when=now, reason=reason)
    created = []
    paragraphs = {}
    for section in Section.objects.filter(version=current).order_by("order", "pk"):
        copy = Section.objects.create(
            version=draft, slug=section.slug, title=section.title, text=section.text, order=section.order
        )
        created.append(copy)
        shift = 1 if overview_as_paragraph else 0
        for paragraph in Paragraph.objects.filter(section=section).order_by("order", "pk"):
            paragraphs[paragraph.slug] = Paragraph.objects.create(
                version=draft,
                section=copy,
                slug=paragraph.slug,
                title=paragraph.title,
                text=paragraph.text,
                order=paragraph.order + shift,
            )
            created.append(paragraphs[paragraph.slug])
        if overview_as_paragraph and copy.slug == OVERVIEW and copy.text:
            paragraphs[OVERVIEW] = Paragraph.objects.create(
                version=draft, section=copy, slug=OVERVIEW, title="", text=copy.text, order=0
            )
            created.append(paragraphs[OVERVIEW])
            copy.text = ""
            copy.save()

    problems = []
    for spec in specs:
        paragraph = paragraphs.get(spec.paragraph)
        if paragraph is None:
            problems.append(f"rule {spec.rule_id}: no paragraph {spec.paragraph!r}")
        elif not quote_in_text(spec.quote, paragraph.text):
            problems.append(f"rule {spec.rule_id}: its quote is not in paragraph {spec.paragraph!r}")
    compiled = compile_guidance(
        slug=GUIDELINE_SLUG, version=draft.number, title=draft.title, rules=specs, edition=edition
    )
    rule_ids = [spec.rule_id for spec in specs]
    outcomes = {}
    for spec in property_specs:
        proof = prove(compile_property(spec, rule_ids=rule_ids, edition=edition), compiled, outcomes)
        if not proof.holds:
            problems.append(f"property {proof.property_id} fails for {proof.counterexample} (fired: {proof.fired})")
    if problems:
        raise VersionRefusedError(f"guidance v{number} cannot be published: " + "; ".join(problems))

    created += Rule.objects.bulk_create(_rules(Rule, version=draft, paragraphs=paragraphs, specs=specs))
    created += SafetyProperty.objects.bulk_create(
        SafetyProperty(
            version=draft,
            property_id=spec.property_id,
            statement=spec.statement,
            condition=spec.condition,
            order=order,
            **({"each_intervention": spec.each_intervention} if edition >= 3 else {}),
        )
        for order, spec in enumerate(property_specs)
    )

    current.status, current.retired_at = "retired", now
    current.save()
    draft.status, draft.published_at, draft.change_note = "published", now, change_note
    draft.save()

    for obj in created:
        _record_history(models, obj, "+", when=now, reason=reason)
    _record_history(models, current, "~", when=now, reason=reason)
    _record_history(models, draft, "~", when=now, reason=reason)
    AuditEvent = models["AuditEvent"]  # noqa: N806
    for action, details in (
        ("guidance_draft_created", {"number": draft.number, "based_on": current.number}),
        ("guidance_published", {"number": draft.number, "replaced": current.number}),
    ):
        event = AuditEvent(
            created_at=now,
            actor=None,
            actor_username=actor,
            action=action,
            object_type="guidance.guidanceversion",
            object_id=str(draft.pk),
            details=details,
        )
        # Once the trail is a hash chain (audit/0009), a migration's event is a link of it too.
        if any(field.name == "hash" for field in AuditEvent._meta.fields):
            chained_insert(event)
        else:
            event.save(force_insert=True)
    return draft


def source_title():
    """The title the supplied source gives itself, on its first line."""
    first = SOURCE_FILE.read_text().splitlines()[0]
    return first.lstrip("#").strip()


def _has_field(model, name):
    return any(f.name == name for f in model._meta.fields)


def _provenance_fields(GuidanceVersion):  # noqa: N803
    return [f.name for f in GuidanceVersion._meta.fields if f.name.startswith("source_")]


def _record_history(models, obj, history_type, *, when, reason):
    """A django-simple-history record of obj, written with the (historical) history model."""
    history = models.get(f"Historical{obj.__class__.__name__}")
    if history is None:
        return
    values = {
        field.attname: getattr(obj, field.attname)
        for field in history._meta.fields
        if not field.name.startswith("history_") and hasattr(obj, field.attname)
    }
    history.objects.create(
        **values, history_date=when, history_type=history_type, history_change_reason=reason, history_user=None
    )
