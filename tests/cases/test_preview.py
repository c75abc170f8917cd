import pytest
from django.urls import reverse

from cases.models import Assessment, Case

from .factories import form_data, shown_recommendations

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_it_requires_login(client):
    response = client.post(reverse("cases:preview"), form_data(subtype="ISM"), headers=HTMX)
    assert response.status_code == 302


def test_it_accepts_only_post(client, clinician):
    client.force_login(clinician)
    assert client.get(reverse("cases:preview")).status_code == 405


def test_htmx_gets_only_the_preview_region(client, clinician, published_version, django_assert_max_num_queries):
    client.force_login(clinician)
    data = form_data(subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive")
    # Compiled rules of a published version are cached per process: warm that cache first, so the
    # count below does not depend on whether an earlier test evaluated a case.
    client.post(reverse("cases:preview"), data, headers=HTMX)
    with django_assert_max_num_queries(6):
        response = client.post(reverse("cases:preview"), data, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<form" not in html
    # Antihistamines failed: the next step is an antileukotriene (not H1 antihistamines again), and
    # aspirin only once NSAID tolerance is known.
    assert shown_recommendations(html) == [("flushing", "caution"), ("antileukotrienes", "consider")]
    # The sentence the aspirin caution quotes, in a new tab: the form being filled in stays.
    assert 'href="/guidance/v/3/#flushing--s1" target="_blank" rel="noopener"' in html


def test_the_partial_and_the_full_page_agree(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(
        subtype="SSM",
        symptoms=["recurrent_anaphylaxis", "heartburn", "osteoporosis", "fracture"],
        antihistamine_response="unresponsive",
        omalizumab_response="unresponsive",
        venom_allergy="yes",
    )
    partial = client.post(reverse("cases:preview"), data, headers=HTMX)
    page = client.post(reverse("cases:preview"), data)

    assert "<html" in page.content.decode()
    assert 'name="label"' in page.content.decode()  # the form comes back, filled in, to save
    assert "preview-errors" not in partial.content.decode()  # every fact was taken, venom allergy too
    assert len(shown_recommendations(partial.content)) >= 8
    assert ("venom-allergy", "recommend") in shown_recommendations(partial.content)
    assert "Check before acting:</span> the fracture is osteoporosis-related" in partial.content.decode()
    assert shown_recommendations(page.content) == shown_recommendations(partial.content)


def test_it_groups_safety_first(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(subtype="MCL", symptoms=["recurrent_anaphylaxis", "flushing"])
    html = client.post(reverse("cases:preview"), data, headers=HTMX).content.decode()
    order = [html.index(f"group-{key}") for key in ("safety", "symptom", "info")]
    assert order == sorted(order)
    kinds = [kind for _, kind in shown_recommendations(html)]
    assert kinds[0] == "caution"
    assert kinds[-1] == "info"
    safety = html[html.index("group-safety") : html.index("group-symptom")]
    assert 'data-rule="carry-epinephrine"' in safety


def test_invalid_input_shows_the_field_errors_not_a_failure(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(subtype="ISM", serum_tryptase_ng_ml="-5", age_years="130")
    response = client.post(reverse("cases:preview"), data, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert shown_recommendations(html) == []
    assert 'href="#id_serum_tryptase_ng_ml"' in html
    assert 'href="#id_age_years"' in html
    assert "out of range" in html


def test_a_missing_label_does_not_stop_the_preview(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(label="", subtype="SM-AHN")
    html = client.post(reverse("cases:preview"), data, headers=HTMX).content.decode()
    assert shown_recommendations(html) == [("sm-ahn", "recommend"), ("sm-ahn", "consider"), ("aggressive-sm", "info")]


def test_it_says_plainly_when_nothing_applies(client, clinician, published_version):
    client.force_login(clinician)
    html = client.post(reverse("cases:preview"), form_data(subtype="ISM"), headers=HTMX).content.decode()
    assert shown_recommendations(html) == []
    assert "Nothing in guidance version 3 applies to this case" in html


def test_it_saves_nothing(client, clinician, published_version):
    client.force_login(clinician)
    client.post(reverse("cases:preview"), form_data(subtype="ASM"), headers=HTMX)
    client.post(reverse("cases:preview"), form_data(subtype="ASM"))
    assert not Case.objects.exists()
    assert not Assessment.objects.exists()


def test_a_bad_optional_field_leaves_the_cautions_in_view_and_is_named(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(subtype="SSM", symptoms=["recurrent_anaphylaxis", "flushing"], age_years="500")
    html = client.post(reverse("cases:preview"), data, headers=HTMX).content.decode()
    shown = shown_recommendations(html)
    assert ("recurrent-anaphylaxis", "caution") in shown
    assert 'data-rule="carry-epinephrine"' in html
    assert "left out until they are corrected" in html
    assert 'href="#id_age_years">Age</a>: 500 years is out of range' in html
    # The same facts with the age left out give the same lines: the bad age changed nothing else.
    good = client.post(reverse("cases:preview"), {**data, "age_years": ""}, headers=HTMX).content.decode()
    assert shown_recommendations(good) == shown


def test_only_the_subtype_holds_the_preview_back_and_it_says_so(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(symptoms=["flushing"], serum_tryptase_ng_ml="-5")
    html = client.post(reverse("cases:preview"), data, headers=HTMX).content.decode()
    assert shown_recommendations(html) == []
    assert "the guidance needs the subtype" in html
    assert 'href="#id_subtype">Subtype</a>: Choose a subtype.' in html
    assert 'href="#id_serum_tryptase_ng_ml">Baseline serum tryptase</a>: -5 ng/mL is out of range' in html


def test_a_number_that_is_not_a_number_is_named_and_left_out(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(subtype="ISM", symptoms=["flushing"], serum_tryptase_ng_ml="lots")
    html = client.post(reverse("cases:preview"), data, headers=HTMX).content.decode()
    assert ("antihistamines", "recommend") in shown_recommendations(html)
    assert (
        "Baseline serum tryptase</a>: \u201clots\u201d is not a number; "
        "enter a number in ng/mL (0 to 100000), such as 45.5." in html
    )


def test_a_paragraph_without_a_title_is_named_by_its_section_not_its_anchor(client, clinician, published_version):
    client.force_login(clinician)
    html = client.post(reverse("cases:preview"), form_data(subtype="unknown"), headers=HTMX).content.decode()
    assert 'data-rule="subtype-unknown"' in html
    assert "Source: Overview, guidance version 3" in html
    assert "Source: overview," not in html
