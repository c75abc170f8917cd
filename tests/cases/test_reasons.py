"""A line's reason reads in the form's words, the same on every page that shows it."""

import pytest
from django.urls import reverse

from cases import snapshot
from cases.display import reason_in_words
from cases.models import Assessment
from cases.services import case_evaluate
from guidance.facts import facts_to_json
from guidance.models import GuidanceVersion

from .factories import form_data, make_case

pytestmark = pytest.mark.django_db


def test_it_uses_the_forms_labels_and_the_choices_words():
    facts = {"antihistamine_response": "unresponsive", "antileukotriene_response": "not_tried"}
    reason = "antihistamine_response = unresponsive; antileukotriene_response = not_tried"
    assert reason_in_words(facts, reason) == "Antihistamines: unresponsive · Antileukotrienes: not tried"


@pytest.mark.parametrize(
    ("venom_allergy", "reason"),
    [
        ("yes", "flushing, recurrent anaphylaxis present; venom_allergy = yes"),  # guidance v3 on
        (True, "flushing, recurrent anaphylaxis present; venom_allergy = true"),  # a v2 line: the tick box
    ],
)
def test_it_names_only_the_symptoms_the_rule_named(venom_allergy, reason):
    facts = {"symptoms": ["flushing", "diarrhea", "recurrent_anaphylaxis"], "venom_allergy": venom_allergy}
    assert reason_in_words(facts, reason) == "Symptoms: flushing, recurrent anaphylaxis · Venom allergy: yes"


def test_a_line_assessed_under_version_2_reads_its_tick_box_as_yes(client, clinician, published_version):
    # Version 2 read venom allergy as a tick box: its lines stored true, and their page still says "yes".
    case = make_case(clinician, subtype="ISM", venom_allergy="yes")
    version_two = GuidanceVersion.objects.get(guideline=published_version.guideline, number=2)
    lines = case_evaluate(facts=case.facts, version=version_two)
    assert [(line.rule, line.facts) for line in lines] == [("venom-immunotherapy", {"venom_allergy": True})]
    old = Assessment.objects.create(
        case=case,
        guidance_version=version_two,
        facts=facts_to_json(case.facts),
        recommendations=snapshot.to_dict(lines),
        created_by=clinician,
    )
    client.force_login(clinician)
    response = client.get(reverse("cases:assessment", args=[case.pk, old.pk]))
    assert response.status_code == 200
    assert "Venom allergy: yes" in response.content.decode()


def test_it_says_when_a_number_was_not_recorded_and_gives_its_unit():
    assert reason_in_words({"serum_tryptase_ng_ml": None}, "serum_tryptase_ng_ml not recorded") == (
        "Tryptase: not recorded"
    )
    assert reason_in_words({"age_years": 64, "subtype": "SSM"}, "subtype = SSM; age_years = 64") == (
        "Subtype: SSM · Age: 64 years"
    )


def test_it_keeps_the_stored_reason_when_the_stored_facts_cannot_say_it():
    # A reason naming symptoms the stored facts lack: the engine's words stand, never a guess.
    assert reason_in_words({"symptoms": ["flushing"]}, "pruritus present") == "pruritus present"
    assert reason_in_words({}, "any case") == "any case"


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
