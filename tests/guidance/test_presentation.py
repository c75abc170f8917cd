"""What the case pages and the dashboard name of the guidance is data (guidance/data/presentation.json),
and publishing refuses a draft that no longer has it; a system check says so of the published version."""

import dataclasses

import pytest
from django.urls import reverse

from guidance import presentation
from guidance.facts import FACTS
from guidance.models import Rule, Section
from guidance.publishing import PublishError, draft_create, draft_publish, version_presentation_problems
from mastoweb.checks import check_the_published_guidance_has_what_the_pages_name
from tests.review import approved

pytestmark = pytest.mark.django_db

EPINEPHRINE_QUESTION = "Epinephrine caution for patients with recurrent anaphylaxis"
ASPIRIN_QUESTION = "Aspirin offered without known NSAID tolerance"


@pytest.fixture
def draft(published_version, editor):
    return draft_create(guideline=published_version.guideline, user=editor)


def publish(draft, editor):
    approved(draft)
    return draft_publish(draft=draft, user=editor, change_note="Tidied the rules.", confirm_changes=True)


def refusal(draft, editor):
    with pytest.raises(PublishError) as refused:
        publish(draft, editor)
    draft.refresh_from_db()
    assert draft.is_draft
    return str(refused.value)


def test_the_data_names_the_rules_facts_and_section_it_always_named():
    assert presentation.KEY_FACTS == ("kit_d816v", "hct_eligible")
    assert presentation.SYMPTOM_SECTION == "symptom-specific"
    assert [(q.key, q.title, q.base, q.extra) for q in presentation.DASHBOARD_QUESTIONS] == [
        ("epinephrine", EPINEPHRINE_QUESTION, {"symptom": "recurrent_anaphylaxis"}, {"rule": "carry-epinephrine"}),
        ("aspirin", ASPIRIN_QUESTION, {"rule": "aspirin-for-refractory-flushing"}, {"nsaid": "not_tolerant"}),
    ]


def test_every_frozen_version_has_what_the_pages_and_dashboard_name(published_version, version_one):
    assert version_presentation_problems(published_version) == []
    assert version_presentation_problems(version_one) == []


def test_the_published_version_passes_the_system_check(published_version):
    assert check_the_published_guidance_has_what_the_pages_name(databases=["default"]) == []


def test_publishing_refuses_a_draft_without_the_rule_a_dashboard_question_counts(draft, editor):
    Rule.objects.filter(version=draft, rule_id="carry-epinephrine").delete()

    message = refusal(draft, editor)

    assert f'The dashboard question "{EPINEPHRINE_QUESTION}" counts the rule carry-epinephrine' in message
    assert "guidance/data/presentation.json" in message


def test_publishing_refuses_a_draft_that_renamed_the_rule_a_dashboard_question_counts(draft, editor):
    Rule.objects.filter(version=draft, rule_id="aspirin-for-refractory-flushing").update(rule_id="aspirin-for-flushing")

    message = refusal(draft, editor)

    assert f'"{ASPIRIN_QUESTION}" counts the rule aspirin-for-refractory-flushing' in message
    assert EPINEPHRINE_QUESTION not in message


def test_publishing_refuses_a_draft_whose_symptom_section_is_gone(draft, editor):
    Section.objects.filter(version=draft, slug="symptom-specific").update(slug="symptoms")

    assert "The symptom section symptom-specific" in refusal(draft, editor)


def test_a_draft_that_keeps_what_they_name_publishes(draft, editor):
    Rule.objects.filter(version=draft, rule_id="carry-epinephrine").update(summary="Carry two autoinjectors")

    assert publish(draft, editor).status == "published"


def test_a_key_fact_or_symptom_that_is_no_fact_is_named():
    broken = presentation.Presentation(
        key_facts=("kit_d816v", "kit_status"),
        symptom_section="symptom-specific",
        questions=(
            dataclasses.replace(presentation.DASHBOARD_QUESTIONS[0], base={"symptom": "anaphylaxis"}, extra={}),
        ),
    )

    problems = presentation.presentation_problems(
        rule_ids=[], section_slugs=["symptom-specific"], facts=FACTS, presentation=broken
    )

    assert problems == [
        f'The dashboard question "{EPINEPHRINE_QUESTION}" counts the symptom anaphylaxis, which is not a symptom.',
        "The key fact kit_status, shown on each line that reads it, is not a case fact.",
    ]


def test_the_system_check_warns_when_the_data_names_a_rule_the_published_version_lacks(published_version, monkeypatch):
    renamed = dataclasses.replace(presentation.DASHBOARD_QUESTIONS[0], extra={"rule": "carry-two-autoinjectors"})
    monkeypatch.setattr(
        presentation,
        "PRESENTATION",
        dataclasses.replace(presentation.PRESENTATION, questions=(renamed, *presentation.DASHBOARD_QUESTIONS[1:])),
    )

    warnings = check_the_published_guidance_has_what_the_pages_name(databases=["default"])

    assert [warning.id for warning in warnings] == ["mastoweb.W003"]
    assert f"Guidance v{published_version.number}, the published version" in warnings[0].msg
    assert f'"{EPINEPHRINE_QUESTION}" counts the rule carry-two-autoinjectors' in warnings[0].msg
    assert check_the_published_guidance_has_what_the_pages_name() == []  # only with a database to ask


def test_the_publish_screen_says_why_before_the_editor_tries(client, editor, draft, settings):
    settings.OTP_REQUIRED = False
    Rule.objects.filter(version=draft, rule_id="carry-epinephrine").delete()
    client.force_login(editor)

    html = client.get(reverse("workbench:publish", args=[draft.pk])).content.decode()

    assert "counts the rule carry-epinephrine, which the version does not have" in html
