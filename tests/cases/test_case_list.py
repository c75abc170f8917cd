import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.display import changes_summary
from cases.marking import cases_mark
from cases.models import CaseWouldChange
from cases.services import case_update
from guidance.models import Rule

from .factories import make_case, publish_revision

pytestmark = pytest.mark.django_db


def test_it_lists_own_cases_most_recently_changed_first(client, clinician, published_version):
    older = make_case(clinician, label="Older", subtype="ASM")
    make_case(clinician, label="Newer", subtype="MCL")
    case_update(case=older, user=clinician, label="Older, edited", facts={"subtype": "ASM"})
    client.force_login(clinician)
    html = client.get(reverse("cases:list")).content.decode()
    assert html.index("Older, edited") < html.index("Newer")
    assert "Aggressive systemic mastocytosis (ASM)" in html
    assert "guidance version 3" in html
    assert "Newer guidance" not in html


def test_it_invites_the_first_case(client, clinician, published_version):
    client.force_login(clinician)
    html = client.get(reverse("cases:list")).content.decode()
    assert "You have no cases yet" in html
    assert reverse("cases:create") in html


def _queries_for_list(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:list"))
    assert response.status_code == 200
    return len(queries)


def test_its_query_count_does_not_grow_with_the_cases(
    client, clinician, published_version, django_assert_max_num_queries
):
    client.force_login(clinician)
    make_case(clinician, subtype="ISM")
    few = _queries_for_list(client)
    for _ in range(12):
        make_case(clinician, subtype="SSM", symptoms=["pruritus"])
    with django_assert_max_num_queries(few):
        client.get(reverse("cases:list"))
    assert few <= 7


def _reword_flushing_triggers(draft):
    Rule.objects.filter(version=draft, rule_id="carry-epinephrine").update(
        summary="Carry two epinephrine autoinjectors"
    )


def _summary(html, case):
    row = html[html.index(f'data-case="{case.pk}"') :]
    row = row[: row.index("</tr>")]
    match = re.search(r"Under version \d+: (?:<[^>]+>)([^<]+)<", row)
    return match.group(1) if match else None


def test_after_new_guidance_each_case_says_what_would_change_or_that_nothing_would(
    client, clinician, editor, published_version
):
    touched = make_case(clinician, subtype="SSM", symptoms=["recurrent_anaphylaxis"])
    untouched = make_case(clinician, subtype="ISM", symptoms=["pruritus"])
    current = make_case(clinician, subtype="ISM")
    publish_revision(user=editor, revise=_reword_flushing_triggers)
    case_update(case=current, user=clinician, label=current.label, facts={"subtype": "ISM"})
    client.force_login(clinician)

    html = client.get(reverse("cases:list")).content.decode()

    assert _summary(html, touched) == "Would change: 1 reworded"
    assert _summary(html, untouched) == "No change"
    assert _summary(html, current) is None  # assessed under the current version: nothing to say
    assert "Newer guidance" not in html
    assert f'href="{reverse("cases:reassess", args=[touched.pk])}"' in html


def test_it_reuses_the_stored_comparison_and_counts_as_the_reevaluation_page(
    client, clinician, editor, published_version
):
    case = make_case(clinician, subtype="SSM", symptoms=["recurrent_anaphylaxis"])
    version = publish_revision(user=editor, revise=_reword_flushing_triggers)
    assert cases_mark(version=version) == (1, 1)
    client.force_login(clinician)
    html = client.get(reverse("cases:list")).content.decode()
    page = client.get(reverse("cases:reassess", args=[case.pk]))
    assert _summary(html, case) == changes_summary(page.context["changes"]).text
    # Marked unchanged by the check: said without evaluating again.
    CaseWouldChange.objects.filter(case=case).delete()
    assert _summary(client.get(reverse("cases:list")).content.decode(), case) == "No change"


def test_the_summaries_take_a_fixed_number_of_queries(
    client, clinician, editor, published_version, django_assert_max_num_queries
):
    make_case(clinician, subtype="SSM", symptoms=["recurrent_anaphylaxis"])
    publish_revision(user=editor, revise=_reword_flushing_triggers)
    client.force_login(clinician)
    few = _queries_for_list(client)
    for _ in range(12):
        make_case(clinician, subtype="SSM", symptoms=["recurrent_anaphylaxis", "flushing"])
    publish_revision(
        user=editor,
        revise=lambda draft: Rule.objects.filter(version=draft, rule_id="carry-epinephrine").update(
            summary="Carry epinephrine autoinjectors at all times"
        ),
    )
    with django_assert_max_num_queries(few):
        html = client.get(reverse("cases:list")).content.decode()
    assert html.count("Would change:") == 13
    # The list's own 8 (its current guidance version is a token, then the version when the token
    # changed), the shown cases' facts and lines, the version's paragraphs, and its rules
    # (compiled once per process, so only on the first look).
    assert few <= 11


# The row as cases/case_list.html drew it with the template engine, before cases.rows took over.
TEMPLATE_ROW = (
    "{% load case_display %}"
    '<tr data-case="{{ case.pk }}">\n'
    '<td data-label="Case"><a href="{{ case.get_absolute_url }}">{{ case.label }}</a>'
    "{% if case.age_years is not None %}"
    ' <span class="text-body-secondary small">({{ case.age_years }} y)</span>{% endif %}</td>\n'
    '<td data-label="Subtype">{{ case.get_subtype_display }}</td>\n'
    '<td data-label="Changed">{{ case.updated_at|day_time }}</td>\n'
    '<td data-label="Last assessed">\n'
    "{% if case.assessed_version %}"
    "guidance version {{ case.assessed_version }}, {{ case.assessed_at|day }}{% endif %}\n"
    "{% if case.change_summary %}"
    '<span class="d-block small change-summary" data-change-summary>Under version {{ current_guidance.number }}: '
    "{% if case.change_summary.changes %}"
    '<a class="badge text-bg-warning" href="{% url \'cases:reassess\' case.pk %}">{{ case.change_summary }}</a>'
    '{% else %}<span class="badge text-bg-secondary">{{ case.change_summary }}</span>{% endif %}</span>{% endif %}\n'
    "</td>\n"
    "</tr>"
)


def test_rows_built_in_python_say_what_the_template_said(client, clinician, editor, published_version):
    from django.template import Context, Template

    from cases.rows import case_list_row_html

    def squeezed(html):
        return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", re.sub(r">\s+", ">", re.sub(r"\s+<", "<", str(html)))))

    make_case(clinician, label="Ward <3> & co", age_years=47, symptoms=["recurrent_anaphylaxis"])
    make_case(clinician, subtype="SSM", symptoms=["osteoporosis"], antihistamine_response="unresponsive")
    publish_revision(
        user=editor,
        revise=lambda draft: Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(
            condition='"fracture" in symptoms'
        ),
    )
    make_case(clinician, subtype="ASM")
    client.force_login(clinician)
    response = client.get(reverse("cases:list"))
    current = response.context["current_guidance"]
    template = Template(TEMPLATE_ROW)
    cases = list(response.context["page"].object_list)
    blank = "00000000-0000-0000-0000-000000000000"
    detail = reverse("cases:detail", args=[blank]).split(blank)
    reassess = reverse("cases:reassess", args=[blank]).split(blank)

    assert len(cases) == 3
    assert {bool(case.change_summary.changes) for case in cases if getattr(case, "change_summary", None)} == {
        True,
        False,
    }
    for case in cases:
        drawn = template.render(Context({"case": case, "current_guidance": current}))
        assert squeezed(case_list_row_html(case, detail, reassess, current.number)) == squeezed(drawn)
