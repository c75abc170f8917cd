"""The classification record (WHO 2022) is edited, proven and published through the draft and
two-person path: a draft, edits checked as the record is read, a submission only when every property
is proven, approval and publication by a second editor; the published record is what every check uses."""

import copy

import pytest
from django.db import DatabaseError, connection, transaction

from accounts import roles
from audit.models import AuditEvent
from core import caches
from guidance.classification import CURRENT, classification_record, classify_case, shipped_data
from guidance.classification.record import RecordError
from guidance.classification_publishing import (
    ClassificationPublishError,
    classification_draft_create,
    classification_draft_edit,
    classification_draft_return,
    classification_draft_submit,
    classification_publish,
)
from guidance.facts import validate_case
from guidance.models import ClassificationVersion, FrozenClassificationError

pytestmark = pytest.mark.django_db

# An ISM record whose findings fit ISM but for the platelets (tests/guidance/test_classification.py).
ISM_CASE = {
    "subtype": "ISM",
    "bm_mc_aggregates": "yes",
    "atypical_mc_morphology": "yes",
    "kit_d816v": "positive",
    "mc_cd2_cd25_cd30": "yes",
    "serum_tryptase_ng_ml": 45,
    "hereditary_alpha_tryptasemia": "no",
    "associated_hematologic_neoplasm": "no",
    "bm_mc_infiltration_pct": 10,
    "kit_d816v_vaf_pct": 2,
    "myeloproliferation_or_dysplasia": "no",
    "organomegaly_without_dysfunction": "no",
    "hemoglobin_g_dl": 13,
    "platelets_10e9_l": 62,
    "anc_10e9_l": 3,
    "hepatomegaly_with_dysfunction": "no",
    "splenomegaly_with_hypersplenism": "no",
    "osteolysis_with_fracture": "no",
    "malabsorption_with_weight_loss": "no",
    "bm_aspirate_mc_pct": 2,
    "skin_lesions": "yes",
}


@pytest.fixture
def editor2(make_user):
    return make_user("editor2", staff=True, groups=[roles.GUIDANCE_EDITOR])


@pytest.fixture
def draft(editor, editor2):
    return classification_draft_create(user=editor)


def published():
    return ClassificationVersion.objects.get(system=CURRENT, status="published")


def with_threshold(data, criterion, fact, value):
    """The data with the threshold on `fact` in `criterion` set to `value`."""
    data = copy.deepcopy(data)

    def walk(cond):
        if cond.get("fact") == fact and "op" in cond:
            cond["value"] = value
        for part in cond.get("any", []) + cond.get("all", []):
            walk(part)

    walk(next(c for c in data["criteria"] if c["id"] == criterion)["when"])
    return data


def actions(version):
    return list(
        AuditEvent.objects.filter(object_type="guidance.classificationversion", object_id=str(version.pk))
        .order_by("pk")
        .values_list("action", "actor__username")
    )


def test_version_one_is_the_shipped_record_published_by_the_system():
    one = published()

    assert one.number == 1
    assert one.data == shipped_data()
    assert one.published_by is None and one.published_at is not None
    assert "system" in one.change_note
    assert classification_record().version == 1
    assert classification_record().citation.endswith("doi:10.1038/s41375-022-01613-1")


def test_a_draft_copies_the_published_record_and_there_is_one_at_a_time(draft, editor):
    assert (draft.number, draft.status, draft.based_on, draft.created_by) == (2, "draft", published(), editor)
    assert {k: v for k, v in draft.data.items() if k != "version"} == {
        k: v for k, v in shipped_data().items() if k != "version"
    }
    assert draft.data["version"] == 2
    with pytest.raises(ClassificationPublishError, match="already a draft"):
        classification_draft_create(user=editor)


def test_a_threshold_a_case_cannot_reach_is_refused_naming_the_criterion(draft, editor):
    bad = with_threshold(draft.data, "C1", "platelets_10e9_l", -5)

    with pytest.raises(RecordError, match=r"criteria\.C1.*Platelets < -5 is not a threshold a case can reach"):
        classification_draft_edit(draft=draft, data=bad, user=editor)

    draft.refresh_from_db()
    assert with_threshold(draft.data, "C1", "platelets_10e9_l", 100) == draft.data  # nothing stored


def test_the_properties_and_the_system_do_not_change_in_a_draft(draft, editor):
    for change, field in (({"properties": []}, "properties"), ({"system": "ICC 2022"}, "system")):
        with pytest.raises(RecordError, match=rf"^{field}:"):
            classification_draft_edit(draft=draft, data={**draft.data, **change}, user=editor)


