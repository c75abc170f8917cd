"""The reviewer dashboard: its numbers equal direct counts, its charts are safe SVG, every bar leads to its cases."""

import csv
import io
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseLine, RecommendationFeedback
from cases.rollup import rollup_rebuild
from cases.services import feedback_record

from .factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(clinician, outsider, published_version):
    """A small clinic: anaphylaxis with and without the epinephrine line, aspirin offered, other subtypes."""
    made = [
        make_case(clinician, subtype="ISM", symptoms=["recurrent_anaphylaxis"]),
        make_case(clinician, subtype="SSM", symptoms=["recurrent_anaphylaxis", "flushing"]),
        make_case(
            outsider,
            subtype="ISM",
            symptoms=["flushing"],
            antihistamine_response="unresponsive",
            nsaid_tolerance="tolerant",
        ),
        make_case(clinician, subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive"),
        make_case(outsider, subtype="ASM", symptoms=[]),
    ]
    # One case last changed forty days ago, to fall outside a date range.
    Case.objects.filter(pk=made[4].pk).update(updated_at=timezone.now() - timedelta(days=40))
    feedback_record(
        assessment=made[3].assessments.get(),
        rule="aspirin-nsaid-tolerance-unknown",
        user=clinician,
        outcome="overridden",
        reason="patient_declined",
    )
    feedback_record(
        assessment=made[3].assessments.get(),
        rule="antileukotriene-after-antihistamines",
        user=clinician,
        outcome="accepted",
    )
    rollup_rebuild()  # the update above went past the services
    return made


def dashboard(client, **params):
    response = client.get(reverse("cases:dashboard"), params)
    assert response.status_code == 200
    return response


def chart(response, slug):
    return next(figure["chart"] for figure in response.context["figures"] if figure["chart"].slug == slug)


def cell_count(cell):
    return int(cell.text.split()[0])


def listed(client, href):
    """The case ids the reviewer list shows at a chart's link (all on one page here)."""
    response = client.get(href)
    assert response.status_code == 200
    return {case.pk for case in response.context["cases"]}


@pytest.mark.parametrize(
    "params",
    [{}, {"subtype": "ISM"}, {"clinician": "clinician"}, {"date_from": (timezone.localdate() - timedelta(days=7))}],
)
def test_the_numbers_equal_direct_counts(client, reviewer, seeded, params):
    client.force_login(reviewer)
    response = dashboard(client, **params)
    cases = Case.objects.all()
    if params.get("subtype"):
        cases = cases.filter(subtype=params["subtype"])
    if params.get("clinician"):
        cases = cases.filter(created_by__username=params["clinician"])
    if params.get("date_from"):
        cases = cases.filter(updated_at__date__gte=params["date_from"])
    by_subtype = {row.label: row.value for row in chart(response, "subtype").rows}
    assert sum(by_subtype.values()) == cases.count() == chart(response, "over-time").total
    for code, n in ((c, cases.filter(subtype=c).count()) for c in ("ISM", "SSM", "ASM")):
        assert sum(v for label, v in by_subtype.items() if f"({code})" in label) == n
    fired = {row.cells[0].text: row.value for row in chart(response, "rules").rows}
    for rule in set(CaseLine.objects.values_list("rule", flat=True)):
        assert fired.get(rule, 0) == CaseLine.objects.filter(case__in=cases, rule=rule).count(), rule
    cautions = {row.label: row for row in chart(response, "cautions").rows}
    anaphylaxis = [c for c in cases if "recurrent_anaphylaxis" in c.symptoms]
    shown = [c for c in anaphylaxis if CaseLine.objects.filter(case=c, rule="carry-epinephrine").exists()]
    row = cautions["Epinephrine caution for patients with recurrent anaphylaxis"]
    assert row.cells[0].text.startswith(f"{len(anaphylaxis)} ")
    assert row.cells[1].text.startswith(f"{len(shown)} ")


def test_feedback_shares_and_top_reasons_per_rule(client, reviewer, seeded):
    client.force_login(reviewer)
    rows = {row.cells[0].text: row for row in chart(dashboard(client), "rules").rows}
    aspirin = rows["aspirin-nsaid-tolerance-unknown"]
    assert [cell.text for cell in aspirin.cells[1:]] == ["1", "100.0% (1)", "Patient declined (1)"]
    assert rows["antileukotriene-after-antihistamines"].cells[2].text == "0.0% (0)"
    assert RecommendationFeedback.objects.count() == 2


def test_aspirin_is_never_offered_without_known_nsaid_tolerance(client, reviewer, seeded):
    client.force_login(reviewer)
    row = next(r for r in chart(dashboard(client), "cautions").rows if r.label.startswith("Aspirin offered"))
    assert row.value == 0.0
    assert row.cells[0].text.startswith("1 ")  # the one case offered aspirin tolerates NSAIDs


def test_every_bar_and_row_leads_to_exactly_its_cases(client, reviewer, seeded):
    client.force_login(reviewer)
    response = dashboard(client, subtype="ISM")
    for figure in response.context["figures"]:
        for row in figure["chart"].rows:
            query = dict(parse_qsl(urlsplit(row.href).query))
            assert query.get("subtype") == "ISM", row.href  # the dashboard's filters go along
            ids = listed(client, row.href)
            if figure["chart"].slug in ("subtype", "over-time", "rules", "uptake"):
                assert len(ids) == row.value, (figure["chart"].slug, row.label)
            else:  # a share: the bar leads to the cases it counts, the row's cells to both sides
                assert cell_count(row.cells[1]) == len(ids)
                for cell in row.cells:
                    assert cell_count(cell) == len(listed(client, cell.href))
            assert f'href="{row.href.replace("&", "&amp;")}"' in figure["svg"]


def test_chart_svgs_hold_no_script_style_or_external_address_and_are_labelled(client, reviewer, seeded):
    client.force_login(reviewer)
    html = dashboard(client).content.decode()
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 5
    for svg in svgs:
        assert "<script" not in svg.lower()
        assert "style=" not in svg.lower()
        assert "://" not in svg
        assert re.search(r'<svg[^>]* role="graphics-document document" aria-labelledby="([\w-]+)-title \1-desc"', svg)
        assert re.search(r"<title id=\"[\w-]+-title\">[^<]+</title><desc id=\"[\w-]+-desc\">[^<]+</desc>", svg)


def test_each_charts_data_comes_as_csv(client, reviewer, seeded):
    client.force_login(reviewer)
    response = client.get(reverse("cases:dashboard_csv", args=["subtype"]), {"subtype": "ISM"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Subtype", "Cases", "cases (link)"]
    assert rows[1][:2] == ["Indolent systemic mastocytosis (ISM)", "3"]
    assert rows[1][2].startswith("http://testserver/cases/review/?")
    assert client.get(reverse("cases:dashboard_csv", args=["nothing"])).status_code == 404


def test_a_refused_filter_is_named_and_no_chart_is_drawn(client, reviewer, published_version):
    client.force_login(reviewer)
    response = dashboard(client, date_from="2026-02-01", date_to="2026-01-01")
    assert response.context["form"].errors == {"date_to": ["The end date is before the start date."]}
    assert response.context["figures"] == []


def test_the_dashboard_reads_in_a_fixed_number_of_queries(client, reviewer, clinician, published_version):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reviewer)
    make_case(clinician, subtype="ISM", symptoms=["flushing"])

    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            dashboard(client, **params)
        return len(captured.captured_queries)

    queries()  # the versions and rules for the filters and the rules' wording, read once per guidance token
    few = queries()
    for n in range(10):
        make_case(clinician, subtype=["ISM", "SSM", "ASM"][n % 3], symptoms=["recurrent_anaphylaxis"])
    assert queries() == few
    # Session, user, permissions, current guidance, three sums of the rollup (the rules' wording and the
    # filters' versions and rules are read once per guidance token).
    assert few <= 7


def test_the_dashboards_sums_are_read_from_their_indexes(client, reviewer, seeded):
    """Unfiltered, the dashboard sums every month row: each sum must come from an index holding the count.

    On SQLite, whose planner picked the (period, day) index and read every month row. PostgreSQL plans by
    its statistics, which a test's few rows make meaningless; bench/results says what it chose at 10k.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan: PostgreSQL plans a handful of rows by statistics that mean nothing here")

    client.force_login(reviewer)
    dashboard(client)
    with CaptureQueriesContext(connection) as captured:
        dashboard(client)
    sums = [q["sql"] for q in captured.captured_queries if "cases_dashboardcount" in q["sql"]]
    assert len(sums) == 3
    with connection.cursor() as cursor:
        for sql in sums:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
            assert "COVERING INDEX dashboard_count_totals_idx" in plan or (
                "COVERING INDEX dashboard_count_over_time_idx" in plan
            ), (sql, plan)


def test_charts_are_drawn_once_per_data_and_query(client, reviewer, seeded, monkeypatch):
    from cases import charts

    client.force_login(reviewer)
    dashboard(client)  # drawn and cached
    monkeypatch.setattr(charts, "draw", lambda *a, **k: pytest.fail("drawn again"))
    dashboard(client)
    with pytest.raises(pytest.fail.Exception):
        dashboard(client, subtype="SSM")  # other data, other links: drawn afresh


def test_the_rule_chart_names_each_line_in_the_guidance_words_not_by_its_rule_id(client, reviewer, seeded):
    from guidance.selectors import rules_newest_wording

    client.force_login(reviewer)
    rules = chart(dashboard(client), "rules")
    wording = rules_newest_wording()

    assert rules.rows
    for row in rules.rows:
        rule = row.cells[0].text
        assert row.label == wording[rule][1]
        assert rule not in row.label


def test_counts_get_whole_number_ticks_and_shares_percent_ticks():
    from cases.charts import ticks

    assert ticks(0) == ([0, 1], 1)
    assert ticks(3) == ([0, 1, 2, 3], 3)
    assert ticks(7) == ([0, 2, 4, 6, 8], 8)
    assert ticks(1234) == ([0, 500, 1000, 1500], 1500)
    assert ticks(62.5, percent=True) == ([0, 20, 40, 60, 80], 80)
    assert ticks(99.0, percent=True) == ([0, 50, 100], 100)


def test_a_long_label_is_wrapped_whole_and_the_axis_says_percent_for_shares(client, reviewer, seeded):
    client.force_login(reviewer)
    response = dashboard(client)
    cautions = next(figure for figure in response.context["figures"] if figure["chart"].slug == "cautions")
    svg = str(cautions["svg"])
    texts = re.findall(r'class="bar-chart-label">([^<]*)<', svg)
    label = "Epinephrine caution for patients with recurrent anaphylaxis"

    assert label in " ".join(texts)  # every word, over two lines
    assert label not in texts
    assert ">100%<" in svg or ">50%<" in svg
    assert "viewBox" not in svg  # drawn at its size: text is never scaled down


def test_the_caution_chart_describes_each_dashboard_question(client, reviewer, seeded):
    client.force_login(reviewer)
    html = dashboard(client).content.decode()

    assert (
        "Shares of cases, as their latest assessment stands: any caution; a recorded subtype the findings rule out; "
        "the epinephrine caution among patients with recurrent anaphylaxis; aspirin offered to patients not known "
        "to tolerate NSAIDs (should be none)."
    ) in html
