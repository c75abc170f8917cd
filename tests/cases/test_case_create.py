import pytest
from django.urls import reverse

from cases.models import Assessment, Case
from guidance.kinds import Kind

from .factories import form_data, input_tag, shown_recommendations

pytestmark = pytest.mark.django_db


def test_it_requires_login(client):
    response = client.get(reverse("cases:create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_form_in_clinical_sections(client, clinician, published_version, django_assert_max_num_queries):
    client.force_login(clinician)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("cases:create"))
    html = response.content.decode()
    legends = [
        "Diagnosis and subtype",
        "Symptoms",
        "Treatment history and responses",
        "Safety",
        "Labs and genetics",
        "Transplant",
    ]
    positions = [html.index(f">{legend}<") for legend in legends]
    assert positions == sorted(positions)
    for name in ["label", "subtype", "symptoms", "antihistamine_response", "nsaid_tolerance", "venom_allergy"]:
        assert f'name="{name}"' in html
    assert "ng/mL" in html
    assert "record number" in html  # the label's help says what it must never be


def test_it_saves_a_case_with_its_first_assessment(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(
        label="Clinic 7",
        subtype="ISM",
        symptoms=["flushing", "pruritus"],
        serum_tryptase_ng_ml="24.5",
        age_years="51",
        notes="Seen twice.",
    )
    response = client.post(reverse("cases:create"), data)

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert (case.created_by, case.label, case.subtype, case.symptoms) == (
        clinician,
        "Clinic 7",
        "ISM",
        ["flushing", "pruritus"],
    )
    assert (case.serum_tryptase_ng_ml, case.age_years, case.notes) == (24.5, 51, "Seen twice.")
    assessment = Assessment.objects.get(case=case)
    assert assessment.guidance_version == published_version
    assert assessment.created_by == clinician
    assert assessment.facts["symptoms"] == ["flushing", "pruritus"]
    assert assessment.facts["serum_tryptase_ng_ml"] == 24.5
    assert assessment.recommendations["format"] == 4
    rules = [line.rule for line in assessment.lines]
    assert "h1-for-cutaneous-symptoms" in rules
    h1 = next(line for line in assessment.lines if line.rule == "h1-for-cutaneous-symptoms")
    assert h1.paragraph == "antihistamines"
    assert h1.kind == Kind.RECOMMEND
    assert h1.reason == "flushing, pruritus present; antihistamine_response = not_tried"
    assert h1.paragraph_text.startswith("Initial pharmacologic treatment includes")
    assert h1.quote == "H1 antihistamines are administered to prevent flushing and itching."
    assert h1.confirm == ()
    assert h1.because == (("symptoms", ("flushing", "pruritus")), ("antihistamine_response", "not_tried"))


def test_its_case_ids_are_not_sequential(client, clinician, published_version):
    client.force_login(clinician)
    client.post(reverse("cases:create"), form_data(subtype="ISM"))
    case = Case.objects.get()
    assert len(str(case.pk)) == 36
    assert str(case.pk) in case.get_absolute_url()


def test_it_keeps_everything_typed_when_a_fact_is_refused(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(
        label="Clinic 8",
        subtype="SSM",
        symptoms=["diarrhea", "fracture"],
        venom_allergy="yes",
        nsaid_tolerance="tolerant",
        serum_tryptase_ng_ml="-5",
        age_years="44",
        notes="Keep this note.",
    )
    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 200
    assert not Case.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == ["serum_tryptase_ng_ml"]
    assert "out of range" in form.errors["serum_tryptase_ng_ml"][0]
    html = response.content.decode()
    # The message sits beside its field, and the field is marked invalid.
    field_at = html.index('id="id_serum_tryptase_ng_ml"')
    assert "is-invalid" in html[html.rindex("<input", 0, field_at) : field_at + 200]
    assert html.index("out of range", field_at) - field_at < 800
    assert 'value="Clinic 8"' in html
    assert 'value="44"' in html
    assert 'value="-5"' in html
    assert "Keep this note." in html
    assert " checked" in input_tag(html, "symptoms", "diarrhea")
    assert " checked" in input_tag(html, "symptoms", "fracture")
    assert " checked" not in input_tag(html, "symptoms", "flushing")
    assert " checked" in input_tag(html, "venom_allergy", "yes")
    assert " checked" in input_tag(html, "nsaid_tolerance", "tolerant")
    assert '<option value="SSM" selected>' in html


def test_it_requires_a_label_and_a_subtype(client, clinician, published_version):
    client.force_login(clinician)
    response = client.post(reverse("cases:create"), form_data(label="", subtype=""))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"label", "subtype"}
    assert not Case.objects.exists()


def test_it_refuses_an_unknown_symptom_by_name(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(subtype="ISM")
    data["symptoms"] = ["flushing", "sneezing"]
    response = client.post(reverse("cases:create"), data)
    assert list(response.context["form"].errors) == ["symptoms"]
    assert not Case.objects.exists()


def test_it_ignores_posted_owner_and_lock_fields(client, clinician, outsider, published_version):
    client.force_login(clinician)
    data = form_data(subtype="MCL")
    data.update(created_by=outsider.pk, lock_version=99, id="00000000-0000-0000-0000-000000000001")
    client.post(reverse("cases:create"), data)
    case = Case.objects.get()
    assert case.created_by == clinician
    assert case.lock_version == 0
    assert str(case.pk) != data["id"]


def test_the_saved_page_shows_what_the_preview_showed(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(subtype="ASM", symptoms=["ascites"], hct_eligible="yes")
    preview = client.post(reverse("cases:preview"), data, headers={"HX-Request": "true"})
    saved = client.post(reverse("cases:create"), data, follow=True)
    assert shown_recommendations(saved.content)
    assert shown_recommendations(saved.content) == shown_recommendations(preview.content)


def test_it_shows_every_error_at_once_each_linked_to_its_field(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(label="", age_years="500", serum_tryptase_ng_ml="-5")
    data["nsaid_tolerance"] = "maybe"
    response = client.post(reverse("cases:create"), data)
    html = response.content.decode()
    summary = html[html.index('id="form-errors"') : html.index("</ul>", html.index('id="form-errors"'))]

    assert response.status_code == 200
    assert not Case.objects.exists()
    assert '<a class="alert-link" href="#id_age_years">Age</a>: 500 years is out of range' in summary
    assert '<a class="alert-link" href="#id_subtype">Subtype</a>: Choose a subtype.' in summary
    assert '<a class="alert-link" href="#id_label">Label</a>: Give the case a label' in summary
    assert '<a class="alert-link" href="#id_serum_tryptase_ng_ml">Baseline serum tryptase</a>: -5 ng/mL' in summary
    # A radio group links to its first box, which exists on the page: never to "#".
    assert 'href="#id_nsaid_tolerance_0">NSAID (aspirin) tolerance</a>:' in summary
    assert 'id="id_nsaid_tolerance_0"' in html
    assert 'href="#"' not in summary
    assert "This field is required" not in html


def test_a_tampered_symptom_is_named_with_a_link_to_the_checkboxes(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(subtype="ISM", symptoms=["sneezing"])
    html = client.post(reverse("cases:create"), data).content.decode()
    assert 'href="#id_symptoms_0">Symptoms and complications</a>:' in html
    assert not Case.objects.exists()


def test_notes_longer_than_the_cap_are_refused_with_a_sentence(client, clinician, published_version):
    """The probe saved 2.4 MB of notes (issue 24)."""
    client.force_login(clinician)
    response = client.post(reverse("cases:create"), form_data(label="Clinic 8", subtype="ISM", notes="x" * 10_001))
    assert response.status_code == 200
    assert "Ensure this value has at most 10000 characters (it has 10001)." in response.content.decode()
    assert not Case.objects.exists()
    response = client.post(reverse("cases:create"), form_data(label="Clinic 8", subtype="ISM", notes="x" * 10_000))
    assert response.status_code == 302


def test_a_number_field_is_a_text_box_the_server_reads(client, clinician, published_version):
    # <input type=number> lets the browser read what was typed its own way (Chromium: "45,5" -> 455,
    # "4e" -> blank); a text box sends what was typed, and the phone still shows its number keys.
    client.force_login(clinician)
    html = client.get(reverse("cases:create")).content.decode()

    assert 'type="number"' not in html
    assert 'inputmode="decimal"' in input_tag(html, "serum_tryptase_ng_ml")
    assert 'inputmode="numeric"' in input_tag(html, "age_years")


def test_a_decimal_comma_is_saved_as_a_decimal_point(client, clinician, published_version):
    client.force_login(clinician)
    client.post(reverse("cases:create"), form_data(label="Comma", subtype="ISM", serum_tryptase_ng_ml="45,5"))

    case = Case.objects.get()
    assert case.serum_tryptase_ng_ml == 45.5
    assert Assessment.objects.get().facts["serum_tryptase_ng_ml"] == 45.5


@pytest.mark.parametrize(
    ("field", "typed", "sentence"),
    [
        ("serum_tryptase_ng_ml", "4e", "&ldquo;4e&rdquo; is not a number; enter a number in ng/mL"),
        ("serum_tryptase_ng_ml", "--5", "&ldquo;--5&rdquo; is not a number; enter a number in ng/mL"),
        ("serum_tryptase_ng_ml", "1,000", "&ldquo;1,000&rdquo; is 1000 to some readers and 1 to others"),
        ("age_years", "45,5", "&ldquo;45,5&rdquo; is not a whole number; enter a whole number of years"),
    ],
)
def test_a_number_that_is_not_plain_is_refused_naming_the_field(
    client, clinician, published_version, field, typed, sentence
):
    client.force_login(clinician)
    response = client.post(reverse("cases:create"), form_data(label="Typo", subtype="ISM", **{field: typed}))

    html = response.content.decode().replace("\u201c", "&ldquo;").replace("\u201d", "&rdquo;")
    assert response.status_code == 200
    assert not Case.objects.exists()
    label = "Baseline serum tryptase" if field == "serum_tryptase_ng_ml" else "Age"
    assert f"{label}</a>: {sentence}" in html
    assert f'value="{typed}"' in input_tag(html, field)  # what was typed stays, to be corrected
