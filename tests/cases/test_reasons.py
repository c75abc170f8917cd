"""A line's reason reads in the form's words, the same on every page that shows it.

It is worded from the engine's `because` ((fact, value) pairs), never from the engine's reason string: a line
stored with one (snapshot format 4) keeps it, an older line is given its version's (that version never changes).
"""

import random

import pytest
from django.urls import reverse

from cases import snapshot
from cases.display import reason_in_words
from cases.models import Assessment
from cases.services import case_evaluate
from guidance.facts import FACTS, facts_to_json, validate_case
from guidance.models import GuidanceVersion

from .factories import form_data, make_case

pytestmark = pytest.mark.django_db


def test_it_uses_the_forms_labels_and_the_choices_words():
    because = (("antihistamine_response", "unresponsive"), ("antileukotriene_response", "not_tried"))
    assert reason_in_words(because) == "Antihistamines: unresponsive · Antileukotrienes: not tried"


@pytest.mark.parametrize("venom_allergy", ["yes", True])  # guidance v3 on; a v2 line: the tick box
def test_it_names_the_symptoms_the_rule_tested_and_reads_a_tick_box_as_yes(venom_allergy):
    because = (("symptoms", ("flushing", "recurrent_anaphylaxis")), ("venom_allergy", venom_allergy))
    assert reason_in_words(because) == "Symptoms: flushing, recurrent anaphylaxis · Venom allergy: yes"


def test_it_says_the_facts_in_the_vocabularys_order_whatever_order_they_come_in():
    assert reason_in_words((("age_years", 64), ("subtype", "SSM"))) == "Subtype: SSM · Age: 64 years"


def test_it_says_when_a_number_was_not_recorded_and_gives_its_unit():
    assert reason_in_words((("serum_tryptase_ng_ml", None),)) == "Tryptase: not recorded"
    assert reason_in_words((("serum_tryptase_ng_ml", 45.5),)) == "Tryptase: 45.5 ng/mL"


def test_it_says_none_of_an_empty_list():
    assert reason_in_words((("symptoms", ()),)) == "Symptoms: none"


def test_it_cannot_say_a_fact_the_vocabulary_does_not_know():
    assert "pregnant" not in FACTS
    assert reason_in_words((("pregnant", "yes"), ("subtype", "ISM"))) is None


def _stored(lines, *, number=snapshot.FORMAT, **changed):
    """Lines as a snapshot of an older format (its fields only), each line's fields changed as given."""
    fields = {4: snapshot.FORMAT_4_FIELDS, 3: snapshot.FORMAT_3_FIELDS, 2: snapshot.FORMAT_2_FIELDS}[number]
    return {
        "format": number,
        "lines": [
            {**{name: value for name, value in line.items() if name in fields}, **changed}
            for line in snapshot.to_dict(lines)["lines"]
        ],
    }


def _assessment(case, version, recommendations, user):
    return Assessment.objects.create(
        case=case,
        guidance_version=version,
        facts=facts_to_json(case.facts),
        recommendations=recommendations,
        created_by=user,
    )


