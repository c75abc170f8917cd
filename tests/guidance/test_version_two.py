"""Version 2 is published by load_guidance through the editor's steps; version 1 answers as before."""

import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Assessment, Case
from cases.selectors import marks_annotate
from cases.signals import check_cases_after_migrate
from guidance.loading import SOURCE_FILE, SYSTEM_ACTOR, guidance_loaded, parse_source
from guidance.models import GuidanceVersion, Paragraph, Rule
from guidance.quotes import normalise
from guidance.selectors import guidance_current

GOLDEN = json.loads((Path(__file__).resolve().parent.parent / "data" / "guidance-v1-outputs.json").read_text())
pytestmark = pytest.mark.django_db


@pytest.fixture
def version_two(db):
    """Guidance version 2, published by load_guidance and retired since by version 3 (load_guidance too)."""
    from guidance.selectors import guidance_version_by_number

    return guidance_version_by_number(number=2)


def test_version_one_is_retired_and_version_two_published_from_it(published_version, version_two, version_one):
    assert (version_one.status, version_two.status) == ("retired", "retired")
    assert version_two.based_on_id == version_one.pk
    assert version_one.retired_at == version_two.published_at
    assert version_two.published_by is None  # the system published it
    assert "antileukotrienes" in version_two.change_note
    # Version 3 retired it in its turn.
    assert (published_version.number, published_version.based_on_id) == (3, version_two.pk)
    assert version_two.retired_at == published_version.published_at


def test_the_publish_is_in_the_audit_trail_and_the_version_history_by_the_system(version_two):
    published_version = version_two
    events = AuditEvent.objects.filter(object_type="guidance.guidanceversion", object_id=str(published_version.pk))
    assert sorted(events.values_list("action", flat=True)) == ["guidance_draft_created", "guidance_published"]
    assert set(events.values_list("actor_username", flat=True)) == {SYSTEM_ACTOR}
    assert set(events.values_list("actor", flat=True)) == {None}
    rule_history = Rule.history.filter(version_id=published_version.pk)
    assert rule_history.count() == published_version.rules.count() == 27
    assert set(rule_history.values_list("history_change_reason", flat=True)) == {"guidance v2 (system)"}
    version_history = GuidanceVersion.history.filter(id=published_version.pk).order_by("history_id")
    # Published by the system; retired since, when load_guidance published version 3.
    assert [record.status for record in version_history] == ["draft", "published", "retired"]


def test_the_paragraph_texts_do_not_change(published_version, version_one):
    old = {p.slug: normalise(p.text) for p in version_one.paragraphs.all()}
    new = {p.slug: normalise(p.text) for p in published_version.paragraphs.all()}
    overview = next(s for s in parse_source(SOURCE_FILE.read_text()).sections if s.slug == "overview")
    # The overview sentence became the overview section's lead paragraph, word for word.
    assert new.pop("overview") == normalise(overview.text)
    assert new == old
    lead = Paragraph.objects.get(version=published_version, slug="overview")
    assert lead.is_lead and lead.section.text == ""


@pytest.mark.parametrize("item", GOLDEN["cases"], ids=[item["name"] for item in GOLDEN["cases"]])
def test_version_one_answers_exactly_as_before(version_one, item, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(item["case"]))
    out = io.StringIO()
    call_command("evaluate_case", str(path), "--guidance-version", "1", stdout=out)
    output = json.loads(out.getvalue())
    # The subtype check (WHO 2022) runs on every evaluation and adds its own keys; the rest is as it was.
    assert output.pop("classification")["system"] == "WHO 2022"
    assert isinstance(output.pop("notices"), list)
    assert output == item["output"]


def test_neither_version_invents_a_bibliographic_record(client, clinician, published_version, version_one):
    for version in (published_version, version_one):
        assert not version.has_bibliographic_record
    client.force_login(clinician)
    html = client.get(reverse("guidance:current")).content.decode()
    assert "Source: Source guidance: management of systemic mastocytosis; bibliographic record not supplied" in html
    assert "published in Mastoweb on" in html  # never mistaken for the source's own date


def after_load():
    """load_guidance, having published v2 and v3, has the cases waiting compared with v3 (guidance_loaded)."""
    guidance_loaded.send(sender=GuidanceVersion, version=guidance_current())


def after_migrate():
    """Any migrate carries on a comparison left unfinished (cases.signals)."""
    check_cases_after_migrate(apps.get_app_config("cases"), plan=[(("cases", "0017_case_notes_length_cap"), False)])


@pytest.mark.parametrize("trigger", [after_load, after_migrate])
def test_cases_assessed_under_version_one_learn_that_version_two_would_change_them(
    clinician, version_one, django_capture_on_commit_callbacks, trigger
):
    case = Case.objects.create(label="Old", subtype="SSM", symptoms=["recurrent_anaphylaxis"], created_by=clinician)
    golden = next(item for item in GOLDEN["cases"] if item["name"].startswith("05-"))
    Assessment.objects.create(
        case=case,
        guidance_version=version_one,
        facts=golden["case"] | {"symptoms": ["recurrent_anaphylaxis"]},
        recommendations=[],  # what v1 showed is not what the current version (3) shows, whatever it was
        created_by=clinician,
    )
    Case.objects.filter(pk=case.pk).update(assessed_version=1)

    with django_capture_on_commit_callbacks(execute=True):  # queued for the workers once it commits
        trigger()

    case = marks_annotate(Case.objects.filter(pk=case.pk)).get()
    assert (case.checked_version, case.would_change) == (3, True)
