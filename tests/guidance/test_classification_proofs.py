"""The record's properties are proven, and a proof fails when the record or the engine breaks one."""

import io
import json

import pytest
from django.core.management import call_command

from guidance.classification import DATA, RECORDS, Classifier, classification_proofs
from guidance.classification.engine import EITHER, NOT_MET
from guidance.classification.proofs import properties_from_data, prove_record
from guidance.classification.record import record_from_data

# The record in use is the published one in the database (guidance.models.ClassificationVersion).
pytestmark = pytest.mark.django_db


def who_data():
    return json.loads((DATA / RECORDS["WHO 2022"]).read_text())


def test_every_property_of_the_who_record_holds():
    proofs = classification_proofs()

    assert [p.property_id for p in proofs] == [
        "c-finding-rules-out-ism-ssm-bmm",
        "sm-criteria-not-met-claims-no-subtype",
        "possible-never-empty",
        "unknown-never-narrows",
    ]
    assert all(p.holds for p in proofs), [p for p in proofs if not p.holds]
    assert proofs[0].cases > 300_000


def test_the_command_prints_one_line_per_property():
    out = io.StringIO()
    call_command("check_classification", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("WHO 2022 criteria, record v1 (Khoury JD")
    assert [line.split(":")[1].split("(")[0].strip() for line in lines[1:]] == ["holds"] * 4


def test_a_record_checking_smoldering_before_aggressive_fails_the_c_finding_property():
    data = who_data()
    subtypes = {s["subtype"]: s for s in data["subtypes"]}
    order = ["MCL", "SM-AHN", "SSM", "ASM", "BMM", "ISM"]
    data["subtypes"] = [subtypes[name] for name in order]
    classifier = Classifier(record_from_data(data))

    proofs = {p.property_id: p for p in prove_record(classifier, properties_from_data(data["properties"]))}

    assert not proofs["c-finding-rules-out-ism-ssm-bmm"].holds
    assert "not met" in proofs["c-finding-rules-out-ism-ssm-bmm"].counterexample
    assert proofs["possible-never-empty"].holds


def test_an_engine_that_reads_an_unknown_as_absent_fails_the_unknown_property(monkeypatch):
    data = who_data()
    classifier = Classifier(record_from_data(data))
    exact = classifier.possible_bits

    def guessing(state):
        codes, shared = state
        return exact((tuple(NOT_MET if code == EITHER else code for code in codes), shared))

    monkeypatch.setattr(classifier, "possible_bits", guessing)

    proofs = {p.property_id: p for p in prove_record(classifier, properties_from_data(data["properties"]))}

    assert not proofs["unknown-never-narrows"].holds


@pytest.mark.parametrize("kind", ["sometimes", ""])
def test_a_property_of_an_unknown_kind_is_refused(kind):
    with pytest.raises(ValueError, match="is not a kind of property"):
        properties_from_data([{"id": "x", "kind": kind, "statement": "s"}])
