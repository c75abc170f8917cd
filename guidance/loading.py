"""The guidance the project ships, loaded from its data files by `manage.py load_guidance`.

`data/source-sm-management.md` is the source guidance kept word for word, with
its stable slugs; `data/rules-v1.json`, `data/version-2.json` and
`data/version-3.json` hold the rules and safety properties of versions 1 to 3
(../shared/spec/evaluation-contract.md); `data/regression-cases.json` the cases
every publish re-runs. `guidance_load` publishes, as the system, the versions a
database lacks, in order, and first checks that the versions it has are those
of their files. The content is data: no migration loads it or imports this
module (tests/ops/test_migrations_hold_no_app_code.py).
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from audit.models import AuditEvent

from .audit_names import GuidanceAction
from .engine import ConditionError, RuleSpec, compile_guidance, compile_rule, offers_as_pairs
from .models import (
    GuidanceVersion,
    Guideline,
    Paragraph,
    RegressionCase,
    Rule,
    SafetyProperty,
    Section,
)
from .properties import PropertySpec, compile_property, prove
from .quotes import quote_in_text
from .selectors import guidance_current_invalidate

DATA_DIR = Path(__file__).resolve().parent / "data"
SOURCE_FILE = DATA_DIR / "source-sm-management.md"
RULES_FILE = DATA_DIR / "rules-v1.json"
VERSION_TWO_FILE = DATA_DIR / "version-2.json"
VERSION_THREE_FILE = DATA_DIR / "version-3.json"
REGRESSION_CASES_FILE = DATA_DIR / "regression-cases.json"

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


def read_version(path):
    """A version's rules, properties and change note from its data file."""
    data = json.loads(Path(path).read_text())
    return rules_from_data(data), properties_from_data(data), data["change_note"]


def source_title():
    """The title the supplied source gives itself, on its first line."""
    first = SOURCE_FILE.read_text().splitlines()[0]
    return first.lstrip("#").strip()


# ---------------------------------------------------------------- the shipped versions

# Who the audit trail names for a version the loader publishes (no person: nobody reviewed it).
SYSTEM_ACTOR = "system (manage.py load_guidance)"
OVERVIEW = "overview"
VERSION_ONE_NOTE = "Version 1: the source guidance as supplied, with the rules read from it."


@dataclass(frozen=True)
class Shipped:
    """A version the project ships: its number, its data file and the contract edition its rules are written to."""

    number: int
    path: Path
    edition: int

    def read(self):
        """Its rules, safety properties and change note."""
        if self.number == 1:
            return read_rules(self.path), [], VERSION_ONE_NOTE
        return read_version(self.path)


SHIPPED = (
    Shipped(1, RULES_FILE, edition=2),
    Shipped(2, VERSION_TWO_FILE, edition=2),
    Shipped(3, VERSION_THREE_FILE, edition=3),
)


# Sent when a load published versions, with `version` the one now current; the cases app then compares the
# cases waiting (cases.signals). The load's own status changes send no post_save, as the data migrations'
# historical models never did: one comparison for the load, none when no case waits.
guidance_loaded = Signal()


class GuidanceLoadError(RuntimeError):
    """The shipped guidance cannot be loaded as it stands; nothing was written."""


@transaction.atomic
def guidance_load(*, now=None):
    """Publish the shipped versions this database lacks, in order, as the system; [(number, published now)].

    The versions it has must be those of their files, text, rules and properties, or nothing is
    written (GuidanceLoadError names what differs): a second run changes nothing. Version 1 comes
    with the guideline and the regression cases of data/regression-cases.json; each later one is
    a draft based on the version before, with the source's text (the text that version was just
    found to hold) and its file's rules and properties, checked as every publish is (each rule
    compiles and quotes its paragraph, each safety property is proven) and published, retiring
    that one. Field history and the audit trail record each step, by the system; guidance_loaded
    then has the cases that wait compared with the version now current (cases.signals).
    """
    now = now or timezone.now()
    stored = {version.number: version for version in GuidanceVersion.objects.filter(guideline__slug=GUIDELINE_SLUG)}
    differences = [
        difference
        for shipped in SHIPPED
        if shipped.number in stored
        for difference in version_differences(stored[shipped.number], shipped)
    ]
    if differences:
        raise GuidanceLoadError(
            "guidance: the database's versions differ from the files they were loaded from; nothing was "
            "loaded: " + "; ".join(differences)
        )
    done = []
    for shipped in SHIPPED:
        if shipped.number in stored:
            done.append((shipped.number, False))
            continue
        if shipped.number == 1:
            _load_version_one(shipped, now=now)
            _load_regression_cases()
        else:
            _publish_from_data(shipped, now=now)
        done.append((shipped.number, True))
    if any(published for _, published in done):
        guidance_current_invalidate()
        transaction.on_commit(guidance_current_invalidate)
        current = GuidanceVersion.objects.get(guideline__slug=GUIDELINE_SLUG, status=GuidanceVersion.Status.PUBLISHED)
        guidance_loaded.send(sender=GuidanceVersion, version=current)
    return done


