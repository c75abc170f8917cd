"""The system check keeps the Case columns and the case vocabulary in step."""

import dataclasses

import pytest

from guidance import facts as vocabulary
from mastoweb.checks import check_case_columns_match_the_vocabulary, check_the_case_form_asks_every_fact


def test_the_model_and_the_vocabulary_agree_today():
    assert check_case_columns_match_the_vocabulary() == []


BURDEN = vocabulary.Fact(
    name="mast_cell_burden",
    label="Mast cell burden",
    kind="enum",
    choices={"low": "Low", "high": "High"},
    default="low",
    group=vocabulary.Group.LABS,
)


@pytest.fixture
def facts(monkeypatch):
    changed = dict(vocabulary.FACTS)
    monkeypatch.setattr(vocabulary, "FACTS", changed)
    return changed


def test_it_names_each_disagreement_once(facts):
    facts["age_years"] = dataclasses.replace(facts["age_years"], default=30)
    messages = [error.msg for error in check_case_columns_match_the_vocabulary()]
    assert messages == [
        "Case.age_years: its default none differs from the vocabulary's 30.",
        "Case.age_years: it must be nullable exactly when the fact may be left out with no default.",
        "Case.age_years: no check constraint keeps it within 0..120.",
    ]


def test_it_catches_a_fact_missing_from_the_model(facts):
    facts["mast_cell_burden"] = BURDEN
    [error] = check_case_columns_match_the_vocabulary()
    assert error.id == "mastoweb.E001"
    assert "'mast_cell_burden' has no column" in error.msg


@pytest.mark.parametrize(
    ("name", "change", "words"),
    [
        ("nsaid_tolerance", {"default": "tolerant"}, "default"),
        ("kit_d816v", {"choices": {"positive": "Positive", "negative": "Negative"}}, "choices"),
        ("age_years", {"maximum": 150}, "within 0..150"),
        ("serum_tryptase_ng_ml", {"default": 0.0}, "nullable"),
        ("serum_tryptase_ng_ml", {"kind": "integer"}, "SmallIntegerField"),
        ("hct_eligible", {"choices": {"yes": "Eligible", "no": "Not eligible"}}, "no check constraint keeps it to"),
        ("venom_allergy", {"label": "Insect venom allergy"}, "verbose_name"),
        ("symptoms", {"help": "Tick what applies."}, "help_text"),
    ],
)
def test_it_catches_a_column_that_disagrees(facts, name, change, words):
    facts[name] = dataclasses.replace(facts[name], **change)
    messages = [error.msg for error in check_case_columns_match_the_vocabulary()]
    assert any(name in message and words in message for message in messages), messages


def test_the_case_form_asks_every_fact_today():
    assert check_the_case_form_asks_every_fact() == []


def test_it_catches_a_fact_the_form_would_silently_default(facts):
    # The trap: a fact with no form field is posted as missing and saved as its default.
    facts["mast_cell_burden"] = BURDEN
    [error] = check_the_case_form_asks_every_fact()
    assert error.id == "mastoweb.E002" and "'mast_cell_burden' has no field" in error.msg


def test_it_catches_a_fact_missing_from_the_forms_layout(monkeypatch):
    from crispy_forms.layout import Layout

    from cases.forms import CaseForm

    original = CaseForm.__init__

    def without_venom(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.helper.layout = Layout(*(name for name in self.fields if name != "venom_allergy"))

    monkeypatch.setattr(CaseForm, "__init__", without_venom)
    [error] = check_the_case_form_asks_every_fact()
    assert "'venom_allergy' is not in the form's layout" in error.msg
