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

from .engine import RuleSpec, compile_rule

DATA_DIR = Path(__file__).resolve().parent / "data"
SOURCE_FILE = DATA_DIR / "source-sm-management.md"
RULES_FILE = DATA_DIR / "rules-v1.json"

GUIDELINE_SLUG = "sm-management"
ATTRIBUTION = (
    "Source guidance on the management of systemic mastocytosis as supplied to the "
    "Mastoweb project (spec/source-sm-management.md); reproduced with its wording unchanged."
)

_HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*(?:\{#([a-z0-9-]+)\})?\s*$")
_LABELLED = re.compile(r"^(.*?)\s*\{#([a-z0-9-]+)\}:\s*$")


@dataclass
class SourceParagraph:
    slug: str
    title: str
    lines: list = field(default_factory=list)

    @property
    def text(self):
        return "\n".join(self.lines).strip()


@dataclass
class SourceSection:
    slug: str
    title: str
    lines: list = field(default_factory=list)
    paragraphs: list = field(default_factory=list)

    @property
    def text(self):
        return "\n".join(self.lines).strip()


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
    data = json.loads(Path(path).read_text())
    return [
        RuleSpec(
            rule_id=item["rule"],
            paragraph=item["paragraph"],
            kind=item["kind"],
            summary=item["summary"],
            condition=item["condition"],
            mentions=tuple(item.get("mentions", ())),
        )
        for item in data["rules"]
    ]


def load_version_one(*, Guideline, GuidanceVersion, Section, Paragraph, Rule):  # noqa: N803 - model classes
    """Create the guideline and its published version 1 (text + rules)."""
    document = parse_source(SOURCE_FILE.read_text())
    specs = read_rules()
    slugs = {p.slug for s in document.sections for p in s.paragraphs}
    for spec in specs:
        if spec.paragraph not in slugs:
            raise ValueError(f"rule {spec.rule_id}: paragraph {spec.paragraph!r} is not in the source")
        compile_rule(spec)  # historical models skip Rule.save(): check here

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
    Rule.objects.bulk_create(
        Rule(
            version=version,
            rule_id=spec.rule_id,
            paragraph=paragraphs[spec.paragraph],
            kind=spec.kind,
            summary=spec.summary,
            condition=spec.condition,
            mentions=",".join(spec.mentions),
            order=order,
        )
        for order, spec in enumerate(specs)
    )
    return version
