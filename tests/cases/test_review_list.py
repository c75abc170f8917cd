"""The reviewer list, finished: a result count, pages both ways, natural label order, clinical columns and filters."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode

from cases import selectors
from cases.models import Case, CaseLine, FeedbackStatus, label_sort_key
from cases.services import FeedbackError, case_update, feedback_record
from guidance.kinds import Kind

from .factories import make_case

pytestmark = pytest.mark.django_db

EPINEPHRINE = "carry-epinephrine"
ASPIRIN = "aspirin-nsaid-tolerance-unknown"


def _review(client, **params):
    response = client.get(reverse("cases:review"), params)
    assert response.status_code == 200
    return response


def _labels(response):
    return [case.label for case in response.context["cases"]]


def test_labels_sort_by_the_numbers_in_them_as_people_read_them():
    labels = ["clinic 2405", "Clinic 238", "clinic 24", "clinic 0238b", "clinic", "ward 3 bed 10", "ward 3 bed 9"]
    assert sorted(labels, key=label_sort_key) == [
        "clinic",
        "clinic 24",
        "Clinic 238",
        "clinic 0238b",
        "clinic 2405",
        "ward 3 bed 9",
        "ward 3 bed 10",
    ]


def test_the_list_sorts_labels_naturally_both_ways_and_after_a_rename(client, reviewer, clinician, published_version):
    for label in ("clinic 2405", "clinic 238", "clinic 9"):
        make_case(clinician, label=label)
    renamed = make_case(clinician, label="clinic 1")
    case_update(case=renamed, user=clinician, label="clinic 10000", facts=renamed.facts)
    client.force_login(reviewer)
    assert _labels(_review(client, sort="label_asc")) == ["clinic 9", "clinic 238", "clinic 2405", "clinic 10000"]
    assert _labels(_review(client, sort="label_desc")) == ["clinic 10000", "clinic 2405", "clinic 238", "clinic 9"]


def test_the_list_says_how_many_cases_match(client, reviewer, clinician, published_version, monkeypatch):
    for subtype in ("ISM", "ISM", "SSM"):
        make_case(clinician, subtype=subtype)
    client.force_login(reviewer)
    assert "3 cases match." in _review(client).content.decode()
    assert "1 case matches these filters." in _review(client, subtype="SSM").content.decode()
    monkeypatch.setattr(selectors, "REVIEW_COUNT_LIMIT", 2)
    response = _review(client)
    assert "More than 2 cases match." in response.content.decode()


def test_previous_pages_lead_back_to_the_first_without_gaps(
    client, reviewer, clinician, published_version, monkeypatch
):
    monkeypatch.setattr(selectors, "REVIEW_PAGE_SIZE", 3)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for n in range(8):
        case = make_case(clinician, label=f"Case {n}")
        Case.objects.filter(pk=case.pk).update(updated_at=start + timedelta(days=n // 2))  # ties: the id decides
    client.force_login(reviewer)
    forward, response = [], _review(client)
    assert response.context["previous_query"] is None
    while True:
        forward.append(_labels(response))
        if response.context["next_query"] is None:
            break
        response = client.get(f"{reverse('cases:review')}?{response.context['next_query']}")
    backward = [_labels(response)]
    while response.context["previous_query"]:
        html = response.content.decode()
        assert f'href="?{escape(response.context["previous_query"])}" rel="prev"' in html
        response = client.get(f"{reverse('cases:review')}?{response.context['previous_query']}")
        backward.append(_labels(response))
    assert [len(page) for page in forward] == [3, 3, 2]
    assert backward[::-1] == forward
    assert sorted(label for page in forward for label in page) == [f"Case {n}" for n in range(8)]


def test_columns_count_cautions_and_recommendations_and_show_feedback(client, reviewer, clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing", "recurrent_anaphylaxis"])
    lines = case.assessments.get().lines
    feedback_record(
        assessment=case.assessments.get(), rule=lines[0].rule, user=clinician, outcome="overridden", reason="other"
    )
    client.force_login(reviewer)
    [row] = _review(client).context["cases"]
    assert row.line_count == len(lines)
    assert row.caution_count == sum(line.kind == Kind.CAUTION for line in lines) > 0
    html = _review(client).content.decode()
    assert f'<td data-label="Cautions" class="text-end" data-cautions>{row.caution_count}</td>' in html
    assert f'<td data-label="Recommendations" class="text-end" data-lines>{len(lines)}</td>' in html
    assert 'data-feedback="not_following"><span class="badge feedback-overridden">Some not followed</span>' in html
    assert f'<a href="{reverse("cases:review_detail", args=[case.pk])}">{case.label}</a>' in html


def test_the_latest_lines_are_kept_per_case_and_replaced_on_each_assessment(clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"])
    assert set(CaseLine.objects.filter(case=case).values_list("rule", "kind")) == {
        (line.rule, line.kind) for line in case.assessments.get().lines
    }
    case_update(
        case=case, user=clinician, label=case.label, facts={**case.facts, "symptoms": ["recurrent_anaphylaxis"]}
    )
    latest = case.assessments.first()
    assert set(CaseLine.objects.filter(case=case).values_list("rule", "kind")) == {
        (line.rule, line.kind) for line in latest.lines
    }


def test_filters_rule_fired_had_caution_and_not_following(client, reviewer, clinician, published_version):
    anaphylaxis = make_case(clinician, label="anaphylaxis", subtype="ISM", symptoms=["recurrent_anaphylaxis"])
    flushing = make_case(
        clinician, label="flushing", subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive"
    )
    quiet = make_case(
        clinician, label="quiet", subtype="ISM", symptoms=[], nsaid_tolerance="tolerant", kit_d816v="positive"
    )
    assert quiet.caution_count == 0, "a case with no caution is needed for this test"
    feedback_record(
        assessment=flushing.assessments.get(),
        rule=ASPIRIN,
        user=clinician,
        outcome="overridden",
        reason="contraindicated",
    )
    feedback_record(assessment=anaphylaxis.assessments.get(), rule=EPINEPHRINE, user=clinician, outcome="accepted")
    client.force_login(reviewer)
    assert _labels(_review(client, rule=EPINEPHRINE)) == ["anaphylaxis"]
    assert _labels(_review(client, rule=ASPIRIN)) == ["flushing"]
    assert sorted(_labels(_review(client, caution="on"))) == ["anaphylaxis", "flushing"]
    assert _labels(_review(client, feedback="not_following")) == ["flushing"]
    assert _labels(_review(client, feedback="followed")) == ["anaphylaxis"]
    assert _labels(_review(client, feedback="none")) == ["quiet"]
    assert "Select a valid choice" in _review(client, rule="no-such-rule").content.decode()


def test_feedback_status_speaks_of_the_latest_assessment_only(clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive")
    first = case.assessments.get()
    feedback_record(assessment=first, rule=ASPIRIN, user=clinician, outcome="overridden", reason="other")
    assert Case.objects.get(pk=case.pk).feedback_status == FeedbackStatus.NOT_FOLLOWING
    case_update(case=case, user=clinician, label=case.label, facts={**case.facts, "venom_allergy": True})
    assert Case.objects.get(pk=case.pk).feedback_status == FeedbackStatus.NONE
    with pytest.raises(FeedbackError, match="latest assessment"):  # no late word on the old one
        feedback_record(assessment=first, rule=ASPIRIN, user=clinician, outcome="accepted")
    assert Case.objects.get(pk=case.pk).feedback_status == FeedbackStatus.NONE
    feedback_record(assessment=case.assessments.first(), rule=ASPIRIN, user=clinician, outcome="accepted")
    assert Case.objects.get(pk=case.pk).feedback_status == FeedbackStatus.FOLLOWED


def test_the_filter_bar_folds_and_says_how_many_filters_are_in_use(client, reviewer, published_version):
    client.force_login(reviewer)
    html = _review(client).content.decode()
    assert '<details class="filter-bar mb-3">' in html
    html = _review(client, subtype="ISM", caution="on").content.decode()
    assert '<details class="filter-bar mb-3" open>' in html
    assert "Filters (2 in use)" in html
    assert escape(urlencode({"subtype": "ISM", "caution": "on"})) in html  # the export link keeps them


def test_the_migration_fills_the_columns_as_the_services_write_them(clinician, published_version):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("cases.migrations.0009_reviewer_columns_and_case_lines").backfill
    cases = [
        make_case(
            clinician, label="clinic 12", subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive"
        ),
        make_case(clinician, label="Ward 3", subtype="ASM", symptoms=["recurrent_anaphylaxis"]),
    ]
    feedback_record(
        assessment=cases[0].assessments.get(), rule=ASPIRIN, user=clinician, outcome="overridden", reason="other"
    )
    columns = ("label_sort", "line_count", "caution_count", "feedback_status")
    written = {c["id"]: c for c in Case.objects.values("id", *columns)}
    lines = set(CaseLine.objects.values_list("case_id", "rule", "kind"))
    CaseLine.objects.all().delete()
    Case.objects.update(label_sort="", line_count=None, caution_count=None, feedback_status="")
    backfill(apps, None)
    assert {c["id"]: c for c in Case.objects.values("id", *columns)} == written
    assert set(CaseLine.objects.values_list("case_id", "rule", "kind")) == lines


def test_seeded_cases_carry_the_columns_a_rebuild_would_give(published_version, settings):
    import importlib
    from io import StringIO

    from django.apps import apps
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_cases", count=30, clinicians=3, seed=3, no_progress=True, stdout=StringIO())
    columns = ("label_sort", "line_count", "caution_count", "feedback_status")
    seeded = {c["id"]: c for c in Case.objects.values("id", *columns)}
    lines = set(CaseLine.objects.values_list("case_id", "rule", "kind"))
    assert lines
    CaseLine.objects.all().delete()
    importlib.import_module("cases.migrations.0009_reviewer_columns_and_case_lines").backfill(apps, None)
    assert {c["id"]: c for c in Case.objects.values("id", *columns)} == seeded
    assert set(CaseLine.objects.values_list("case_id", "rule", "kind")) == lines


def test_every_filter_field_has_its_one_condition_in_the_list_and_the_audit_trail():
    from audit.filters import AuditEventFilter
    from audit.forms import AuditFilterForm
    from audit.selectors import AUDIT_CONDITIONS
    from cases.filters import CaseReviewFilter
    from cases.forms import CaseReviewForm
    from cases.selectors import REVIEW_CONDITIONS

    assert set(CaseReviewFilter.base_filters) == set(REVIEW_CONDITIONS) == set(CaseReviewForm.base_fields) - {"sort"}
    assert set(AuditEventFilter.base_filters) == set(AUDIT_CONDITIONS) == set(AuditFilterForm.base_fields)


# The row as cases/case_review.html drew it with the template engine, before cases.rows took over.
TEMPLATE_ROW = (
    '<tr data-case="{{ case.pk }}" data-outlook="{{ case.outlook }}">\n'
    '<td data-label="Case"><a href="{{ detail_url.0 }}{{ case.pk }}{{ detail_url.1 }}">{{ case.label'
    " }}</a>"
    '{% if case.age_years is not None %} <span class="text-body-secondary small">({{ case.age_years }}'
    " y)</span>{% endif %}</td>\n"
    '<td data-label="Clinician">{{ case.created_by.get_username }}</td>\n'
    '<td data-label="Subtype">{{ case.get_subtype_display }}</td>\n'
    '<td data-label="Created">{{ case.created_at|date:"j M Y" }}</td>\n'
    '<td data-label="Changed">{{ case.updated_at|date:"j M Y H:i" }}</td>\n'
    '<td data-label="Latest assessment">\n'
    "{% if case.assessed_version %}guidance version {{ case.assessed_version }}{% endif %}\n"
    '{% if case.outlook.badge %}<span class="badge {{ case.outlook.badge }}">{{ case.outlook.label }}'
    " (version {{ current_guidance.number }})</span>{% endif %}\n"
    "</td>\n"
    '<td data-label="Cautions" class="text-end" data-cautions>{{ case.caution_count|default_if_none:""'
    " }}</td>\n"
    '<td data-label="Recommendations" class="text-end" data-lines>{{ case.line_count|default_if_none:""'
    " }}</td>\n"
    '<td data-label="Feedback" data-feedback="{{ case.feedback_status }}">'
    '{% if case.feedback_not_following %}<span class="badge feedback-overridden">{{'
    " case.get_feedback_status_display }}</span>"
    "{% elif case.feedback_status %}{{ case.get_feedback_status_display }}"
    '{% else %}<span class="text-body-secondary">None</span>{% endif %}</td>\n'
    "</tr>"
)


def test_rows_built_in_python_say_what_the_template_said(client, reviewer, clinician, editor, published_version):
    import re

    from django.template import Context, Template

    from cases.rows import review_row_html
    from tests.cases.factories import publish_revision

    def squeezed(html):
        return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", re.sub(r">\s+", ">", re.sub(r"\s+<", "<", str(html)))))

    old = make_case(clinician, label="Ward <3> & co", subtype="ISM", age_years=47, symptoms=["recurrent_anaphylaxis"])
    make_case(clinician, subtype="SSM", symptoms=["flushing"], antihistamine_response="unresponsive")
    feedback_record(
        assessment=old.assessments.get(),
        rule=EPINEPHRINE,
        user=clinician,
        outcome="overridden",
        reason="patient_declined",
    )
    publish_revision(user=editor, revise=lambda draft: None)
    make_case(clinician, subtype="ASM")
    client.force_login(reviewer)
    response = _review(client)
    detail_url = ["/cases/review/", "/"]
    template = Template(TEMPLATE_ROW)
    current = response.context["current_guidance"]

    cases = response.context["cases"]
    assert len(cases) == 3
    assert {case.outlook for case in cases} >= {selectors.Outlook.CURRENT}
    for case in cases:
        drawn = template.render(Context({"case": case, "detail_url": detail_url, "current_guidance": current}))
        assert squeezed(review_row_html(case, detail_url, current.number)) == squeezed(drawn)
    assert escape("Ward <3> & co") in response.content.decode()


def test_the_cached_filter_bar_shows_each_query_its_own_values_and_errors(client, reviewer, published_version):
    client.force_login(reviewer)

    for subtype in ("ISM", "SSM", "ISM"):
        html = _review(client, subtype=subtype).content.decode()
        assert f'<option value="{subtype}" selected>' in html
        other = "SSM" if subtype == "ISM" else "ISM"
        assert f'<option value="{other}" selected>' not in html
    refused = client.get(reverse("cases:review"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "The end date is before the start date." in refused.content.decode()
    assert "is-invalid" in refused.content.decode()
    assert "is-invalid" not in _review(client).content.decode()


def test_the_rule_fired_filter_lists_each_rule_once_grouped_by_version(
    client, reviewer, published_version, version_one
):
    client.force_login(reviewer)
    html = client.get(reverse("cases:review")).content.decode()

    select = re.search(r'<select name="rule".*?</select>', html, re.S)[0]
    values = re.findall(r'<option value="([^"]+)"', select)
    assert len(values) == len(set(values))  # one entry per rule
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    assert [label for label, _ in groups] == [
        "Guidance version 3",
        "Only up to guidance version 2",
        "Only up to guidance version 1",
    ]
    current = set(re.findall(r'value="([^"]+)"', groups[0][1]))
    assert current == set(published_version.rules.values_list("rule_id", flat=True))
    up_to_two = set(re.findall(r'value="([^"]+)"', groups[1][1]))
    # Version 2's lines that version 3 dropped or renamed, e.g. the GI line that also offered H2 antihistamines.
    assert "gi-cromolyn-h2-ppi" in up_to_two and "gi-cromolyn-ppi" in current
    up_to_one = set(re.findall(r'value="([^"]+)"', groups[2][1]))
    assert up_to_one and not up_to_one & current and not up_to_one & up_to_two
    assert not up_to_two & current
