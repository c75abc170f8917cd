"""What a process keeps of a frozen version's content is keyed by that content (GuidanceVersion.content_key):
a database restored under a running process, reusing a version's id for other content, gets none of it."""

import json

import pytest
from django.db import connection

from cases import marking
from guidance.evaluation import guidance_compiled, guidance_evaluate
from guidance.facts import validate_case
from guidance.models import GuidanceVersion, Paragraph, Rule, Section
from guidance.publishing import draft_create, draft_fingerprint
from guidance.selectors import guidance_current, paragraphs_by_slug, section_titles
from tests.cases.factories import publish_revision
from tests.conftest import SPEC


def _update(model, values, **where):
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in values)
    conditions = " AND ".join(f"{connection.ops.quote_name(column)} = %s" for column in where)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {sets} WHERE {conditions}", [*values.values(), *where.values()])  # noqa: S608 - our own names


def restored_with_other_content(
    version, *, rule_id, section_slug, paragraph_slug=None, published_at=None, fingerprinted=True
):
    """The version as another database restored over this one has it: the same id, other words
    (written past the model, which refuses any change to a frozen version, as a restore is)."""
    _update(Rule, {"summary": "Words of the other database."}, version_id=version.pk, rule_id=rule_id)
    _update(Section, {"title": "A section of the other database"}, version_id=version.pk, slug=section_slug)
    if paragraph_slug is not None:
        _update(Paragraph, {"text": "A paragraph of the other database."}, version_id=version.pk, slug=paragraph_slug)
    if published_at is not None:
        _update(GuidanceVersion, {"published_at": published_at}, id=version.pk)
    restored = GuidanceVersion.objects.select_related("guideline").get(pk=version.pk)
    if fingerprinted:  # the other database published it through review: the fingerprint of its own content
        _update(GuidanceVersion, {"approved_fingerprint": draft_fingerprint(restored)}, id=version.pk)
        restored = GuidanceVersion.objects.select_related("guideline").get(pk=version.pk)
    return restored


def a_case_with_a_line(version):
    for path in sorted((SPEC / "vignettes-v3").glob("*.json")):
        expected = json.loads(path.read_text())
        if "error" in expected["expect"]:
            continue
        facts = validate_case(expected["case"])
        lines = guidance_evaluate(facts=facts, version=version)
        if lines:
            return facts, lines[0]
    raise AssertionError("no worked case gives a line")


def warmed(version, facts, client):
    """Everything a process keeps of the version, kept: compiled rules, section titles and paragraphs, its page,
    the marking."""
    guidance_evaluate(facts=facts, version=version)
    section_titles(version=version)
    paragraphs_by_slug(version=version)
    client.get(version.get_absolute_url())
    return marking._comparison_for(version)


def test_a_version_published_through_review_is_kept_by_its_content_fingerprint(client, clinician, editor):
    version = publish_revision(user=editor, revise=lambda draft: None)
    assert len(version.approved_fingerprint) == 64
    facts, line = a_case_with_a_line(version)
    paragraph = version.paragraphs.select_related("section").get(slug=line.paragraph)
    client.force_login(clinician)
    comparison = warmed(version, facts, client)

    restored = restored_with_other_content(
        version, rule_id=line.rule, section_slug=paragraph.section.slug, paragraph_slug=paragraph.slug
    )

    # The same id, number and publication time: only the fingerprint tells the content apart.
    assert (restored.pk, restored.number, restored.published_at) == (version.pk, version.number, version.published_at)
    lines = {line.rule: line for line in guidance_evaluate(facts=facts, version=restored)}
    assert lines[line.rule].summary == "Words of the other database."
    assert section_titles(version=restored)[paragraph.section.slug] == "A section of the other database"
    assert paragraphs_by_slug(version=restored, slugs={paragraph.slug})[paragraph.slug].text == (
        "A paragraph of the other database."
    )
    assert "A section of the other database" in client.get(restored.get_absolute_url()).content.decode()
    assert marking._comparison_for(restored) is not comparison


def test_a_version_the_loader_published_is_kept_by_its_publication(client, clinician):
    version = guidance_current()
    assert version.approved_fingerprint == ""  # published by a migration, not through review
    facts, line = a_case_with_a_line(version)
    paragraph = version.paragraphs.select_related("section").get(slug=line.paragraph)
    client.force_login(clinician)
    comparison = warmed(version, facts, client)

    restored = restored_with_other_content(
        version,
        rule_id=line.rule,
        section_slug=paragraph.section.slug,
        paragraph_slug=paragraph.slug,
        published_at=version.published_at.replace(year=version.published_at.year - 1),
        fingerprinted=False,
    )

    lines = {line.rule: line for line in guidance_evaluate(facts=facts, version=restored)}
    assert lines[line.rule].summary == "Words of the other database."
    assert section_titles(version=restored)[paragraph.section.slug] == "A section of the other database"
    assert paragraphs_by_slug(version=restored, slugs={paragraph.slug})[paragraph.slug].text == (
        "A paragraph of the other database."
    )
    assert "A section of the other database" in client.get(restored.get_absolute_url()).content.decode()
    assert marking._comparison_for(restored) is not comparison


@pytest.mark.parametrize("fingerprinted", [True, False])
def test_the_same_content_under_the_same_key_is_not_computed_again(editor, fingerprinted):
    version = publish_revision(user=editor, revise=lambda draft: None) if fingerprinted else guidance_current()
    again = GuidanceVersion.objects.select_related("guideline").get(pk=version.pk)

    assert again.content_key == version.content_key
    assert guidance_compiled(again) is guidance_compiled(version)
    assert marking._comparison_for(again) is marking._comparison_for(version)
    kept = paragraphs_by_slug(version=version)
    assert kept and paragraphs_by_slug(version=again) == kept
    assert all(paragraphs_by_slug(version=again)[slug] is paragraph for slug, paragraph in kept.items())


def test_a_frozen_versions_paragraphs_are_read_once_and_a_drafts_each_time(editor, django_assert_num_queries):
    version = guidance_current()
    slugs = set(list(paragraphs_by_slug(version=version))[:2])
    with django_assert_num_queries(0):
        assert set(paragraphs_by_slug(version=version, slugs=slugs | {"no-such-paragraph"})) == slugs
    draft = draft_create(guideline=version.guideline, user=editor)
    with django_assert_num_queries(1):
        assert set(paragraphs_by_slug(version=draft, slugs=slugs)) == slugs
    # A draft's paragraphs can still change: read afresh each time.
    Paragraph.objects.filter(version=draft, slug__in=slugs).update(text="Edited in the draft.")
    with django_assert_num_queries(1):
        assert {p.text for p in paragraphs_by_slug(version=draft, slugs=slugs).values()} == {"Edited in the draft."}
