"""Versioned guidance: frozen versions, one published at a time, drafts and publishing."""

import io
import json
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError
from django.utils import timezone

from guidance.engine import ConditionError
from guidance.evaluation import guidance_evaluate
from guidance.facts import validate_case
from guidance.kinds import Kind
from guidance.models import FrozenVersionError, GuidanceVersion, Paragraph, Rule, SafetyProperty, Section
from guidance.publishing import PublishError, draft_create, draft_publish
from guidance.selectors import guidance_current
from tests.review import approved

pytestmark = pytest.mark.django_db


def make_draft(published_version, editor):
    return draft_create(guideline=published_version.guideline, user=editor)


def publish(draft, editor, note="Reworded the MCL rule", **options):
    approved(draft)
    return draft_publish(draft=draft, user=editor, change_note=note, confirm_changes=True, **options)


def content(version):
    """Everything a version holds, without its ids."""
    return {
        "sections": [(s.slug, s.title, s.text, s.order) for s in version.sections.order_by("order", "pk")],
        "paragraphs": [
            (p.section.slug, p.slug, p.title, p.text, p.order)
            for p in version.paragraphs.select_related("section").order_by("section__order", "order", "pk")
        ],
        "rules": [
            (r.rule_id, r.paragraph.slug, r.kind, r.summary, r.condition, r.mentions, r.quote, r.confirm, r.order)
            for r in version.rules.select_related("paragraph").order_by("order", "pk")
        ],
        "properties": [
            (p.property_id, p.statement, p.condition, p.order)
            for p in version.safety_properties.order_by("order", "pk")
        ],
    }


def evaluate_case(*args, facts):
    out = io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(json.dumps(facts).encode()))
    real_stdin, sys.stdin = sys.stdin, stdin
    try:
        call_command("evaluate_case", "-", *args, stdout=out)
    finally:
        sys.stdin = real_stdin
    return json.loads(out.getvalue())


# ------------------------------------------------------------------ frozen


@pytest.fixture
def retired_one(published_version, editor):
    """v3 retired by publishing v4."""
    publish(make_draft(published_version, editor), editor)
    published_version.refresh_from_db()
    return published_version


@pytest.fixture(params=["published", "retired"])
def frozen(request, published_version):
    if request.param == "published":
        return published_version
    return request.getfixturevalue("retired_one")


def test_version_three_is_published_and_versions_one_and_two_retired_after_loading(published_version, version_one):
    version_two = GuidanceVersion.objects.get(guideline=published_version.guideline, number=2)
    assert published_version.number == 3
    assert published_version.status == GuidanceVersion.Status.PUBLISHED
    assert published_version.published_at is not None
    assert published_version.based_on == version_two
    assert published_version.change_note
    assert published_version.rules.count() == 34
    assert published_version.safety_properties.count() == 12
    assert version_two.status == GuidanceVersion.Status.RETIRED
    assert version_two.retired_at == published_version.published_at
    assert version_two.based_on == version_one
    assert version_two.rules.count() == 27
    assert version_two.safety_properties.count() == 6
    assert version_one.status == GuidanceVersion.Status.RETIRED
    assert version_one.retired_at == version_two.published_at
    assert version_one.rules.count() == 21
    assert not version_one.safety_properties.exists()


def test_a_frozen_versions_paragraph_cannot_be_changed_or_deleted(frozen):
    paragraph = frozen.paragraphs.get(slug="flushing")

    paragraph.text = "Aspirin for everyone."
    with pytest.raises(FrozenVersionError):
        paragraph.save()
    with pytest.raises(FrozenVersionError):
        paragraph.delete()

    assert Paragraph.objects.get(pk=paragraph.pk).text.startswith("In patients with prominent flushing")


def test_a_frozen_versions_rule_cannot_be_changed_added_or_deleted(frozen):
    rule = frozen.rules.get(rule_id="venom-immunotherapy")

    rule.kind = "consider"
    with pytest.raises(FrozenVersionError):
        rule.save()
    with pytest.raises(FrozenVersionError):
        rule.delete()
    with pytest.raises(FrozenVersionError):
        Rule.objects.create(
            version=frozen,
            rule_id="new",
            paragraph=rule.paragraph,
            kind="info",
            summary="s",
            condition='venom_allergy == "yes"',
        )

    assert Rule.objects.get(pk=rule.pk).kind == Kind.RECOMMEND
    assert frozen.rules.count() == 34


