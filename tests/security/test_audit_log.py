"""The audit trail a reviewer reads: named and linked objects, details in words, case filter, CSV, a case's log."""

import csv
import io

import pytest
from django.urls import reverse

from accounts import roles
from accounts.audit_names import AccountAction
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from cases.audit_names import CaseAction
from cases.services import case_update, feedback_record
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(make_user):
    """A reviewer by role: reads every case and the audit trail (the security suite's own reviewer only audits)."""
    return make_user("reviewer", groups=[roles.REVIEWER])


@pytest.fixture
def case(clinician, published_version):
    return make_case(clinician, label="clinic 238", subtype="ISM", symptoms=["flushing"])


def _rows(response):
    return response.content.decode()


def test_objects_are_named_and_linked_to_the_reviewers_page(client, reviewer, clinician, case, published_version):
    client.force_login(reviewer)
    html = _rows(client.get(reverse("audit:list"), {"action": "case_created"}))
    assert f'<a href="{reverse("cases:review_detail", args=[case.pk])}">clinic 238</a>' in html
    assert "cases.case" not in html.split("<tbody>")[1].replace('data-object="cases.case"', "")
    html = _rows(client.get(reverse("audit:list"), {"action": "guidance_published"}))
    assert f'<a href="{published_version.get_absolute_url()}">Guidance version 3</a>' in html


def test_details_are_in_words_with_field_labels(client, reviewer, clinician, case):
    case_update(
        case=case, user=clinician, label=case.label, facts={**case.facts, "antileukotriene_response": "responsive"}
    )
    client.force_login(reviewer)
    html = _rows(client.get(reverse("audit:list"), {"action": "case_changed"}))
    assert '<span class="fw-semibold">Fields changed:</span> Response to antileukotrienes</span>' in html
    assert "antileukotriene_response" not in html.split("<tbody>")[1]
    html = _rows(client.get(reverse("audit:list"), {"action": "assessment_created"}))
    link = f'<a href="{reverse("cases:review_detail", args=[case.pk])}">clinic 238</a>'
    assert f'<span class="fw-semibold">Case:</span> {link}' in html


def test_times_read_as_elsewhere_in_the_app(client, reviewer, case):
    client.force_login(reviewer)
    event = AuditEvent.objects.filter(action="case_created").get()
    html = _rows(client.get(reverse("audit:list"), {"action": "case_created"}))
    assert f">{event.created_at:%-d %b %Y %H:%M}</time>" in html


def test_the_trail_filters_by_case(client, reviewer, clinician, case):
    other = make_case(clinician, label="other", subtype="ISM", symptoms=["flushing"])
    feedback_record(
        assessment=case.assessments.get(), rule="h1-for-cutaneous-symptoms", user=clinician, outcome="accepted"
    )
    client.force_login(reviewer)
    client.get(reverse("cases:review_detail", args=[other.pk]))
    response = client.get(reverse("audit:list"), {"case": str(case.pk)})
    assert sorted(e.action for e in response.context["events"]) == sorted(
        [CaseAction.CASE_CREATED, CaseAction.ASSESSMENT_CREATED, CaseAction.FEEDBACK_GIVEN]
    )
    assert "Enter a valid UUID." in _rows(client.get(reverse("audit:list"), {"case": "nope"}))


def test_the_csv_export_names_objects_says_details_in_words_and_is_itself_audited(client, reviewer, clinician, case):
    audit_record(actor=None, action=AccountAction.LOGIN_FAILED, username="=HYPERLINK(1)")
    client.force_login(reviewer)
    response = client.get(reverse("audit:export"), {"date_from": "2000-01-01"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    created = next(row for row in rows if row["action"] == "Case created")
    assert (created["object"], created["user"]) == ("clinic 238", "clinician")
    assessed = next(row for row in rows if row["action"] == "Assessment created")
    assert "Case: clinic 238" in assessed["details"]
    failed = next(row for row in rows if row["action"] == "Failed login")
    assert failed["details"] == "Username tried: =HYPERLINK(1)"  # defused only at the start of a cell
    assert not any(cell.startswith("=") for row in rows for cell in row.values())
    export = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
    assert (export.actor, export.details) == (reviewer, {"audit_filters": ["date_from"]})


def test_the_export_refuses_bad_filters_back_to_the_list(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("audit:export"), {"case": "nope"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


def test_each_cases_review_page_shows_its_access_log(client, reviewer, clinician, outsider, case):
    client.force_login(clinician)
    client.get(case.get_absolute_url())
    feedback_record(
        assessment=case.assessments.get(), rule="h1-for-cutaneous-symptoms", user=clinician, outcome="accepted"
    )
    client.force_login(reviewer)
    response = client.get(reverse("cases:review_detail", args=[case.pk]))
    log = [(e.actor_username, e.action) for e in response.context["access_log"]]
    assert log[0] == ("reviewer", CaseAction.CASE_VIEWED)  # this view is in it
    assert ("clinician", CaseAction.CASE_VIEWED) in log
    assert ("clinician", CaseAction.FEEDBACK_GIVEN) in log
    assert ("clinician", CaseAction.CASE_CREATED) in log
    html = response.content.decode()
    assert 'id="access-log"' in html
    assert "Feedback on h1-for-cutaneous-symptoms (clinic 238)" in html


def test_the_case_review_page_reads_its_log_in_a_fixed_number_of_queries(client, reviewer, clinician, case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reviewer)
    url = reverse("cases:review_detail", args=[case.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured.captured_queries)

    feedback_record(
        assessment=case.assessments.get(), rule="h1-for-cutaneous-symptoms", user=clinician, outcome="accepted"
    )
    before = queries()  # one query per kind of object named, whatever the number of events
    for _ in range(5):
        feedback_record(
            assessment=case.assessments.get(), rule="h1-for-cutaneous-symptoms", user=clinician, outcome="accepted"
        )
        client.get(url)
    assert queries() == before
