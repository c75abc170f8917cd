"""The subtype check (WHO 2022): criteria as versioned data with their bibliographic record, a pure engine.

- record.py   a classification's criteria, diagnosis and subtype order, parsed and checked from data;
- engine.py   facts + record -> the answers the findings allow, exactly (unknown facts never guessed);
- check.py    the contract's `classification`, the findings panel's statuses and the `subtype-check` notice;
- proofs.py   the record's properties, proven over every case that can behave differently.

Records ship as data (guidance/data/classification-*.json). `RECORDS` names the ones this
product checks (WHO 2022 only: the ICC 2022 tables could not be verified).
"""

import functools
import json
from pathlib import Path

from .check import NOTICE_ID, Classification, classify
from .engine import Classifier
from .record import ClassificationRecord, RecordError, record_from_data

DATA = Path(__file__).resolve().parent.parent / "data"
RECORDS = {"WHO 2022": "classification-who-2022.json"}
CURRENT = "WHO 2022"

__all__ = [
    "CURRENT",
    "NOTICE_ID",
    "RECORDS",
    "Classification",
    "ClassificationRecord",
    "Classifier",
    "RecordError",
    "classification_record",
    "classifier_for",
    "classify",
    "classify_case",
    "possible_of",
]


@functools.cache
def classification_record(system=CURRENT):
    """The record of a classification system, read from its data file once per process."""
    return record_from_data(json.loads((DATA / RECORDS[system]).read_text()))


@functools.cache
def classifier_for(system=CURRENT):
    return Classifier(classification_record(system))


def possible_of(facts, system=CURRENT):
    """Only what the findings allow (the answers of `possible`), without the rest of the check."""
    classifier = classifier_for(system)
    return classifier.outcomes_of(classifier.possible_bits(classifier.state(facts)))


def classify_case(facts, system=CURRENT):
    """The subtype check of validated facts under the current record."""
    return classify(facts, classifier_for(system))


def classification_proofs(system=CURRENT):
    """Prove the record's properties (proofs.py): one Proof per property."""
    from .proofs import properties_from_data, prove_record

    classifier = classifier_for(system)
    return prove_record(classifier, properties_from_data(classifier.record.properties))