def _status_set(version, **fields):
    """A status change as a queryset update, which sends no post_save (see guidance_loaded)."""
    GuidanceVersion.objects.filter(pk=version.pk).update(**fields)
    for name, value in fields.items():
        setattr(version, name, value)


def shipped_text(number):
    """(sections, paragraphs) of shipped version `number` as rows, from the source file.

    Version 1 is the source as supplied. From version 2 on, the overview section's text is that
    section's lead paragraph (slug "overview", wording unchanged), so a rule can cite it; every
    paragraph moves one place down to make room for it.
    """
    lead = 1 if number >= 2 else 0
    sections, paragraphs = [], []
    for s_order, source_section in enumerate(parse_source(SOURCE_FILE.read_text()).sections):
        text = source_section.text
        paragraphs += [
            {"section": source_section.slug, "slug": p.slug, "title": p.title, "text": p.text, "order": p_order + lead}
            for p_order, p in enumerate(source_section.paragraphs)
        ]
        if lead and source_section.slug == OVERVIEW and text:
            paragraphs.append({"section": OVERVIEW, "slug": OVERVIEW, "title": "", "text": text, "order": 0})
            text = ""
        sections.append({"slug": source_section.slug, "title": source_section.title, "text": text, "order": s_order})
    return sections, paragraphs


def _rules(*, version, paragraphs, specs):
    """Unsaved rows of the specs' rules, each citing its paragraph (by slug in `paragraphs`)."""
    return [
        Rule(
            version=version,
            rule_id=spec.rule_id,
            paragraph=paragraphs[spec.paragraph],
            kind=spec.kind,
            summary=spec.summary,
            condition=spec.condition,
            mentions=",".join(spec.mentions),
            quote=spec.quote,
            confirm=list(spec.confirm),
            offers=[{"intervention": item, "intent": intent} for item, intent in spec.offers],
            about=list(spec.about),
            effect=spec.effect,
            order=order,
        )
        for order, spec in enumerate(specs)
    ]


def _properties(*, version, specs, edition):
    return [
        SafetyProperty(
            version=version,
            property_id=spec.property_id,
            statement=spec.statement,
            condition=spec.condition,
            each_intervention=spec.each_intervention if edition >= 3 else False,
            order=order,
        )
        for order, spec in enumerate(specs)
    ]


# What of a version and its parts the check compares with the files.
_VERSION_FIELDS = ("title", "edition", "change_note", "source_title")
_RULE_FIELDS = ("rule_id", "kind", "summary", "condition", "mentions", "quote", "confirm", "offers", "about", "effect")
_PROPERTY_FIELDS = ("property_id", "statement", "condition", "each_intervention")


def _content(*, version, sections, paragraphs, rules, properties):
    return {
        **{name: getattr(version, name) for name in _VERSION_FIELDS},
        "sections": {row["slug"]: (row["title"], row["text"], row["order"]) for row in sections},
        "paragraphs": {row["slug"]: (row["section"], row["title"], row["text"], row["order"]) for row in paragraphs},
        "rules": {
            rule.rule_id: (*(getattr(rule, name) for name in _RULE_FIELDS), rule.paragraph.slug, rule.order)
            for rule in rules
        },
        "properties": {
            prop.property_id: (*(getattr(prop, name) for name in _PROPERTY_FIELDS), prop.order) for prop in properties
        },
    }


def shipped_content(shipped):
    """What shipped version `shipped` holds, from its files alone."""
    specs, property_specs, change_note = shipped.read()
    sections, paragraphs = shipped_text(shipped.number)
    version = GuidanceVersion(
        title=_document_title(), edition=shipped.edition, change_note=change_note, source_title=source_title()
    )
    cited = {row["slug"]: Paragraph(slug=row["slug"]) for row in paragraphs}
    return _content(
        version=version,
        sections=sections,
        paragraphs=paragraphs,
        rules=_rules(version=version, paragraphs=cited, specs=specs),
        properties=_properties(version=version, specs=property_specs, edition=shipped.edition),
    )


