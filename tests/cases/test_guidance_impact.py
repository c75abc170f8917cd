"""The impact of a guidance draft on every stored case: grouped, counted, resumable."""

import itertools
import random
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from cases import impact
from cases.models import Case, GuidanceImpact
from cases.services import case_evaluate
from guidance import publishing
from guidance.facts import SYMPTOMS
from guidance.lines import lines_compare
from guidance.models import Rule
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(published_version, editor):
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(condition='"fracture" in symptoms')
    Rule.objects.filter(version=draft, rule_id="venom-immunotherapy").update(summary="Venom immunotherapy, reworded")
    Rule.objects.filter(version=draft, rule_id="subtype-unknown").delete()
    return draft


@pytest.fixture
def seeded_cases(clinician):
    """Sixty cases over a spread of facts, some sharing a combination."""
    rng = random.Random(11)
    symptoms = list(SYMPTOMS)
    for _ in range(60):
        make_case(
            clinician,
            subtype=rng.choice(["ISM", "SSM", "ASM", "unknown"]),
            symptoms=sorted(rng.sample(symptoms, rng.randint(0, 3)), key=symptoms.index),
            antihistamine_response=rng.choice(["not_tried", "unresponsive"]),
            venom_allergy=rng.choice(["yes", "no", "unknown"]),
            hct_eligible=rng.choice(["yes", "unknown"]),
        )
    return Case.objects.count()


def brute_force(old, new):
    """Every case evaluated on its own under both versions, its lines compared as the re-evaluation page
    compares them: (cases changed, per-rule counts)."""
    changed, per_rule = 0, {}
    for case in Case.objects.all():
        compared = lines_compare(
            case_evaluate(facts=case.facts, version=old), case_evaluate(facts=case.facts, version=new)
        )
        kinds = dict(zip(("added", "removed", "changed"), compared.rules, strict=True))
        if compared.changes:
            changed += 1
        for kind, rules in kinds.items():
            for rule in rules:
                per_rule.setdefault(rule, {"added": 0, "removed": 0, "changed": 0})[kind] += 1
    return changed, per_rule