def test_a_frozen_versions_section_cannot_be_changed_or_deleted(frozen):
    section = frozen.sections.get(slug="overview")

    section.title = "Summary"
    with pytest.raises(FrozenVersionError):
        section.save()
    with pytest.raises(FrozenVersionError):
        section.delete()
    with pytest.raises(FrozenVersionError):
        Section.objects.create(version=frozen, slug="new", title="New")

    assert Section.objects.get(pk=section.pk).title == "Overview"


@pytest.mark.parametrize("model", [Section, Paragraph, Rule])
def test_bulk_update_and_delete_of_frozen_content_are_refused(frozen, model):
    rows = model.objects.filter(version=frozen)
    count = rows.count()

    with pytest.raises(FrozenVersionError):
        rows.update(order=99)
    with pytest.raises(FrozenVersionError):
        rows.delete()

    assert model.objects.filter(version=frozen).count() == count
    assert not model.objects.filter(version=frozen, order=99).exists()


def test_bulk_changes_that_touch_any_frozen_row_are_refused(published_version, editor):
    draft = make_draft(published_version, editor)

    with pytest.raises(FrozenVersionError):
        Paragraph.objects.filter(slug="flushing").update(text="changed")

    assert not Paragraph.objects.filter(text="changed").exists()
    assert Paragraph.objects.filter(version=draft, slug="flushing").update(text="changed") == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Another title"),
        ("number", 42),
        ("change_note", "rewritten history"),
        ("published_at", timezone.now() - timedelta(days=400)),
        ("status", "draft"),
    ],
)
def test_a_frozen_versions_fields_cannot_be_changed(frozen, field, value):
    setattr(frozen, field, value)

    with pytest.raises(FrozenVersionError, match=field):
        frozen.save()


def test_a_retired_version_cannot_be_published_again(retired_one):
    retired_one.status = GuidanceVersion.Status.PUBLISHED

    with pytest.raises(FrozenVersionError):
        retired_one.save()


def test_a_published_version_may_only_be_retired(published_version):
    published_version.status = GuidanceVersion.Status.RETIRED
    published_version.retired_at = timezone.now()
    published_version.save()

    published_version.refresh_from_db()
    assert published_version.status == GuidanceVersion.Status.RETIRED


def test_a_frozen_version_cannot_be_deleted(frozen):
    with pytest.raises(FrozenVersionError):
        frozen.delete()

    assert GuidanceVersion.objects.filter(pk=frozen.pk).exists()


def test_bulk_delete_of_versions_refuses_a_frozen_one(published_version, editor):
    make_draft(published_version, editor)
    paragraphs = published_version.paragraphs.count()

    with pytest.raises(FrozenVersionError):
        GuidanceVersion.objects.all().delete()

    assert GuidanceVersion.objects.count() == 4  # v1 and v2 (retired), v3 (published) and the draft
    assert published_version.paragraphs.count() == paragraphs > 0


# ------------------------------------------------------- database invariants


def test_the_database_refuses_a_second_published_version(published_version):
    with pytest.raises(IntegrityError), transaction.atomic():
        # A free number: only the one-published constraint stands in the way.
        GuidanceVersion.objects.create(
            guideline=published_version.guideline, number=3, status="published", title="v3", published_at=timezone.now()
        )

    assert GuidanceVersion.objects.filter(status="published").count() == 1


def test_the_database_refuses_a_second_draft(published_version, editor):
    make_draft(published_version, editor)  # v3

    # A free number: only the one-draft constraint stands in the way.
    with pytest.raises(IntegrityError), transaction.atomic():
        GuidanceVersion.objects.create(guideline=published_version.guideline, number=4, status="draft", title="v4")


def test_the_database_refuses_a_published_version_without_a_date(published_version):
    with pytest.raises(IntegrityError), transaction.atomic():
        GuidanceVersion.objects.filter(pk=published_version.pk).update(published_at=None)


def test_there_is_one_draft_at_a_time(published_version, editor):
    make_draft(published_version, editor)

    with pytest.raises(PublishError, match="already a draft"):
        make_draft(published_version, editor)


# ------------------------------------------------------------------- drafts


