"""The system check keeps the Case columns and the case vocabulary in step."""

import dataclasses

import pytest

from guidance import facts as vocabulary
from mastoweb.checks import check_case_columns_match_the_vocabulary


def test_the_model_and_the_vocabulary_agree_today():
    assert check_case_columns_match_the_vocabulary() == []


@pytest.fixture
def facts(monkeypatch):
    changed = dict(vocabulary.FACTS)
    monkeypatch.setattr(vocabulary, "FACTS", changed)
    return changed


def test_it_catches_a_fact_missing_from_the_model(facts):
    facts["mast_cell_burden"] = vocabulary.Fact("mast_cell_burden", "Mast cell burden", "enum", {"low": "Low"}, "low")
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
    ],
)
def test_it_catches_a_column_that_disagrees(facts, name, change, words):
    facts[name] = dataclasses.replace(facts[name], **change)
    messages = [error.msg for error in check_case_columns_match_the_vocabulary()]
    assert any(name in message and words in message for message in messages), messages
