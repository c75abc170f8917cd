"""The subtype check (WHO 2022): criteria as versioned data with their bibliographic record, a pure engine.

- record.py   a classification's criteria, diagnosis and subtype order, parsed and checked from data;
- engine.py   facts + record -> the answers the findings allow, exactly (unknown facts never guessed);
- check.py    the contract's `classification`, the findings panel's statuses and the `subtype-check` notice;
- proofs.py   the record's properties, proven over every case that can behave differently.

The record in use is the published version in the database (guidance.models.ClassificationVersion),
edited, proven and published by two editors (guidance.classification_publishing); version 1 is the
record shipped as data (guidance/data/classification-*.json), which a migration seeded. `RECORDS` names
the systems this product checks (WHO 2022 only: the ICC 2022 tables could not be verified) and their
shipped files. What is built from a record's data is kept by the data's fingerprint, so a record newly
published takes effect in every process at its next lookup (guidance.selectors.classification_published).
The pure path, for tests and proofs, takes data: `classifier_of_data`, `shipped_data`.
"""

import json
from pathlib import Path

from core import caches

from .check import NOTICE_ID, Classification, classify
from .engine import Classifier
from .record import ClassificationRecord, RecordError, record_fingerprint, record_from_data

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
    "classifier_of_data",
    "classify",
    "classify_case",
    "possible_of",
    "record_fingerprint",
    "shipped_data",
]


def shipped_data(system=CURRENT):
    """The record shipped with the code (version 1, as migration guidance.0016 seeded it)."""
    return json.loads((DATA / RECORDS[system]).read_text())


CLASSIFIERS_KEPT = 8
# fingerprint -> Classifier: a few, for the published record and drafts being proven.
_classifiers = caches.lru("guidance.classification.classifiers", size=CLASSIFIERS_KEPT)


def classifier_of_data(data, fingerprint=None):
    """The classifier of a record's data (RecordError when it cannot be used), kept by its fingerprint."""
    fingerprint = fingerprint or record_fingerprint(data)
    classifier = _classifiers.get(fingerprint)
    if classifier is None:
        classifier = _classifiers[fingerprint] = Classifier(record_from_data(data))
    return classifier


def classifier_for(system=CURRENT):
    """The classifier of the system's published record; the shipped record when none is published
    (a database not migrated yet, or emptied by a test)."""
    published = _published(system)
    if published is None:
        return _shipped_classifier(system)
    _number, fingerprint, data = published
    return classifier_of_data(data, fingerprint)


def _published(system):
    from ..selectors import classification_published

    return classification_published(system)


@caches.memo("guidance.classification.shipped", size=len(RECORDS))
def _shipped_classifier(system):
    return Classifier(record_from_data(shipped_data(system)))


def classification_record(system=CURRENT):
    """The system's published record."""
    return classifier_for(system).record


def possible_of(facts, system=CURRENT):
    """Only what the findings allow (the answers of `possible`), without the rest of the check."""
    classifier = classifier_for(system)
    return classifier.outcomes_of(classifier.possible_bits(classifier.state(facts)))


def classify_case(facts, system=CURRENT):
    """The subtype check of validated facts under the current record."""
    return classify(facts, classifier_for(system))


# fingerprint -> proofs: proving a record takes seconds (every case that can behave differently), and
# a record's data proves the same way every time.
_proofs = caches.lru("guidance.classification.proofs", size=CLASSIFIERS_KEPT)


def classification_proofs(system=CURRENT, *, data=None):
    """Prove a record's properties (proofs.py): one Proof per property. The published record's, or `data`'s."""
    from .proofs import properties_from_data, prove_record

    if data is None:
        published = _published(system)
        data = shipped_data(system) if published is None else published[2]
    fingerprint = record_fingerprint(data)
    proofs = _proofs.get(fingerprint)
    if proofs is None:
        classifier = classifier_of_data(data, fingerprint)
        proofs = tuple(prove_record(classifier, properties_from_data(classifier.record.properties)))
        _proofs[fingerprint] = proofs
    return list(proofs)
