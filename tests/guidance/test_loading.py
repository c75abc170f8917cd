"""Version 1 as loaded by migrate: the source wording, every slug, and the rules' paragraphs."""

import json
import re

import pytest

from guidance.loading import RULES_FILE, SOURCE_FILE, parse_source, read_rules
from tests.conftest import SHARED

SHARED_SOURCE = SHARED / "spec" / "source-sm-management.md"
SOURCE_TEXT = SOURCE_FILE.read_text()
BODY = SOURCE_TEXT.partition("\n---\n")[2]
# Read straight from the text, not through parse_source, so a parser bug cannot hide a slug.
SOURCE_SLUGS = re.findall(r"\{#([a-z0-9-]+)\}", BODY)


def words(text):
    return " ".join(text.split())


def test_the_projects_copy_of_the_source_is_identical_to_the_shared_spec():
    if not SHARED_SOURCE.exists():
        pytest.skip(f"the shared spec is not checked out next to the project ({SHARED_SOURCE} is absent)")

    assert SOURCE_FILE.read_bytes() == SHARED_SOURCE.read_bytes()


CONTRACT_PARAGRAPHS = [
    "antihistamines",
    "antileukotrienes",
    "recurrent-anaphylaxis",
    "omalizumab",
    "flushing",
    "gastrointestinal",
    "osteoporosis",
    "refractory",
    "ism-ssm",
    "aggressive-sm",
    "sm-ahn",
    "mast-cell-leukemia",
    "venom-allergy",
]


def test_the_source_has_unique_slugs_and_every_paragraph_the_contract_cites():
    assert len(SOURCE_SLUGS) == len(set(SOURCE_SLUGS))
    assert set(CONTRACT_PARAGRAPHS) <= set(SOURCE_SLUGS)


def test_version_one_has_a_rule_for_every_paragraph_the_contract_cites():
    assert {spec.paragraph for spec in read_rules()} == set(CONTRACT_PARAGRAPHS)


@pytest.mark.django_db
def test_every_slug_of_the_source_is_in_version_one(version_one):
    slugs = list(version_one.sections.values_list("slug", flat=True)) + list(
        version_one.paragraphs.values_list("slug", flat=True)
    )

    assert sorted(slugs) == sorted(SOURCE_SLUGS)


@pytest.mark.django_db
def test_every_paragraph_keeps_the_source_wording_word_for_word(version_one):
    source = words(BODY)

    for item in [*version_one.sections.all(), *version_one.paragraphs.all()]:
        if item.text:
            assert words(item.text) in source, item.slug
    assert version_one.paragraphs.get(slug="flushing").text == (
        "In patients with prominent flushing not responsive to antihistamines, aspirin may be helpful, "
        "provided the patient is known to tolerate NSAIDs."
    )


@pytest.mark.django_db
def test_no_source_text_is_left_out_of_version_one(version_one):
    loaded = {words(item.text) for item in [*version_one.sections.all(), *version_one.paragraphs.all()]}
    source_lines = [
        line
        for line in BODY.splitlines()
        if line.strip() and not line.startswith("#") and not re.search(r"\{#[a-z0-9-]+\}:\s*$", line)
    ]

    for line in source_lines:
        assert any(words(line) in text for text in loaded), line


@pytest.mark.django_db
def test_each_paragraph_sits_in_its_source_section(version_one):
    document = parse_source(SOURCE_TEXT)
    expected = {p.slug: s.slug for s in document.sections for p in s.paragraphs}

    loaded = {p.slug: p.section.slug for p in version_one.paragraphs.select_related("section")}

    assert loaded == expected
    assert loaded["ism-ssm"] == "subtype-specific"
    assert loaded["symptom-specific-intro"] == "symptom-specific"


def test_every_rule_of_version_one_cites_a_paragraph_of_the_source():
    paragraphs = {p.slug for s in parse_source(SOURCE_TEXT).sections for p in s.paragraphs}
    rules = json.loads(RULES_FILE.read_text())["rules"]

    assert rules
    for rule in rules:
        assert rule["paragraph"] in paragraphs, rule["rule"]
        assert rule["paragraph"] in SOURCE_SLUGS, rule["rule"]


def test_rule_ids_are_unique():
    ids = [spec.rule_id for spec in read_rules()]

    assert len(ids) == len(set(ids))


@pytest.mark.django_db
def test_version_one_holds_the_rules_of_the_data_file_in_order(version_one):
    loaded = [rule.spec for rule in version_one.rules.select_related("paragraph").order_by("order")]

    assert loaded == read_rules()


@pytest.mark.django_db
def test_the_guideline_carries_its_attribution(version_one):
    guideline = version_one.guideline

    assert guideline.slug == "sm-management"
    assert guideline.title == version_one.title == "Management of systemic mastocytosis"
    assert "source-sm-management.md" in guideline.source
    assert "wording unchanged" in guideline.source


def test_the_parser_refuses_a_source_without_its_separator():
    with pytest.raises(ValueError, match="'---'"):
        parse_source("# Source guidance: x\n\n## Overview {#overview}\nText.\n")


def test_the_parser_refuses_a_heading_without_a_slug():
    with pytest.raises(ValueError, match="'Overview' has no"):
        parse_source("# Source guidance: x\n---\n## Overview\nText.\n")
