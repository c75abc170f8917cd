"""Version 1 as load_guidance loads it: the source wording, every slug, and the rules' paragraphs.

Version 2, published from it by load_guidance, keeps the same text: the overview
section's sentence becomes its lead paragraph (slug "overview", same words).
"""

import json
import re

import pytest

from guidance.loading import RULES_FILE, SOURCE_FILE, parse_source, read_rules, read_version_two
from tests.conftest import SPEC

CONTRACT_SOURCE = SPEC / "spec" / "source-sm-management.md"
SOURCE_TEXT = SOURCE_FILE.read_text()
BODY = SOURCE_TEXT.partition("\n---\n")[2]
# Read straight from the text, not through parse_source, so a parser bug cannot hide a slug.
SOURCE_SLUGS = re.findall(r"\{#([a-z0-9-]+)\}", BODY)


def words(text):
    return " ".join(text.split())


def test_the_source_the_guidance_loads_is_the_contracts_source_word_for_word():
    assert SOURCE_FILE.read_bytes() == CONTRACT_SOURCE.read_bytes()


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


def _slugs(version):
    return list(version.sections.values_list("slug", flat=True)) + list(
        version.paragraphs.values_list("slug", flat=True)
    )


@pytest.mark.django_db
def test_every_slug_of_the_source_is_in_version_one(version_one, published_version):
    assert sorted(_slugs(version_one)) == sorted(SOURCE_SLUGS)
    # Version 2 adds only the overview's lead paragraph, under its section's slug.
    assert sorted(_slugs(published_version)) == sorted([*SOURCE_SLUGS, "overview"])
    lead = published_version.paragraphs.get(slug="overview")
    assert (lead.section.slug, lead.is_lead) == ("overview", True)
    assert words(lead.text) == "Management for systemic mastocytosis has its basis in symptoms and subtypes."
    assert published_version.sections.get(slug="overview").text == ""


@pytest.fixture(params=["version_one", "published_version"])
def loaded_version(request):
    """Version 1 and version 2: both hold the source's words, unchanged."""
    return request.getfixturevalue(request.param)


@pytest.mark.django_db
def test_every_paragraph_keeps_the_source_wording_word_for_word(loaded_version):
    source = words(BODY)

    for item in [*loaded_version.sections.all(), *loaded_version.paragraphs.all()]:
        if item.text:
            assert words(item.text) in source, item.slug
    assert loaded_version.paragraphs.get(slug="flushing").text == (
        "In patients with prominent flushing not responsive to antihistamines, aspirin may be helpful, "
        "provided the patient is known to tolerate NSAIDs."
    )


@pytest.mark.django_db
def test_no_source_text_is_left_out_of_version_one(loaded_version):
    loaded = {words(item.text) for item in [*loaded_version.sections.all(), *loaded_version.paragraphs.all()]}
    source_lines = [
        line
        for line in BODY.splitlines()
        if line.strip() and not line.startswith("#") and not re.search(r"\{#[a-z0-9-]+\}:\s*$", line)
    ]

    for line in source_lines:
        assert any(words(line) in text for text in loaded), line


@pytest.mark.django_db
def test_each_paragraph_sits_in_its_source_section(version_one, published_version):
    document = parse_source(SOURCE_TEXT)
    expected = {p.slug: s.slug for s in document.sections for p in s.paragraphs}

    loaded = {p.slug: p.section.slug for p in version_one.paragraphs.select_related("section")}

    assert loaded == expected
    assert loaded["ism-ssm"] == "subtype-specific"
    assert loaded["symptom-specific-intro"] == "symptom-specific"
    loaded = {p.slug: p.section.slug for p in published_version.paragraphs.select_related("section")}
    assert loaded == {**expected, "overview": "overview"}


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
def test_version_one_holds_the_rules_of_the_data_file_in_order(version_one, published_version):
    loaded = [rule.spec for rule in version_one.rules.select_related("paragraph").order_by("order")]

    assert loaded == read_rules()
    rules, properties, change_note = read_version_two()
    version_two = published_version.guideline.versions.get(number=2)
    assert [rule.spec for rule in version_two.rules.select_related("paragraph").order_by("order")] == rules
    assert version_two.property_specs() == properties
    assert version_two.change_note == change_note


@pytest.mark.django_db
def test_the_guideline_carries_its_attribution(published_version):
    guideline = published_version.guideline

    assert guideline.slug == "sm-management"
    assert guideline.title == published_version.title == "Management of systemic mastocytosis"
    assert "source-sm-management.md" in guideline.source
    assert "wording unchanged" in guideline.source


def test_the_parser_refuses_a_source_without_its_separator():
    with pytest.raises(ValueError, match="'---'"):
        parse_source("# Source guidance: x\n\n## Overview {#overview}\nText.\n")


def test_the_parser_refuses_a_heading_without_a_slug():
    with pytest.raises(ValueError, match="'Overview' has no"):
        parse_source("# Source guidance: x\n---\n## Overview\nText.\n")
