"""Try the draft: a case typed in the workbench, the draft's lines beside the published version's."""

import json
import re

import pytest
from django.urls import reverse

from guidance import engine, evaluation, publishing, selectors
from guidance.facts import facts_to_json, validate_case
from guidance.models import RegressionCase, Rule

pytestmark = pytest.mark.django_db

CASE = {"subtype": "ISM", "symptoms": ["osteoporosis", "flushing"], "antihistamine_response": "unresponsive"}


@pytest.fixture(autouse=True)
def _no_two_factor_step(settings):
    settings.OTP_REQUIRED = False  # the admin's two-factor step has its own tests


@pytest.fixture
def draft(published_version, editor):
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    # Calcium and vitamin D only after a fracture; aspirin offered whatever the NSAID tolerance.
    Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(condition='"fracture" in symptoms')
    Rule.objects.filter(version=draft, rule_id="aspirin-for-refractory-flushing").update(
        condition='"flushing" in symptoms && antihistamine_response == "unresponsive"'
    )
    return draft


def try_url(version):
    return reverse("workbench:try_case", args=[version.pk])


def query(case):
    """The form as a browser sends it: every radio group has its default ticked."""
    facts = facts_to_json(validate_case(case))
    return {name: value for name, value in facts.items() if value is not None}


def rules_in(html, heading_id):
    """The rules of the lines under one version's heading (the draft's column comes first)."""
    column = html.split(f'id="{heading_id}"')[1].split('id="current-heading"')[0]
    return set(re.findall(r'data-rule="([^"]+)"', column))


def test_the_draft_and_the_published_version_differ_exactly_as_the_engine_says(
    client, editor, draft, published_version, django_assert_max_num_queries
):
    client.force_login(editor)
    with django_assert_max_num_queries(25):
        html = client.get(try_url(draft), query(CASE)).content.decode()

    facts = validate_case(CASE)
    draft_rules = {r.rule for r in engine.evaluate(facts, evaluation.guidance_compiled(draft))}
    current_rules = {r.rule for r in engine.evaluate(facts, evaluation.guidance_compiled(published_version))}
    assert draft_rules != current_rules
    assert rules_in(html, "draft-heading") == draft_rules
    assert rules_in(html, "current-heading") == current_rules
    changes = html.split('id="case-changes"')[1].split("</ul>")[0]
    added = set(re.findall(r'data-change="added" data-rule="([^"]+)"', changes))
    removed = set(re.findall(r'data-change="removed" data-rule="([^"]+)"', changes))
    assert (added, removed) == (draft_rules - current_rules, current_rules - draft_rules)


def test_it_shows_each_safety_property_for_the_case(client, editor, draft):
    client.force_login(editor)

    html = client.get(try_url(draft), query({**CASE, "nsaid_tolerance": "intolerant"})).content.decode()

    assert '<li class="property-fails"><code>aspirin-only-when-tolerated</code>' in html
    assert '<li class="property-holds"><code>epinephrine-when-anaphylaxis-is-a-risk</code>' in html


def test_bad_facts_are_named_and_nothing_is_evaluated(client, editor, draft):
    client.force_login(editor)

    html = client.get(try_url(draft), {"subtype": "XYZ"}).content.decode()

    assert 'id="error-summary"' in html
    assert 'href="#id_subtype">Subtype</a>' in html
    assert 'id="case-changes"' not in html


def test_a_tried_case_becomes_a_regression_case_in_one_step(client, editor, draft):
    client.force_login(editor)
    html = client.get(try_url(draft), query(CASE)).content.decode()
    case_json = re.search(r'name="case" value="([^"]+)"', html).group(1).replace("&quot;", '"')

    client.post(
        reverse("workbench:add_regression_case", args=[draft.pk]),
        {"case": case_json, "name": "Osteoporosis without fracture", "note": "Tried"},
    )

    kept = RegressionCase.objects.get(name="Osteoporosis without fracture")
    assert validate_case(kept.case) == validate_case(json.loads(case_json)) == validate_case(CASE)
    assert publishing.regression_changes(old=selectors.guidance_current(), new=draft)


def test_only_guidance_staff_may_try(client, make_user, clinician, draft):
    client.force_login(make_user("staff-only", staff=True))
    assert client.get(try_url(draft)).status_code == 403
    client.force_login(clinician)
    assert client.get(try_url(draft)).status_code == 302  # to the admin login