def stored_content(version):
    """What a stored version holds, in the shape of shipped_content."""
    return _content(
        version=version,
        sections=Section.objects.filter(version=version).values("slug", "title", "text", "order"),
        paragraphs=[
            {**row, "section": row.pop("section__slug")}
            for row in Paragraph.objects.filter(version=version).values(
                "section__slug", "slug", "title", "text", "order"
            )
        ],
        rules=Rule.objects.filter(version=version).select_related("paragraph").order_by("order", "pk"),
        properties=SafetyProperty.objects.filter(version=version).order_by("order", "pk"),
    )


def version_differences(version, shipped):
    """What stored `version` holds other than its file says, in words ([] when they agree)."""
    expected, stored = shipped_content(shipped), stored_content(version)
    where = f"v{shipped.number} ({shipped.path.name}, {SOURCE_FILE.name})"
    differences = []
    for part, wanted in expected.items():
        if stored[part] == wanted:
            continue
        if isinstance(wanted, dict):
            ids = sorted(i for i in set(wanted) | set(stored[part]) if wanted.get(i) != stored[part].get(i))
            differences.append(f"{where}: {part} {', '.join(ids)}")
        else:
            differences.append(f"{where}: {part}")
    return differences


def _document_title():
    return parse_source(SOURCE_FILE.read_text()).title


def _load_version_one(shipped, *, now):
    """The guideline and its version 1: the source's text and the rules read from it, published."""
    specs, _, change_note = shipped.read()
    sections, paragraphs = shipped_text(1)
    slugs = {row["slug"] for row in paragraphs}
    problems = [
        f"rule {spec.rule_id}: paragraph {spec.paragraph!r} is not in the source"
        for spec in specs
        if spec.paragraph not in slugs
    ]
    problems += _rule_problems(specs, edition=shipped.edition)  # bulk_create skips Rule.save(): check here
    if problems:
        raise GuidanceLoadError("guidance v1 cannot be published: " + "; ".join(problems))
    title = _document_title()
    guideline, _ = Guideline.objects.get_or_create(
        slug=GUIDELINE_SLUG, defaults={"title": title, "source": ATTRIBUTION}
    )
    # Version 1 keeps no field history: it is the text as supplied, before anybody's change.
    version = GuidanceVersion(
        guideline=guideline,
        number=1,
        status=GuidanceVersion.Status.DRAFT,
        title=title,
        edition=shipped.edition,
        change_note=change_note,
        source_title=source_title(),
    )
    version.save_without_historical_record(force_insert=True)
    _text_create(version, sections, paragraphs)
    cited = {paragraph.slug: paragraph for paragraph in Paragraph.objects.filter(version=version)}
    Rule.objects.bulk_create(_rules(version=version, paragraphs=cited, specs=specs))
    _status_set(version, status=GuidanceVersion.Status.PUBLISHED, published_at=now)
    return version


def _text_create(version, sections, paragraphs):
    """The version's sections and paragraphs (rows of shipped_text), each section followed by its paragraphs;
    the objects made, in that order. The loader writes their field history itself (_record_history)."""
    created, by_slug = [], {}
    for section_row in sections:
        section = Section(version=version, **section_row)
        section.save_without_historical_record(force_insert=True)
        created.append(section)
        by_slug[section.slug] = section
        for row in paragraphs:
            if row["section"] == section.slug:
                paragraph = Paragraph(
                    version=version, section=section, **{k: v for k, v in row.items() if k != "section"}
                )
                paragraph.save_without_historical_record(force_insert=True)
                created.append(paragraph)
    return created


def _load_regression_cases():
    """The shipped regression cases, once: afterwards they are the editors' (admin, the publish screen)."""
    data = json.loads(REGRESSION_CASES_FILE.read_text())
    guideline = Guideline.objects.get(slug=GUIDELINE_SLUG)
    if RegressionCase.objects.filter(guideline=guideline).exists():
        return
    RegressionCase.objects.bulk_create(
        RegressionCase(guideline=guideline, name=item["name"], case=item["case"], note=item.get("note", ""))
        for item in data["cases"]
    )