def test_the_counts_equal_a_brute_force_comparison_of_every_case(
    draft, published_version, seeded_cases, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = impact.impact_start(version=draft, user=editor)
    result.refresh_from_db()

    changed, per_rule = brute_force(published_version, draft)
    assert result.state == "done"
    assert result.cases_total == seeded_cases
    assert (result.cases_changed, result.per_rule) == (changed, per_rule)
    assert changed > 0
    assert set(per_rule) >= {"venom-immunotherapy", "calcium-and-vitamin-d"}
    assert sum(c["count"] for c in result.combinations) == changed


def test_each_combination_is_evaluated_once_not_each_case(
    draft, published_version, seeded_cases, editor, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    real = impact.impact_of_combination
    monkeypatch.setattr(impact, "impact_of_combination", lambda *a, **k: calls.append(a[1]) or real(*a, **k))

    with django_capture_on_commit_callbacks(execute=True):
        result = impact.impact_start(version=draft, user=editor)

    result.refresh_from_db()
    assert len(calls) == len(result.groups) < seeded_cases
    keys = [repr(values) for values in calls]
    assert len(keys) == len(set(keys))


def test_it_holds_no_case_data_beyond_fact_combinations(
    draft, seeded_cases, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = impact.impact_start(version=draft, user=editor)
    result.refresh_from_db()

    for combination in result.combinations:
        assert set(combination) == {"facts", "count", "added", "removed", "changed"}
        assert set(combination["facts"]) == set(result.facts_read)
    assert "label" not in result.facts_read and "notes" not in result.facts_read


def test_the_job_resumes_after_a_worker_stops_between_chunks(
    draft, published_version, seeded_cases, editor, monkeypatch
):
    # The worker "stops" after its first chunk: nothing queues the next one.
    monkeypatch.setattr(impact, "CHUNK_GROUPS", 7)
    enqueued = []
    monkeypatch.setattr(impact, "impact_chunk", SimpleNamespace(enqueue=enqueued.append))
    result = impact.impact_start(version=draft, user=editor)
    impact.impact_work(result.pk)  # the one chunk the worker did before it stopped
    result.refresh_from_db()
    assert (result.state, result.groups_done) == ("running", 7)
    monkeypatch.undo()

    for _ in itertools.count():  # a restarted worker: resume, chunk after chunk
        if not impact.impact_work(result.pk, chunk=7):
            break
    result.refresh_from_db()

    changed, per_rule = brute_force(published_version, draft)
    assert result.state == "done"
    assert (result.cases_changed, result.per_rule) == (changed, per_rule)


def test_a_chunk_that_fails_midway_leaves_no_partial_counts(draft, seeded_cases, editor, monkeypatch):
    enqueued = []
    monkeypatch.setattr(impact, "impact_chunk", SimpleNamespace(enqueue=enqueued.append))
    result = impact.impact_start(version=draft, user=editor)
    calls = []

    def crash_on_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the worker is killed in the middle of the chunk
        return ("x",), (), ()

    monkeypatch.setattr(impact, "impact_of_combination", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        impact.impact_work(result.pk)

    stored = GuidanceImpact.objects.get(pk=result.pk)
    assert (stored.groups_done, stored.cases_changed, stored.per_rule) == (0, 0, {})


# ---------------------------------------------------------------- the page


@pytest.fixture
def _no_two_factor_step(settings):
    settings.OTP_REQUIRED = False


def impact_url(version):
    from django.urls import reverse

    return reverse("workbench:impact", args=[version.pk])


@pytest.mark.usefixtures("_no_two_factor_step")
def test_an_editor_starts_the_comparison_and_reads_counts_without_case_data(
    client, editor, draft, seeded_cases, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    labels = list(Case.objects.values_list("label", flat=True))
    client.force_login(editor)
    assert "Not computed yet" in client.get(impact_url(draft)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(impact_url(draft)).status_code == 302
    with django_assert_max_num_queries(15):
        html = client.get(impact_url(draft)).content.decode()

    result = GuidanceImpact.objects.get(version=draft)
    assert f"<strong>{result.cases_changed} of {seeded_cases} stored cases</strong>" in html
    assert '<th scope="row"><code>venom-immunotherapy</code></th>' in html
    assert 'id="impact-combinations"' in html
    assert not any(label in html for label in labels)
    assert 'href="/cases/' not in html  # no link to a case


@pytest.mark.usefixtures("_no_two_factor_step")
def test_a_running_comparison_polls_and_a_stalled_one_can_be_resumed(client, editor, draft, seeded_cases, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(impact, "impact_chunk", SimpleNamespace(enqueue=lambda impact_id: None))
    result = impact.impact_start(version=draft, user=editor)
    GuidanceImpact.objects.filter(pk=result.pk).update(updated_at=timezone.now() - timezone.timedelta(minutes=5))
    client.force_login(editor)

    html = client.get(impact_url(draft), headers={"HX-Request": "true"}).content.decode()

    assert result.is_running and not result.is_failed
    assert 'hx-trigger="every 2s"' in html
    assert "Resume the comparison" in html


@pytest.mark.usefixtures("_no_two_factor_step")
def test_the_publish_screen_links_to_the_impact(client, editor, draft):
    from django.urls import reverse

    client.force_login(editor)
    html = client.get(reverse("workbench:publish", args=[draft.pk])).content.decode()

    assert f'hx-get="{impact_url(draft)}"' in html
    assert f'<a href="{impact_url(draft)}">' in html
    # What the impact compares, which is not what the case list's marking compares.
    compares = (
        f"The impact compares the published version with v{draft.number}, "
        "both evaluated on each stored case's current facts"
    )
    assert compares in html
    assert compares in client.get(impact_url(draft)).content.decode()


def test_a_clinician_cannot_reach_the_impact_page(client, clinician, draft):
    client.force_login(clinician)
    assert client.get(impact_url(draft)).status_code == 302  # to the admin login


@pytest.mark.usefixtures("_no_two_factor_step")
def test_a_draft_whose_rules_cannot_run_gets_a_failed_comparison_that_says_why(client, draft, editor):
    Rule.objects.filter(version=draft, rule_id="venom-immunotherapy").update(condition='subtype == "ISM" &&')

    result = impact.impact_start(version=draft, user=editor)

    assert result.state == "failed"
    assert result.is_failed and not result.is_running and not result.is_done
    assert "A rule cannot be used" in result.error
    client.force_login(editor)
    html = client.get(impact_url(draft)).content.decode()
    assert '<p class="errornote">The comparison failed: A rule cannot be used' in html


@pytest.mark.usefixtures("_no_two_factor_step")
def test_the_impact_page_words_facts_as_clinicians_do_heads_once_and_leads_back(
    client, editor, draft, seeded_cases, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(impact_url(draft))
    html = client.get(impact_url(draft)).content.decode()

    facts = re.findall(r"<tr>\s*<td>(?:\d+|fewer than 5)</td>\s*<td>(.*?)</td>", html, re.S)
    assert facts
    for shown in facts:
        assert "_" not in shown and "False" not in shown and "True" not in shown, shown
    assert any("Antihistamines: not tried" in shown for shown in facts)
    assert any("Venom allergy: unknown" in shown for shown in facts)
    headings = re.findall(r"<h[12][^>]*>(.*?)</h[12]>", html, re.S)
    assert [h for h in headings if "stored cases" in h] == [f"Impact of guidance v{draft.number} on the stored cases"]
    publish = reverse("workbench:publish", args=[draft.pk])
    assert f'<a href="{publish}">Back to Review and publish v{draft.number}</a>' in html


@pytest.mark.usefixtures("_no_two_factor_step")
def test_counts_under_five_read_fewer_than_five(client, editor, draft, clinician, django_capture_on_commit_callbacks):
    """A rare combination of facts with its exact count can point to a patient (issue 24)."""
    make_case(clinician, subtype="ISM", symptoms=["osteoporosis"], venom_allergy="yes")  # the only one like it
    for _ in range(6):
        make_case(clinician, subtype="SSM", symptoms=["osteoporosis"])
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(impact_url(draft))
    html = client.get(impact_url(draft)).content.decode()

    rows = re.findall(r"<tr>\s*<td>([^<]*)</td>", html.split('id="impact-combinations"')[1])
    assert sorted(rows) == ["6", "fewer than 5"]
    per_rule = html.split('id="impact-per-rule"')[1].split("</table>")[0]
    assert "<td>7</td>" in per_rule  # calcium-and-vitamin-d removed for all seven
    assert "<td>1</td>" not in per_rule
