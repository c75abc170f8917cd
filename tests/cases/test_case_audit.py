"""The audit trail of case work: who created, changed, viewed, re-evaluated and exported what, from where.

Events name cases and assessments by id; they never carry a fact, a label or a note.
"""

import json

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.audit_names import CaseAction
from cases.models import Case

from .factories import form_data, make_case, publish_revision

pytestmark = pytest.mark.django_db

ADDRESS = "192.0.2.41"
LABEL = "Audit clinic 3"
NOTES = "Sister also affected; revisit in spring"


def _events(*actions):
    return list(AuditEvent.objects.filter(action__in=actions).order_by("created_at", "pk"))


def _case_text_absent():
    """No event holds the label, the notes or a fact value of any case."""
    dumped = json.dumps([[e.object_id, e.details, e.actor_username] for e in AuditEvent.objects.all()])
    for secret in (LABEL, NOTES, "Sister", "flushing", "ASM", "SSM", "unresponsive"):
        assert secret not in dumped, secret


@pytest.fixture
def case(clinician, published_version):
    return make_case(clinician, label=LABEL, subtype="ASM", symptoms=["flushing"], notes=NOTES)


def test_creating_a_case_records_the_case_and_its_first_assessment(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(label=LABEL, subtype="ASM", symptoms=["flushing"], notes=NOTES)
    response = client.post(reverse("cases:create"), data, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    case = Case.objects.get()
    created, assessed = _events(CaseAction.CASE_CREATED, CaseAction.ASSESSMENT_CREATED)
    assert (created.action, created.actor, created.object_type, created.object_id) == (
        CaseAction.CASE_CREATED,
        clinician,
        "cases.case",
        str(case.pk),
    )
    assert (assessed.action, assessed.object_type, assessed.object_id) == (
        CaseAction.ASSESSMENT_CREATED,
        "cases.assessment",
        str(case.assessments.get().pk),
    )
    assert assessed.details == {"case_id": str(case.pk), "guidance_version": 3}
    assert created.ip_address == assessed.ip_address == ADDRESS
    _case_text_absent()


def test_changing_a_case_records_which_fields_changed_not_their_values(client, clinician, case):
    client.force_login(clinician)
    data = form_data(label=LABEL, subtype="SSM", symptoms=["flushing"], antihistamine_response="unresponsive")
    data["lock_version"] = case.lock_version
    response = client.post(reverse("cases:update", args=[case.pk]), data, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    [changed] = _events(CaseAction.CASE_CHANGED)
    assert (changed.actor, changed.object_id, changed.ip_address) == (clinician, str(case.pk), ADDRESS)
    assert changed.details == {"fields": ["antihistamine_response", "notes", "subtype"]}
    newest = case.assessments.order_by("-created_at", "-pk").first()
    assert _events(CaseAction.ASSESSMENT_CREATED)[-1].object_id == str(newest.pk)
    _case_text_absent()


def test_a_refused_stale_save_records_no_change(client, clinician, case):
    client.force_login(clinician)
    data = form_data(label=LABEL, subtype="SSM")
    data["lock_version"] = case.lock_version + 5
    assert client.post(reverse("cases:update", args=[case.pk]), data).status_code == 409
    assert _events(CaseAction.CASE_CHANGED) == []


def test_reading_a_case_records_a_view_on_each_page(client, clinician, reviewer, case):
    assessment = case.assessments.get()
    client.force_login(clinician)
    client.get(reverse("cases:detail", args=[case.pk]), REMOTE_ADDR=ADDRESS)
    client.get(assessment.get_absolute_url())
    client.force_login(reviewer)
    client.get(reverse("cases:review_detail", args=[case.pk]))
    views = _events(CaseAction.CASE_VIEWED)
    assert [(e.actor, e.object_id) for e in views] == [
        (clinician, str(case.pk)),
        (clinician, str(case.pk)),
        (reviewer, str(case.pk)),
    ]
    assert [e.details for e in views] == [
        {"assessment_id": assessment.pk},
        {"assessment_id": assessment.pk},
        {"page": "review"},
    ]
    assert views[0].ip_address == ADDRESS
    _case_text_absent()


def test_a_refused_read_records_no_view(client, outsider, editor, case):
    client.force_login(outsider)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    client.force_login(editor)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 403
    assert _events(CaseAction.CASE_VIEWED) == []


def test_reevaluation_records_the_versions_and_the_new_assessment(client, clinician, editor, case, published_version):
    assert published_version.number == 3
    publish_revision(user=editor, revise=lambda draft: None)
    client.force_login(clinician)
    response = client.post(reverse("cases:reassess", args=[case.pk]), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    [reevaluated] = _events(CaseAction.CASE_REEVALUATED)
    assert (reevaluated.actor, reevaluated.object_id, reevaluated.ip_address) == (clinician, str(case.pk), ADDRESS)
    assert reevaluated.details == {"from_version": 3, "to_version": 4}
    assert _events(CaseAction.ASSESSMENT_CREATED)[-1].details == {"case_id": str(case.pk), "guidance_version": 4}
    assert client.get(reverse("cases:reassess", args=[case.pk])).status_code == 302  # nothing more to do
    assert len(_events(CaseAction.CASE_REEVALUATED)) == 1


def test_an_export_records_the_filters_used_never_their_values(client, reviewer, case):
    client.force_login(reviewer)
    response = client.get(
        reverse("cases:review_export"), {"q": "Sister", "subtype": "ASM", "sort": "label_asc"}, REMOTE_ADDR=ADDRESS
    )
    b"".join(response.streaming_content)
    [exported] = _events(CaseAction.CASE_EXPORTED)
    assert (exported.actor, exported.ip_address, exported.object_id) == (reviewer, ADDRESS, "")
    assert exported.details == {"filters": ["q", "subtype"], "sort": "label_asc"}
    _case_text_absent()


def test_the_review_list_alone_records_nothing(client, reviewer, case):
    client.force_login(reviewer)
    client.get(reverse("cases:review"))
    assert _events(CaseAction.CASE_VIEWED, CaseAction.CASE_EXPORTED) == []