def _publish_from_data(shipped, *, now):
    """Draft `shipped` from the published version before it, with its file's rules and properties; publish it.

    As any publish, refused unless every rule compiles and quotes its paragraph and every property is
    proven. The version before retires; field history and the audit trail record each step, by the system.
    """
    number, edition = shipped.number, shipped.edition
    current = GuidanceVersion.objects.select_related("guideline").get(
        guideline__slug=GUIDELINE_SLUG, status=GuidanceVersion.Status.PUBLISHED
    )
    if (
        current.number != number - 1
        or GuidanceVersion.objects.filter(guideline=current.guideline, number__gte=number).exists()
    ):
        raise GuidanceLoadError(
            f"guidance: v{number} is published from v{number - 1}, but v{current.number} is the published version"
        )
    specs, property_specs, change_note = shipped.read()
    draft = GuidanceVersion(
        guideline=current.guideline,
        number=number,
        status=GuidanceVersion.Status.DRAFT,
        title=current.title,
        based_on=current,
        edition=edition,
        **{name: getattr(current, name) for name in GuidanceVersion.PROVENANCE_FIELDS},
    )
    draft.save_without_historical_record(force_insert=True)
    reason = f"guidance v{number} (system)"
    _record_history(draft, "+", when=now, reason=reason)
    created = _text_create(draft, *shipped_text(number))
    paragraphs = {obj.slug: obj for obj in created if isinstance(obj, Paragraph)}

    problems = []
    for spec in specs:
        paragraph = paragraphs.get(spec.paragraph)
        if paragraph is None:
            problems.append(f"rule {spec.rule_id}: no paragraph {spec.paragraph!r}")
        elif not quote_in_text(spec.quote, paragraph.text):
            problems.append(f"rule {spec.rule_id}: its quote is not in paragraph {spec.paragraph!r}")
    problems += _rule_problems(specs, edition=edition)
    if not problems:
        compiled = compile_guidance(
            slug=GUIDELINE_SLUG, version=draft.number, title=draft.title, rules=specs, edition=edition
        )
        rule_ids = [spec.rule_id for spec in specs]
        outcomes = {}
        for spec in property_specs:
            try:
                proof = prove(compile_property(spec, rule_ids=rule_ids, edition=edition), compiled, outcomes)
            except ConditionError as exc:
                problems.append(f"property {spec.property_id}: {exc}")
                continue
            if not proof.holds:
                problems.append(f"property {proof.property_id} fails for {proof.counterexample} (fired: {proof.fired})")
    if problems:
        raise GuidanceLoadError(f"guidance v{number} cannot be published: " + "; ".join(problems))

    created += Rule.objects.bulk_create(_rules(version=draft, paragraphs=paragraphs, specs=specs))
    created += SafetyProperty.objects.bulk_create(_properties(version=draft, specs=property_specs, edition=edition))

    _status_set(current, status=GuidanceVersion.Status.RETIRED, retired_at=now)
    _status_set(draft, status=GuidanceVersion.Status.PUBLISHED, published_at=now, change_note=change_note)

    for obj in created:
        _record_history(obj, "+", when=now, reason=reason)
    _record_history(current, "~", when=now, reason=reason)
    _record_history(draft, "~", when=now, reason=reason)
    for action, details in (
        (GuidanceAction.GUIDANCE_DRAFT_CREATED, {"number": draft.number, "based_on": current.number}),
        (GuidanceAction.GUIDANCE_PUBLISHED, {"number": draft.number, "replaced": current.number}),
    ):
        AuditEvent(
            created_at=now,
            actor=None,
            actor_username=SYSTEM_ACTOR,
            action=action,
            object_type=GuidanceVersion._meta.label_lower,
            object_id=str(draft.pk),
            details=details,
        ).save()  # chained to the trail (audit.chain)
    return draft


def _rule_problems(specs, *, edition):
    """Each rule that does not compile (a value or fact the vocabulary no longer has), in words."""
    problems = []
    for spec in specs:
        try:
            compile_rule(spec, edition=edition)
        except ConditionError as exc:
            problems.append(f"rule {spec.rule_id}: {exc}")
    return problems


def _record_history(obj, history_type, *, when, reason):
    """A django-simple-history record of obj as it stands, by nobody, dated `when` with `reason`."""
    history = obj.history.model
    values = {
        field.attname: getattr(obj, field.attname)
        for field in history._meta.fields
        if not field.name.startswith("history_") and hasattr(obj, field.attname)
    }
    history.objects.create(
        **values, history_date=when, history_type=history_type, history_change_reason=reason, history_user=None
    )