def test_a_draft_breaking_a_property_is_refused_at_submit_with_the_counterexample(draft, editor):
    data = copy.deepcopy(draft.data)
    asm = next(s for s in data["subtypes"] if s["subtype"] == "ASM")
    asm["when"] = {"count": "C", "at_least": 2}  # one C-finding would allow ISM
    classification_draft_edit(draft=draft, data=data, user=editor)

    with pytest.raises(ClassificationPublishError) as refused:
        classification_draft_submit(draft=draft, user=editor)

    assert "A C-finding recorded for certain rules out ISM, SSM and BMM. Counterexample:" in str(refused.value)
    assert [p.property_id for p in refused.value.proofs if not p.holds] == ["c-finding-rules-out-ism-ssm-bmm"]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_path_to_publish_and_the_new_thresholds_take_effect(draft, editor, editor2):
    assert classify_case(validate_case(ISM_CASE)).agrees_with_recorded is False  # platelets 62 < 100: C-finding

    classification_draft_edit(draft=draft, data=with_threshold(draft.data, "C1", "platelets_10e9_l", 50), user=editor)
    draft, proofs = classification_draft_submit(draft=draft, user=editor)
    assert draft.status == "in_review" and all(p.holds for p in proofs)

    with pytest.raises(ClassificationPublishError, match="Nobody approves their own change"):
        classification_publish(draft=draft, user=editor, change_note="C1 platelets below 50")
    assert classify_case(validate_case(ISM_CASE)).agrees_with_recorded is False

    one = published()
    two = classification_publish(draft=draft, user=editor2, change_note="C1 platelets below 50")

    assert (two.status, two.published_by, two.number) == ("published", editor2, 2)
    one.refresh_from_db()
    assert one.status == "retired" and one.retired_at == two.published_at
    assert classification_record().version == 2
    assert classify_case(validate_case(ISM_CASE)).agrees_with_recorded is True  # 62 is no C-finding now
    assert actions(two) == [
        ("classification_draft_created", "editor"),
        ("classification_draft_edited", "editor"),
        ("classification_submitted", "editor"),
        ("classification_published", "editor2"),
    ]


def test_another_process_reads_the_newly_published_record(draft, editor, editor2):
    classify_case(validate_case(ISM_CASE))  # this process holds version 1
    classification_draft_edit(draft=draft, data=with_threshold(draft.data, "C1", "platelets_10e9_l", 50), user=editor)
    classification_draft_submit(draft=draft, user=editor)
    classification_publish(draft=draft, user=editor2, change_note="C1 platelets below 50")

    caches.forget_all()  # as another process, which held nothing of this one's

    assert classification_record().version == 2


def test_a_submitted_draft_is_not_edited_until_it_goes_back(draft, editor, editor2):
    classification_draft_submit(draft=draft, user=editor)
    with pytest.raises(ClassificationPublishError, match="waiting for review"):
        classification_draft_edit(draft=draft, data=draft.data, user=editor)
    with pytest.raises(ClassificationPublishError, match="comment is required"):
        classification_draft_return(draft=draft, user=editor2, comment=" ")
    draft = classification_draft_return(draft=draft, user=editor2, comment="Cite the table")
    assert (draft.status, draft.review_comment) == ("draft", "Cite the table")


def test_an_editor_who_edited_cannot_approve_though_another_submitted(draft, editor, editor2, make_user):
    classification_draft_edit(draft=draft, data=with_threshold(draft.data, "C1", "platelets_10e9_l", 90), user=editor2)
    classification_draft_submit(draft=draft, user=editor)
    for user in (editor, editor2):
        with pytest.raises(ClassificationPublishError, match="Nobody approves their own change"):
            classification_publish(draft=draft, user=user, change_note="note")
    newcomer = make_user("editor3", staff=True, groups=[roles.GUIDANCE_EDITOR])
    with pytest.raises(ClassificationPublishError, match="after this draft was begun"):
        classification_publish(draft=draft, user=newcomer, change_note="note")


def test_a_clinician_cannot_draft(clinician):
    with pytest.raises(ClassificationPublishError, match="may not edit"):
        classification_draft_create(user=clinician)


def test_a_published_record_is_immutable():
    one = published()
    one.data = {**one.data, "not_sm": "none"}
    with pytest.raises(FrozenClassificationError, match="published and cannot be changed"):
        one.save()
    with pytest.raises(FrozenClassificationError):
        published().delete()
    with pytest.raises(FrozenClassificationError):
        ClassificationVersion.objects.filter(status="published").update(change_note="x")
    with pytest.raises(FrozenClassificationError):
        ClassificationVersion.objects.all().delete()


@pytest.mark.skipif(connection.vendor not in ("sqlite", "postgresql"), reason="triggers on SQLite and PostgreSQL")
def test_the_database_refuses_to_change_or_delete_a_published_record():
    one = published()
    for sql in (
        "UPDATE guidance_classificationversion SET change_note = 'x' WHERE id = %s",
        "UPDATE guidance_classificationversion SET status = 'draft' WHERE id = %s",
        "DELETE FROM guidance_classificationversion WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [one.pk])
    assert published().data == shipped_data()