def _page(client, user, assessment):
    client.force_login(user)
    response = client.get(reverse("cases:assessment", args=[assessment.case_id, assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("number", [4, 3])
def test_a_line_whose_stored_reason_is_garbage_still_names_the_symptoms_its_rule_tested(
    client, clinician, published_version, number
):
    # The reason string is the engine's output for the contract; the page never reads it back.
    facts = {"subtype": "ISM", "symptoms": ["flushing", "diarrhea"], "antihistamine_response": "unresponsive"}
    case = make_case(clinician, **facts)
    lines = case_evaluate(facts=case.facts, version=published_version)
    aspirin = next(line for line in lines if line.rule == "aspirin-nsaid-tolerance-unknown")
    assert aspirin.facts["symptoms"] == ["flushing", "diarrhea"]  # the line stores every symptom of the case
    # Each reason names what another line tested, or nothing that reads.
    stored = _stored(lines, number=number, reason="diarrhea present; garbage = 1")
    html = _page(client, clinician, _assessment(case, published_version, stored, clinician))
    assert "Why:</span> Symptoms: flushing · Antihistamines: unresponsive · NSAIDs: unknown</p>" in html
    assert "Why:</span> Symptoms: flushing · Antihistamines: unresponsive · Antileukotrienes: not tried</p>" in html
    assert "Why:</span> Symptoms: diarrhea</p>" in html
    assert "garbage" not in html


@pytest.mark.parametrize("number", [3, 2])
def test_a_line_stored_before_format_4_is_given_its_versions_because(client, clinician, published_version, number):
    version = published_version if number == 3 else GuidanceVersion.objects.get(number=2)
    case = make_case(clinician, subtype="ISM", symptoms=["flushing", "diarrhea"], venom_allergy="yes")
    lines = case_evaluate(facts=case.facts, version=version)
    old = _assessment(case, version, _stored(lines, number=number), clinician)
    read = Assessment.objects.get(pk=old.pk).lines
    assert [line.because for line in read] == [line.because for line in lines]
    assert [line.reason_shown for line in read] == [line.reason_shown for line in lines]
    html = _page(client, clinician, old)
    assert "Venom allergy: yes" in html


def test_an_older_lines_because_is_what_the_engine_gave_for_any_case(clinician, published_version):
    # Derived from the version's rule and the stored facts, it equals the engine's own, under v2 and v3.
    rng = random.Random(20)
    versions = [published_version, GuidanceVersion.objects.get(number=2)]
    case = make_case(clinician, subtype="ISM")
    for _ in range(40):
        facts = validate_case(
            {
                "subtype": rng.choice(FACTS["subtype"].values),
                "symptoms": [item for item in FACTS["symptoms"].values if rng.random() < 0.3],
                **{
                    name: rng.choice(FACTS[name].values)
                    for name in ("antihistamine_response", "omalizumab_response", "nsaid_tolerance", "venom_allergy")
                },
                "serum_tryptase_ng_ml": rng.choice([None, 12.5, 250.0]),
            }
        )
        for version in versions:
            lines = case_evaluate(facts=facts, version=version)
            old = _assessment(case, version, _stored(lines, number=3), clinician)
            assert [line.because for line in old.lines] == [line.because for line in lines]


def test_a_line_whose_because_cannot_be_known_shows_its_stored_reason_as_it_is(client, clinician, published_version):
    # A stored line its version cannot explain (no rule of that id, or other facts than the rule shows).
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive")
    lines = case_evaluate(facts=case.facts, version=published_version)
    stored = _stored(lines, number=3, reason="flushing present; antihistamine_response = unresponsive")
    stored["lines"][0]["rule"] = "a-rule-no-version-has"
    stored["lines"][1]["facts"] = {"subtype": "ISM"}
    old = _assessment(case, published_version, stored, clinician)
    assert [line.because for line in old.lines[:2]] == [None, None]
    assert [line.reason_shown for line in old.lines[:2]] == [stored["lines"][0]["reason"]] * 2
    assert "Why:</span> flushing present; antihistamine_response = unresponsive</p>" in _page(client, clinician, old)


def test_a_line_assessed_under_version_2_reads_its_tick_box_as_yes(client, clinician, published_version):
    # Version 2 read venom allergy as a tick box: its lines stored true, and their page still says "yes".
    case = make_case(clinician, subtype="ISM", venom_allergy="yes")
    version_two = GuidanceVersion.objects.get(guideline=published_version.guideline, number=2)
    lines = case_evaluate(facts=case.facts, version=version_two)
    assert [(line.rule, line.facts) for line in lines] == [("venom-immunotherapy", {"venom_allergy": True})]
    old = _assessment(case, version_two, snapshot.to_dict(lines), clinician)
    assert "Venom allergy: yes" in _page(client, clinician, old)


def test_the_preview_the_page_and_the_reviewer_view_say_it_alike(client, clinician, reviewer, published_version):
    facts = {"subtype": "ISM", "symptoms": ["flushing"], "antihistamine_response": "unresponsive"}
    expected = "Symptoms: flushing · Antihistamines: unresponsive · NSAIDs: unknown"
    client.force_login(clinician)
    preview = client.post(reverse("cases:preview"), form_data(**facts), headers={"HX-Request": "true"})
    case = make_case(clinician, **facts)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    client.force_login(reviewer)
    review = client.get(reverse("cases:review_detail", args=[case.pk]))
    for response in (preview, page, review):
        html = response.content.decode()
        assert expected in html
        assert "antihistamine_response =" not in html
