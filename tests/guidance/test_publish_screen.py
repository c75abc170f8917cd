"""The publish screen proves the safety properties, shows a counterexample, and keeps it as a regression case."""

import json
import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from guidance import publishing
from guidance.facts import validate_case
from guidance.models import RegressionCase, Rule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_two_factor_step(settings):
    settings.OTP_REQUIRED = False  # the admin's two-factor step has its own tests


@pytest.fixture
def broken_draft(published_version, editor):
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    rule = Rule.objects.get(version=draft, rule_id="omalizumab-for-recurrent-anaphylaxis")
    rule.condition = '"recurrent_anaphylaxis" in symptoms'  # offered again after it failed (v1's rule)
    rule.save()
    return draft


def publish_url(draft):
    return reverse("workbench:publish", args=[draft.pk])


def test_it_shows_every_proof_and_the_counterexample_with_the_rules_that_fired(client, editor, broken_draft):
    client.force_login(editor)
    html = client.get(publish_url(broken_draft)).content.decode()

    assert html.count('class="proof holds"') == 11
    assert 'class="proof fails" data-property="failed-is-not-started-again"' in html
    assert "omalizumab-for-recurrent-anaphylaxis</code>" in html
    assert "&quot;omalizumab_response&quot;: &quot;unresponsive&quot;" in html  # the case, as JSON in the form
    assert "Add this case to the regression cases" in html


def test_publishing_is_refused_while_a_property_fails(client, editor, broken_draft):
    client.force_login(editor)
    response = client.post(publish_url(broken_draft), {"change_note": "Try", "confirm_changes": "on"})

    assert response.status_code == 200
    assert "A safety property fails" in response.content.decode()
    broken_draft.refresh_from_db()
    assert broken_draft.is_draft


def test_the_counterexample_becomes_a_regression_case_in_one_step(client, editor, broken_draft):
    client.force_login(editor)
    proof = next(p for p in publishing.guidance_prove(version=broken_draft) if not p.holds)
    before = RegressionCase.objects.count()

    response = client.post(
        reverse("workbench:add_regression_case", args=[broken_draft.pk]),
        {"case": proof.counterexample_json, "name": f"Counterexample to {proof.property_id}", "note": "found"},
    )

    assert response.status_code == 302 and response.url == publish_url(broken_draft)
    added = RegressionCase.objects.latest("pk")
    assert RegressionCase.objects.count() == before + 1
    assert added.facts == validate_case(proof.counterexample)
    assert added.added_by == editor
    assert AuditEvent.objects.filter(action="regression_case_added", object_id=str(added.pk)).exists()
    # Now the draft changes a regression case's lines, so it would also need confirming.
    assert added.name in {
        change.name for change in publishing.regression_changes(old=broken_draft.based_on, new=broken_draft)
    }


def test_a_bad_case_is_not_added_and_says_why(client, editor, broken_draft):
    client.force_login(editor)
    before = RegressionCase.objects.count()
    response = client.post(
        reverse("workbench:add_regression_case", args=[broken_draft.pk]),
        {"case": json.dumps({"subtype": "XYZ"}), "name": "bad"},
        follow=True,
    )
    assert RegressionCase.objects.count() == before
    assert "The case was not added" in response.content.decode()
    assert "subtype" in response.content.decode()


def test_only_editors_who_may_add_regression_cases_can(client, make_user, broken_draft):
    staff = make_user(
        "staff-viewer", staff=True, perms=["guidance.view_guidanceversion", "guidance.change_guidanceversion"]
    )
    client.force_login(staff)
    response = client.post(
        reverse("workbench:add_regression_case", args=[broken_draft.pk]),
        {"case": json.dumps({"subtype": "ISM"}), "name": "x"},
    )
    assert response.status_code == 403


# ---------------------------------------------------------------- the proof budget (issue 24)


def test_the_screen_shows_what_the_proofs_took_against_the_budget(client, editor, broken_draft, settings):
    settings.PROOF_BUDGET_SECONDS = 15.0  # as mastoweb.settings has it (the suite's own is longer)
    client.force_login(editor)
    html = client.get(publish_url(broken_draft)).content.decode()
    total = sum(proof.cases for proof in publishing.guidance_prove(version=broken_draft))
    assert (
        f"The proofs of a version may try {settings.PROOF_BUDGET_CASES} cases in 15 seconds; these tried {total} in"
        in html
    )


def test_proofs_past_the_case_budget_are_refused_cleanly_before_any_is_tried(client, editor, broken_draft, settings):
    settings.PROOF_BUDGET_CASES = 100
    client.force_login(editor)
    page = client.get(publish_url(broken_draft))
    assert page.status_code == 200
    assert "more than the 100 a version may take" in page.content.decode()

    response = client.post(publish_url(broken_draft), {"change_note": "Try", "confirm_changes": "on"})
    assert response.status_code == 200
    assert "The safety properties cannot be proven" in response.content.decode()
    broken_draft.refresh_from_db()
    assert broken_draft.is_draft


def test_proofs_past_the_time_budget_stop_and_say_so(editor, broken_draft, settings):
    """The probe's property of 1,245,132 cases made the publish page a 500 after 30 s."""
    assert max(proof.cases for proof in publishing.guidance_prove(version=broken_draft)) >= 100
    settings.PROOF_BUDGET_SECONDS = 0
    with pytest.raises(publishing.ProofBudgetError, match="longer than the 0 seconds"):
        publishing.guidance_prove(version=broken_draft)


def test_a_failing_property_is_said_at_the_top_and_submit_is_disabled(client, editor, broken_draft):
    client.force_login(editor)
    html = client.get(publish_url(broken_draft)).content.decode()

    top = html.index('id="proofs-failing"')
    assert top < html.index('id="review"') < html.index('id="safety-properties"')
    assert "<code>failed-is-not-started-again</code>" in html[top : html.index('id="review"')]
    submit = re.search(r'<input type="submit" class="default" value="Submit v\d+ for review"[^>]*>', html)[0]
    assert 'disabled aria-describedby="proofs-failing"' in submit


def test_the_counterexample_is_in_a_clinicians_words_not_a_python_dict(client, editor, broken_draft):
    client.force_login(editor)
    html = client.get(publish_url(broken_draft)).content.decode()

    shown = re.search(r'<p class="counterexample-facts">(.*?)</p>', html)[1]
    assert "Omalizumab: unresponsive" in shown
    assert "Venom allergy: unknown" in shown
    assert "{" not in shown and "&#x27;" not in shown and "_" not in shown


def test_saving_the_rule_that_breaks_a_property_says_which(client, editor, published_version):
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    rule = Rule.objects.get(version=draft, rule_id="omalizumab-for-recurrent-anaphylaxis")
    client.force_login(editor)
    url = reverse("workbench:condition_builder", args=[draft.pk, rule.pk])

    response = client.post(
        url, {"mode": "cel", "condition": '"recurrent_anaphylaxis" in symptoms', "save": "1"}, follow=True
    )

    said = [str(message) for message in response.context["messages"]]
    assert len(said) == 1
    assert said[0].startswith("Saved the condition of omalizumab-for-recurrent-anaphylaxis. ")
    assert "breaks a safety property: failed-is-not-started-again (" in said[0]
    assert "Omalizumab: unresponsive" in said[0]