def test_a_draft_is_an_exact_copy_of_the_published_version(published_version, editor):
    draft = make_draft(published_version, editor)

    assert draft.number == 4
    assert draft.status == GuidanceVersion.Status.DRAFT
    assert draft.based_on == published_version
    assert draft.created_by == editor
    assert draft.title == published_version.title
    assert content(draft) == content(published_version)
    assert {p.version_id for p in draft.paragraphs.all()} == {draft.pk}
    assert {r.paragraph.version_id for r in draft.rules.select_related("paragraph")} == {draft.pk}


def test_a_draft_is_editable_while_the_published_version_is_not(published_version, editor):
    draft = make_draft(published_version, editor)
    paragraph = draft.paragraphs.get(slug="flushing")
    rule = draft.rules.get(rule_id="venom-immunotherapy")

    paragraph.text = "Reworded."
    paragraph.save()
    rule.summary = "Venom immunotherapy"
    rule.save()
    draft.paragraphs.get(slug="symptom-specific-intro").delete()

    assert draft.paragraphs.get(slug="flushing").text == "Reworded."
    assert published_version.paragraphs.get(slug="flushing").text.startswith("In patients with prominent flushing")
    assert published_version.rules.get(rule_id="venom-immunotherapy").summary.startswith(
        "Venom immunotherapy helps reduce"
    )
    assert published_version.paragraphs.filter(slug="symptom-specific-intro").exists()


def test_a_draft_can_be_discarded_with_all_its_content(published_version, version_one, editor):
    draft = make_draft(published_version, editor)

    draft.delete()

    kept = [version_one, published_version.based_on, published_version]
    assert not GuidanceVersion.objects.filter(number=4).exists()
    assert not Section.objects.exclude(version__in=kept).exists()
    assert not Paragraph.objects.exclude(version__in=kept).exists()
    assert not Rule.objects.exclude(version__in=kept).exists()
    assert not SafetyProperty.objects.exclude(version__in=kept).exists()
    assert content(published_version)["rules"]
    assert content(published_version)["properties"]
    assert make_draft(published_version, editor).number == 4


def test_a_paragraph_that_rules_cite_cannot_be_deleted_from_a_draft(published_version, editor):
    draft = make_draft(published_version, editor)

    with pytest.raises(RestrictedError):
        draft.paragraphs.get(slug="flushing").delete()

    assert draft.paragraphs.filter(slug="flushing").exists()
    assert draft.rules.filter(paragraph__slug="flushing").count() == 3


def test_a_draft_rule_with_a_bad_condition_cannot_be_saved(published_version, editor):
    rule = make_draft(published_version, editor).rules.get(rule_id="venom-immunotherapy")
    rule.condition = 'subtype == "ISMM"'

    with pytest.raises(ConditionError, match="ISMM"):
        rule.save()


# --------------------------------------------------------------- publishing


def test_publishing_retires_the_previous_version_and_records_who_when_and_why(published_version, editor):
    draft = make_draft(published_version, editor)
    before = timezone.now()

    approved(draft)
    published = draft_publish(draft=draft, user=editor, change_note="  Same text, new number.  ")

    published_version.refresh_from_db()
    published.refresh_from_db()
    assert published.status == GuidanceVersion.Status.PUBLISHED
    assert published.published_by == editor
    assert published.published_at >= before
    assert published.change_note == "Same text, new number."
    assert published_version.status == GuidanceVersion.Status.RETIRED
    assert published_version.retired_at == published.published_at
    assert guidance_current() == published


@pytest.mark.parametrize("note", ["", "   ", None])
def test_publishing_needs_a_change_note(published_version, editor, note):
    draft = make_draft(published_version, editor)

    with pytest.raises(PublishError, match="change note"):
        draft_publish(draft=draft, user=editor, change_note=note)

    draft.refresh_from_db()
    assert draft.status == GuidanceVersion.Status.DRAFT
    assert guidance_current() == published_version


def test_a_draft_cannot_be_published_twice(published_version, editor):
    draft = make_draft(published_version, editor)
    publish(draft, editor)

    with pytest.raises(PublishError, match="already published"):
        publish(draft, editor)


def test_a_draft_based_on_a_retired_version_cannot_be_published(retired_one, editor):
    stale = GuidanceVersion.objects.create(
        guideline=retired_one.guideline, number=5, status="draft", title="stale", based_on=retired_one
    )

    with pytest.raises(PublishError, match="made from v3, but v4 is now published"):
        publish(stale, editor)

    assert guidance_current().number == 4


