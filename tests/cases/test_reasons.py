"""A line's reason reads in the form's words, the same on every page that shows it."""

import pytest
from django.urls import reverse

from cases.display import reason_in_words

from .factories import form_data, make_case

pytestmark = pytest.mark.django_db


def test_it_uses_the_forms_labels_and_the_choices_words():
    facts = {"antihistamine_response": "unresponsive", "antileukotriene_response": "not_tried"}
    reason = "antihistamine_response = unresponsive; antileukotriene_response = not_tried"
    assert reason_in_words(facts, reason) == "Antihistamines: unresponsive · Antileukotrienes: not tried"


def test_it_names_only_the_symptoms_the_rule_named():
    facts = {"symptoms": ["flushing", "diarrhea", "recurrent_anaphylaxis"], "venom_allergy": True}
    reason = "flushing, recurrent anaphylaxis present; venom_allergy = true"
    assert reason_in_words(facts, reason) == "Symptoms: flushing, recurrent anaphylaxis · Venom allergy: yes"


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
