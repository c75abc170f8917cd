"""Feedback on each line of the management page: given by the case's clinician, read by reviewers."""

import csv
import io

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import RecommendationFeedback
from cases.services import case_update, feedback_record

from .factories import make_case

pytestmark = pytest.mark.django_db

RULE = "aspirin-nsaid-tolerance-unknown"
OTHER_RULE = "antileukotriene-after-antihistamines"


@pytest.fixture
def case(clinician, published_version):
    return make_case(clinician, subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive")


def feedback_url(case, assessment=None):
    assessment = assessment or case.assessments.first()
    return reverse("cases:feedback", kwargs={"case_id": case.pk, "assessment_id": assessment.pk})


def line_of(html, rule):
    """The HTML of one recommendation line on a page."""
    start = html.index(f'data-rule="{rule}"')
    return html[start : html.index("</li>", start)]


def test_each_line_of_the_latest_assessment_offers_the_clinician_both_answers(client, clinician, case):
    client.force_login(clinician)
    html = client.get(case.get_absolute_url()).content.decode()
    line = line_of(html, RULE)
    assert f'action="{feedback_url(case)}"' in line
    assert 'name="outcome" value="accepted"' in line
    assert 'name="outcome" value="overridden"' in line
    assert line.count("<form ") == 1
    for label in ("Contraindicated for this patient", "Patient declined", "Already tried", "Not applicable", "Other"):
        assert label in line


def test_will_follow_without_javascript_is_recorded_and_shown_with_who_and_when(client, clinician, case):
    client.force_login(clinician)
    response = client.post(feedback_url(case), {"rule": RULE, "outcome": "accepted"})
    assert response.status_code == 302
    assert response["Location"] == f"{case.get_absolute_url()}#feedback-{RULE}"
    feedback = RecommendationFeedback.objects.get()
    assert (feedback.rule, feedback.outcome, feedback.created_by) == (RULE, "accepted", clinician)
    assert feedback.assessment == case.assessments.get()
    assert feedback.guidance_version.number == 3
    line = line_of(client.get(response["Location"]).content.decode(), RULE)
    assert "Will follow</span>" in line
    assert f"(clinician, {feedback.created_at:%-d %b %Y}" in line


def test_not_following_with_htmx_swaps_the_lines_region_in_place(client, clinician, case):
    client.force_login(clinician)
    response = client.post(
        feedback_url(case),
        {"rule": RULE, "outcome": "overridden", "reason": "patient_declined", "comment": "Prefers to wait"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="line-feedback')
    assert f'id="feedback-{RULE}"' in html
    assert "Not following</span> &ndash; Patient declined: &ldquo;Prefers to wait&rdquo;" in html
    assert "<html" not in html


def test_not_following_without_a_reason_is_refused_on_its_line_keeping_the_comment(client, clinician, case):
    client.force_login(clinician)
    response = client.post(
        feedback_url(case), {"rule": RULE, "outcome": "overridden", "reason": "", "comment": "Typed with care"}
    )
    assert response.status_code == 400
    line = line_of(response.content.decode(), RULE)
    assert "Say why the line is not followed." in line
    assert 'aria-invalid="true"' in line
    assert ">Typed with care</textarea>" in line
    assert '<details class="feedback-override" open>' in line
    assert not RecommendationFeedback.objects.exists()


def test_a_refusal_with_htmx_comes_back_in_the_region_with_the_input(client, clinician, case):
    client.force_login(clinician)
    response = client.post(
        feedback_url(case),
        {"rule": RULE, "outcome": "overridden", "comment": "x" * 501, "reason": "other"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "Keep the comment to 500 characters (it has 501)." in html
    assert '<option value="other" selected>' in html
    assert not RecommendationFeedback.objects.exists()


def test_feedback_is_appended_the_latest_shown_and_each_entry_audited(client, clinician, case):
    client.force_login(clinician)
    client.post(feedback_url(case), {"rule": RULE, "outcome": "accepted"})
    client.post(feedback_url(case), {"rule": RULE, "outcome": "overridden", "reason": "already_tried"})
    assert RecommendationFeedback.objects.filter(rule=RULE).count() == 2
    assert AuditEvent.objects.filter(action="feedback_given", actor=clinician).count() == 2
    line = line_of(client.get(case.get_absolute_url()).content.decode(), RULE)
    assert "Not following</span> &ndash; Already tried" in line
    assert "Will follow</span>" not in line


def test_feedback_on_an_older_assessment_stays_with_it_and_is_read_only(client, clinician, case):
    older = case.assessments.get()
    feedback_record(assessment=older, rule=RULE, user=clinician, outcome="accepted")
    case_update(case=case, user=clinician, label=case.label, facts={**case.facts, "nsaid_tolerance": "tolerant"})
    client.force_login(clinician)
    latest_html = client.get(case.get_absolute_url()).content.decode()
    assert "Will follow</span>" not in latest_html  # the new assessment starts without feedback
    old_page = client.get(older.get_absolute_url()).content.decode()
    assert "Will follow</span>" in line_of(old_page, RULE)
    assert 'name="outcome"' not in old_page
    response = client.post(feedback_url(case, older), {"rule": RULE, "outcome": "accepted"})
    assert response.status_code == 400
    assert "feedback goes on the lines of the latest assessment" in response.content.decode()
    assert RecommendationFeedback.objects.count() == 1


def test_another_clinician_gets_404_and_reviewers_and_editors_403(client, outsider, reviewer, editor, case):
    for user, status in ((outsider, 404), (reviewer, 403), (editor, 403)):
        client.force_login(user)
        assert client.post(feedback_url(case), {"rule": RULE, "outcome": "accepted"}).status_code == status
    assert not RecommendationFeedback.objects.exists()


def test_feedback_from_an_ehr_names_its_source_and_web_feedback_does_not(client, clinician, case):
    assessment = case.assessments.get()
    feedback_record(assessment=assessment, rule=OTHER_RULE, user=clinician, outcome="accepted")
    RecommendationFeedback.objects.create(
        assessment=assessment,
        rule=RULE,
        guidance_version=assessment.guidance_version,
        outcome=RecommendationFeedback.Outcome.OVERRIDDEN,
        reason=RecommendationFeedback.Reason.PATIENT_DECLINED,
        source=RecommendationFeedback.Source.CDS_HOOKS,
    )
    client.force_login(clinician)
    html = client.get(case.get_absolute_url()).content.decode()
    assert ", EHR (CDS Hooks))" in line_of(html, RULE)
    assert "(EHR user, " in line_of(html, RULE)
    assert "Mastoweb)" not in line_of(html, OTHER_RULE) and "CDS Hooks" not in line_of(html, OTHER_RULE)


def test_reviewers_read_feedback_beside_each_assessment_without_forms(client, clinician, reviewer, case):
    first = case.assessments.get()
    feedback_record(assessment=first, rule=RULE, user=clinician, outcome="overridden", reason="contraindicated")
    case_update(case=case, user=clinician, label=case.label, facts={**case.facts, "venom_allergy": "yes"})
    latest = case.assessments.first()
    feedback_record(assessment=latest, rule=OTHER_RULE, user=clinician, outcome="accepted")
    client.force_login(reviewer)
    html = client.get(reverse("cases:review_detail", args=[case.pk])).content.decode()
    assert 'name="outcome"' not in html
    older_section = html[html.index(f'id="assessment-{first.pk}"') :]
    latest_section = html[html.index(f'id="assessment-{latest.pk}"') : html.index(f'id="assessment-{first.pk}"')]
    assert "Not following</span> &ndash; Contraindicated for this patient" in line_of(older_section, RULE)
    assert "Will follow</span>" in line_of(latest_section, OTHER_RULE)
    assert "No feedback on this line." in line_of(latest_section, RULE)
    assert "Contraindicated" not in latest_section
    # Reviewers read the management page too, without the forms.
    assert 'name="outcome"' not in client.get(case.get_absolute_url()).content.decode()


def test_the_review_page_reads_feedback_in_a_fixed_number_of_queries(client, clinician, reviewer, case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reviewer)
    url = reverse("cases:review_detail", args=[case.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    feedback_record(assessment=case.assessments.first(), rule=RULE, user=clinician, outcome="accepted")
    one_assessment = queries()
    for allergy in (True, False, True):
        case_update(case=case, user=clinician, label=case.label, facts={**case.facts, "venom_allergy": allergy})
        feedback_record(assessment=case.assessments.first(), rule=RULE, user=clinician, outcome="accepted")
    # Session, user, permissions (2), case, assessments, feedback, the audit row, the access log and one
    # query per kind of object it names (case, assessment, feedback), the footer's guidance; the audit row's
    # link of the chain (the newest hash, and on PostgreSQL the chain's lock: audit.chain).
    assert queries() == one_assessment <= 15


def test_the_export_carries_the_latest_feedback_of_each_line(client, clinician, reviewer, case, settings):
    settings.OTP_REQUIRED = False
    assessment = case.assessments.get()
    feedback_record(assessment=assessment, rule=RULE, user=clinician, outcome="accepted")
    feedback_record(assessment=assessment, rule=RULE, user=clinician, outcome="overridden", reason="patient_declined")
    feedback_record(assessment=assessment, rule=OTHER_RULE, user=clinician, outcome="accepted")
    client.force_login(reviewer)
    body = b"".join(client.get(reverse("cases:review_export")).streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["feedback_status"] == "some not followed"
    # By rule id.
    assert row["feedback"] == (
        f"{OTHER_RULE}: Will follow (clinician); {RULE}: Not following, Patient declined (clinician)"
    )


def test_will_follow_ignores_a_reason_left_chosen_in_the_folded_part(client, clinician, case):
    client.force_login(clinician)
    response = client.post(
        feedback_url(case), {"rule": RULE, "outcome": "accepted", "reason": "other", "comment": "half typed"}
    )
    assert response.status_code == 302
    feedback = RecommendationFeedback.objects.get()
    assert (feedback.outcome, feedback.reason, feedback.comment) == ("accepted", "", "")


# templates/cases/includes/line_feedback.html as it was before the region was built in Python (`entry` given).
TEMPLATE_REGION = (
    '{% with dom_id=id_prefix|default:""|add:"feedback-"|add:line.rule %}\n'
    '<div class="line-feedback border-top mt-2 pt-2 small" id="{{ dom_id }}" data-feedback-rule="{{'
    ' line.rule }}">\n'
    "  {% if entry.latest %}\n"
    '  <p class="feedback-latest mb-1" data-feedback-outcome="{{ entry.latest.outcome }}">\n'
    '    <span class="fw-semibold">Feedback:</span>\n'
    '    <span class="badge feedback-{{ entry.latest.outcome }}">{{'
    " entry.latest.get_outcome_display }}</span>{% if entry.latest.reason %} &ndash; {{"
    " entry.latest.get_reason_display }}{% endif %}{% if entry.latest.comment %}: &ldquo;{{"
    " entry.latest.comment }}&rdquo;{% endif %}\n"
    '    <span class="text-body-secondary">({{ entry.latest.created_by.get_username|default:"EHR'
    ' user" }}, {{ entry.latest.created_at|date:"j M Y H:i" }}{% if not entry.latest.from_web %},'
    " {{ entry.latest.get_source_display }}{% endif %})</span>\n"
    "  </p>\n"
    "  {% elif not entry.editable %}\n"
    '  <p class="feedback-none text-body-secondary mb-1">No feedback on this line.</p>\n'
    "  {% endif %}\n"
    "  {% if entry.editable %}\n"
    '  {% if entry.saved %}<p class="visually-hidden" role="status">Feedback recorded.</p>{% endif %}\n'
    '  {% if entry.form.non_field_errors %}<div class="alert alert-danger py-1 mb-1"'
    ' role="alert">{{ entry.form.non_field_errors|join:" " }}</div>{% endif %}\n'
    '  {# One form: "Will follow" sends outcome=accepted (the reason is then ignored); the folded'
    ' part sends "Not following". #}\n'
    '  <form method="post" action="{{ entry.action }}" class="d-flex flex-wrap align-items-start'
    ' gap-2 no-print" hx-post="{{ entry.action }}" hx-target="#{{ dom_id }}" hx-swap="outerHTML">\n'
    "    {% csrf_token %}\n"
    '    <input type="hidden" name="rule" value="{{ line.rule }}">\n'
    '    <button type="submit" name="outcome" value="accepted" class="btn btn-sm'
    ' btn-outline-success">Will follow<span class="visually-hidden">: {{ line.summary }}</span></button>\n'
    '    <details class="feedback-override"{% if entry.form.overriding %} open{% endif %}>\n'
    '      <summary class="btn btn-sm btn-outline-secondary">Not following&hellip;<span'
    ' class="visually-hidden"> {{ line.summary }}</span></summary>\n'
    '      <div class="mt-2">\n'
    '        <div class="mb-2">\n'
    '          <label class="form-label mb-0" for="{{ dom_id }}-reason">Reason</label>\n'
    '          <select class="form-select form-select-sm{% if entry.form.errors.reason %}'
    ' is-invalid{% endif %}" name="reason" id="{{ dom_id }}-reason"{% if entry.form.errors.reason'
    ' %} aria-invalid="true" aria-describedby="{{ dom_id }}-reason-error"{% endif %}>\n'
    '            {% for value, label in entry.reasons %}<option value="{{ value }}"{% if value =='
    " entry.form.data.reason %} selected{% endif %}>{{ label }}</option>{% endfor %}\n"
    "          </select>\n"
    '          {% if entry.form.errors.reason %}<div class="invalid-feedback" id="{{ dom_id'
    ' }}-reason-error">{{ entry.form.errors.reason|join:" " }}</div>{% endif %}\n'
    "        </div>\n"
    '        <div class="mb-2">\n'
    '          <label class="form-label mb-0" for="{{ dom_id }}-comment">Comment (optional)</label>\n'
    '          <textarea class="form-control form-control-sm{% if entry.form.errors.comment %}'
    ' is-invalid{% endif %}" name="comment" id="{{ dom_id }}-comment" rows="2" maxlength="500"'
    ' aria-describedby="{{ dom_id }}-comment-help{% if entry.form.errors.comment %} {{ dom_id'
    ' }}-comment-error{% endif %}">{{ entry.form.data.comment|default:"" }}</textarea>\n'
    '          <div class="form-text" id="{{ dom_id }}-comment-help">Never read by the guidance; up'
    " to 500 characters.</div>\n"
    '          {% if entry.form.errors.comment %}<div class="invalid-feedback" id="{{ dom_id'
    ' }}-comment-error">{{ entry.form.errors.comment|join:" " }}</div>{% endif %}\n'
    "        </div>\n"
    '        <button type="submit" name="outcome" value="overridden" class="btn btn-sm'
    ' btn-outline-danger">Record &ldquo;Not following&rdquo;</button>\n'
    "      </div>\n"
    "    </details>\n"
    "  </form>\n"
    "  {% endif %}\n"
    "</div>\n"
    "{% endwith %}\n"
)


def test_the_region_built_in_python_says_what_the_template_said(clinician, case, settings):
    """cases.line_feedback against the template it replaced, in every state a line's region can be in."""
    settings.TIME_ZONE = "Europe/Paris"  # the entry's time is shown in local time: 31 Dec 23:59 UTC is 1 Jan
    import dataclasses
    import re
    from datetime import UTC, datetime

    from django.template import Context, Template

    from cases.forms import FeedbackForm
    from cases.line_feedback import csrf_field, line_feedback_html
    from cases.views import FeedbackPanel

    def spaced(html):
        return re.sub(r"\s+", " ", str(html)).strip()

    assessment = case.assessments.get()
    line = next(line for line in assessment.lines if line.rule == RULE)
    odd = dataclasses.replace(line, summary='Ask <b>"why"</b> & wait')
    web = RecommendationFeedback(
        outcome="accepted", source="web", created_by=clinician, created_at=datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
    )
    ehr = RecommendationFeedback(
        outcome="overridden",
        reason="patient_declined",
        comment='Said "not now" <b>',
        source="cds_hooks",
        created_at=datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
    )
    refused = FeedbackForm({"rule": RULE, "outcome": "overridden", "reason": "other", "comment": "<i>kept</i>"})
    refused.is_valid()
    refused.add_error(None, "Refused <here> & now.")
    refused.add_error("reason", "Say why.")
    refused.add_error("comment", "Too long & more.")
    accepted = FeedbackForm({"rule": RULE, "outcome": "accepted"})
    accepted.is_valid()
    accepted.add_error(None, "Not on this assessment.")
    states = [
        {"editable": True},
        {"editable": True, "latest": {RULE: web}},
        {"editable": True, "latest": {RULE: ehr}, "saved_rule": RULE},
        {"editable": False},
        {"editable": False, "latest": {RULE: web}},
        {"editable": False, "latest": {RULE: ehr}},
        {"editable": True, "form": refused},
        {"editable": True, "form": accepted, "latest": {RULE: web}},
    ]
    template = Template(TEMPLATE_REGION)
    for state in states:
        panel = FeedbackPanel(
            assessment,
            state.get("latest", {}),
            editable=state["editable"],
            form=state.get("form"),
            saved_rule=state.get("saved_rule", ""),
        )
        for shown, prefix in ((line, ""), (odd, "a12-")):
            context = Context({"csrf_token": "token<&>", "id_prefix": prefix, "line": shown})
            drawn = template.render(Context({**context.flatten(), "entry": panel.for_line(RULE)}))
            built = line_feedback_html(shown, panel.for_line(RULE), id_prefix=prefix, csrf_field=csrf_field(context))
            assert spaced(built) == spaced(drawn), state