def test_a_draft_without_rules_cannot_be_published(published_version, editor):
    draft = make_draft(published_version, editor)
    draft.rules.all().delete()

    with pytest.raises(PublishError, match="no rules"):
        publish(draft, editor)


def test_a_draft_that_changes_regression_cases_needs_confirmation(published_version, editor):
    draft = make_draft(published_version, editor)
    Rule.objects.filter(version=draft, rule_id="venom-immunotherapy").delete()

    approved(draft)
    with pytest.raises(PublishError, match="confirm"):
        draft_publish(draft=draft, user=editor, change_note="Dropped venom immunotherapy")

    assert guidance_current() == published_version
    assert draft_publish(draft=draft, user=editor, change_note="Dropped it", confirm_changes=True).number == 4


def test_a_draft_that_changes_no_regression_case_publishes_without_confirmation(published_version, editor):
    draft = make_draft(published_version, editor)

    approved(draft)
    assert draft_publish(draft=draft, user=editor, change_note="Text only").status == "published"


def test_publishing_rolls_back_entirely_when_it_fails_midway(published_version, editor, monkeypatch):
    draft = make_draft(published_version, editor)
    real_save = GuidanceVersion.save

    def fail_on_the_draft(self, *args, **kwargs):
        if self.pk == draft.pk and self.status == GuidanceVersion.Status.PUBLISHED:
            raise RuntimeError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(GuidanceVersion, "save", fail_on_the_draft)

    with pytest.raises(RuntimeError, match="disk full"):
        publish(draft, editor)

    published_version.refresh_from_db()
    draft.refresh_from_db()
    assert published_version.status == GuidanceVersion.Status.PUBLISHED
    assert published_version.retired_at is None
    assert draft.status == GuidanceVersion.Status.DRAFT
    assert draft.published_at is None


def test_a_past_version_still_gives_its_own_answer_after_a_new_one_changes_a_rule(published_version, editor):
    mcl = {"subtype": "MCL"}
    before = evaluate_case(facts=mcl)
    first = evaluate_case("--guidance-version", "1", facts=mcl)
    draft = make_draft(published_version, editor)
    # From version 3 on a caution must say what it is about, so the rule's words change, not its kind.
    rule = draft.rules.get(rule_id="mcl-no-standard-treatment")
    rule.summary = "Refer to a specialist centre"
    rule.save()
    publish(draft, editor)

    now = evaluate_case(facts=mcl)
    then = evaluate_case("--guidance-version", "3", facts=mcl)

    assert now["guidance"]["version"] == 4
    goals = (
        "advanced-sm-goals",
        "info",
        "Treatment of advanced SM aims to mitigate organ dysfunction and improve quality of life",
    )
    assert [(r["rule"], r["kind"], r["summary"]) for r in now["recommendations"]] == [
        goals,
        ("mcl-no-standard-treatment", "info", "Refer to a specialist centre"),
    ]
    assert then == before
    assert then["guidance"]["version"] == 3
    assert [(r["rule"], r["kind"], r["summary"]) for r in then["recommendations"]] == [
        goals,
        ("mcl-no-standard-treatment", "info", "No standard treatment; poor prognosis overall"),
    ]
    # Version 1, retired three times over, still answers as it did.
    assert evaluate_case("--guidance-version", "1", facts=mcl) == first
    assert [(r["rule"], r["kind"]) for r in first["recommendations"]] == [("mcl-no-standard-treatment", "info")]


def test_each_version_evaluates_with_its_own_rules_in_one_process(published_version, editor):
    facts = validate_case({"subtype": "ISM", "venom_allergy": "yes"})
    both = ["epinephrine-for-venom-allergy", "venom-immunotherapy"]
    assert [r.rule for r in guidance_evaluate(facts=facts, version=published_version)] == both
    draft = make_draft(published_version, editor)
    rule = draft.rules.get(rule_id="venom-immunotherapy")
    rule.condition = 'venom_allergy == "yes" && subtype == "ASM"'
    rule.save()

    v4 = publish(draft, editor)

    published_version.refresh_from_db()
    assert [r.rule for r in guidance_evaluate(facts=facts, version=v4)] == ["epinephrine-for-venom-allergy"]
    assert [r.rule for r in guidance_evaluate(facts=facts, version=published_version)] == both
