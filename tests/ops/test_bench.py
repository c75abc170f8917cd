"""bench/run.py reads wrk's report: throughput, latency percentiles and every kind of error."""

import pytest

from bench.run import parse_wrk

WRK_REPORT = """Running 30s test @ http://127.0.0.1:41234/cases/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   310.11ms  120.40ms   1.95s    81.20%
    Req/Sec    12.10      5.30    30.00     70.00%
  Latency Distribution
     50%  296.11ms
     75%  350.00ms
     90%  480.20ms
     99%    1.95s
  666 requests in 30.07s, 12.40MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:     22.15
Transfer/sec:    422.30KB
"""


def test_it_reads_throughput_latency_and_errors():
    assert parse_wrk(WRK_REPORT) == {
        "requests_per_s": 22.15,
        "requests": 666,
        "errors": 7,
        "p50_ms": 296.11,
        "p99_ms": 1950.0,
    }


def test_it_counts_no_errors_when_wrk_reports_none():
    clean = WRK_REPORT.replace("  Socket errors: connect 0, read 1, write 0, timeout 2\n", "").replace(
        "  Non-2xx or 3xx responses: 4\n", ""
    )

    assert parse_wrk(clean)["errors"] == 0


def test_it_reads_microsecond_latencies():
    fast = WRK_REPORT.replace("     50%  296.11ms", "     50%  850.00us")

    assert parse_wrk(fast)["p50_ms"] == 0.85


def _load(rates):
    from bench.run import PAGES, LoadResult

    by_name = {page.name: page for page in PAGES}
    return [LoadResult(page=by_name[name], requests_per_s=rate, requests=100, errors=0) for name, rate in rates.items()]


def _report():
    from argparse import Namespace
    from datetime import UTC, datetime

    from bench.run import Report

    args = Namespace(load_connections=8, load_seconds=5)
    return Report(started=datetime.now(UTC), machine={}, args=args, load_before="", load_level=10_000)


def test_it_judges_load_as_a_share_of_healthz_on_postgresql_only():
    rates = {"/healthz": 800.0, "trivial view (baseline)": 600.0, "management page": 200.0}
    report = _report()

    sqlite = "\n".join(report._load_table("SQLite 3.40.1", _load(rates)))
    postgres = "\n".join(report._load_table("PostgreSQL 15.18", _load(rates)))

    assert "| trivial view (baseline) | 600.0 | 75% |" in sqlite
    assert "of /healthz" not in sqlite.split("|---|")[-1]
    assert "≥ 70% of /healthz: meets" in postgres
    assert "≥ 50% of /healthz: **misses**" in postgres
    assert report.missed == ["management page under load on PostgreSQL 15.18: 25% of /healthz's throughput"]


def test_it_finds_a_page_by_part_of_its_name():
    from bench.run import page_named

    assert page_named("management").name == "management page"


def test_it_judges_the_trivial_page_against_the_bare_response_and_its_queries():
    from bench.run import BARE, PAGES, PageResult

    by_name = {page.name: page for page in PAGES}
    bare = PageResult(page=by_name[BARE], cases=1000, median_ms=0.5, p95_ms=0.6, queries=0)
    trivial = PageResult(page=by_name["trivial view (baseline)"], cases=1000, median_ms=2.0, p95_ms=2.2, queries=3)
    report = _report()

    verdict = report._judge_trivial(trivial, bare, 1000)

    assert verdict == "4.0x bare, ≤ 3x: **misses**; ≤ 3 queries: meets"
    assert report.missed == ["trivial view at 1,000 cases: 4.0x the bare HttpResponse"]


def test_it_keeps_database_passwords_out_of_the_report():
    from bench.run import _without_passwords

    command = "bench/run.py --postgres postgres://mastoweb:s3cret@db:5432/mastoweb_bench --quick"

    assert _without_passwords(command) == "bench/run.py --postgres postgres://mastoweb:…@db:5432/mastoweb_bench --quick"


def test_it_reports_the_impact_and_the_marking_and_judges_1m_cases_on_postgresql_only():
    from bench.run import ImpactResult

    slow = ImpactResult(
        cases=1_000_000, combinations=20_000, changed=5_000, group_s=20.0, evaluate_s=45.0, per_case_us=40.0
    )
    slow.mark_s, slow.marked, slow.mark_changed = 90.5, 1_000_000, 5_000
    slow.mark_parts = {"reading": 10.0, "comparing": 5.5, "writing": 75.0}
    report = _report()
    report.impact = {10_000: ImpactResult(10_000, 900, 50, 0.1, 0.4, 40.0, 1.25, 10_000, 50), 1_000_000: slow}

    sqlite = "\n".join(report._impact_table(postgres=False))
    assert "applies on PostgreSQL" in sqlite
    assert report.missed == []
    postgres = "\n".join(report._impact_table(postgres=True))
    assert "| 10,000 | 900 | 50 | 0.10 | 0.40 | 0.50 | 40 | 0.4 |  | 1.25 (10,000, 50; 0.0 / 0.0 / 0.0) |" in postgres
    assert "| 65.00 | 40 | 40.0 | ≤ 60 s: **misses** | 90.50 (1,000,000, 5,000; 10.0 / 5.5 / 75.0) |" in postgres
    assert report.missed == ["impact at 1,000,000 cases: 65.0 s"]


def test_the_report_renders_the_load_of_each_database_it_ran_on():
    # Report.load is keyed by database; reading its keys as results crashed every full run.
    report = _report()
    report.machine = {
        "host": "vm",
        "cpu": "cpu",
        "cores": 2,
        "python": "3",
        "django": "5",
        "database": "SQLite 3",
        "code": "x",
    }
    report.load = {
        "SQLite 3": _load({"/healthz": 800.0, "management page": 400.0}),
        "PostgreSQL 15.18": _load({"/healthz": 1000.0, "management page": 300.0}),
    }

    text = report.markdown()

    assert "## (c) Under load on SQLite 3:" in text
    assert "| management page | 400.0 | 50% |" in text
    assert "## (c) Under load on PostgreSQL 15.18:" in text
    assert "- management page under load on PostgreSQL 15.18: 30% of /healthz's throughput" in text


def test_a_smoke_run_fails_on_a_page_that_did_not_answer_and_on_load_errors():
    from bench.run import PAGES, EngineResult, ImpactResult, PageResult, ProofResult, smoke_failures

    by_name = {page.name: page for page in PAGES}
    report = _report()
    report.args.levels = [30]
    report.engine = EngineResult(
        cases=200,
        passes=[1000.0],
        context_us=1,
        execute_us=1,
        string_us=1,
        with_validation=1,
        rules=27,
        recommendations=3,
    )
    report.proofs = ProofResult(version=2, rows=[("p", 8, 0.2)], total_s=0.1, repeats=1)
    report.pages = {
        30: [
            PageResult(page=by_name["management page"], cases=30, median_ms=1.0, p95_ms=1.0, queries=9),
            PageResult(page=by_name["reviewer list"], cases=30, status=500, missing="answered 500"),
        ]
    }
    report.impact = {30: ImpactResult(30, 20, 1, 0.1, 0.1, 40.0, mark_s=0.1, marked=30)}
    report.load = {"SQLite 3": [*_load({"/healthz": 800.0}), _load({"management page": 10.0})[0]]}
    report.load["SQLite 3"][1].errors = 3

    assert smoke_failures(report) == [
        "reviewer list at 30 cases: answered 500",
        "management page under load on SQLite 3: 3 errors",
    ]
    report.pages[30].pop()
    report.load["SQLite 3"][1].errors = 0
    assert smoke_failures(report) == []


def test_the_page_table_gives_wall_and_cpu_ratios_to_the_trivial_view_and_judges_the_wall_one():
    from bench.run import PAGES, PageResult

    by_name = {page.name: page for page in PAGES}
    report = _report()
    report.machine = {"host": "vm", "cpu": "c", "cores": 2, "python": "3", "django": "5", "database": "SQLite 3"}
    report.machine["code"] = "commit abc"
    report.args.requests = 60
    report.pages = {
        10_000: [
            PageResult(by_name["trivial view (baseline)"], 10_000, median_ms=4.0, p95_ms=5.0, queries=3, cpu_ms=2.0),
            PageResult(by_name["reviewer list"], 10_000, median_ms=16.0, p95_ms=20.0, queries=9, cpu_ms=5.0),
        ]
    }
    report.clinician_cases = {10_000: 1351}

    text = report.markdown()

    assert "| reviewer list | 10,000 | 16.00 | 20.00 | 9 | 4.0x | 4.0x | 3.0x | 5.00 | 2.5x | **misses** |" in text
    assert "- reviewer list at 10,000 cases: 4.0x the trivial view" in text


@pytest.mark.django_db
def test_copying_cases_in_sql_gives_new_cases_with_their_assessments_and_lines(clinician):
    from bench.run import _copy_cases
    from cases.models import Assessment, Case, CaseLine
    from tests.cases.factories import make_case

    originals = {f"case {n}": make_case(clinician, label=f"case {n}", symptoms=["flushing"]) for n in range(3)}
    assert _copy_cases(3) == 3
    copies = Case.objects.exclude(pk__in=[case.pk for case in originals.values()])
    assert sorted(copies.values_list("label", flat=True)) == sorted(originals)
    assert Assessment.objects.count() == 6
    for copy in copies:
        original = originals[copy.label]
        # Read back through the ORM by its new id: a UUID as the database stores one.
        again = Case.objects.get(pk=copy.pk)
        assert again.facts == original.facts and again.created_by_id == original.created_by_id
        assert copy.assessments.get().recommendations == original.assessments.get().recommendations
        lines = CaseLine.objects.filter(case=copy)
        assert lines.count() == CaseLine.objects.filter(case=original).count() > 0


@pytest.mark.django_db
def test_a_breakdown_splits_a_page_into_parts_that_add_up(client, clinician, published_version):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.run import Page, breakdown, breakdown_lines
    from tests.cases.factories import make_case

    case = make_case(clinician, subtype="ISM", symptoms=["flushing"])
    client.force_login(clinician)
    url = reverse("cases:detail", args=[case.pk])
    page = Page("management page", lambda people: url)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    statements = len(one.captured_queries)  # read now: the next request empties the log

    split = breakdown(client, page, url, None, requests=4)

    assert split.requests == 4 and split.statements == statements
    # The page renders a template and writes its view's audit event: each is timed, the rest is what is left.
    assert split.sql_ms > 0 and split.template_ms > 0 and split.audit_ms > 0 and split.rest_ms > 0
    assert split.sql_ms + split.template_ms + split.audit_ms + split.rest_ms == pytest.approx(split.whole_ms)
    table = breakdown_lines([("trivial", split), ("management page", split)])
    assert table[-1].startswith(f"| management page | {split.whole_ms:.2f} | 1.0x | {split.sql_ms:.2f} (")


def test_breakdowns_of_several_rounds_are_averaged_by_requests():
    from bench.run import Breakdown, _breakdown_mean

    one = Breakdown(requests=1, whole_ms=10, sql_ms=4, statements=8, template_ms=3, audit_ms=1)
    three = Breakdown(requests=3, whole_ms=2, sql_ms=0, statements=8, template_ms=1, audit_ms=1)
    mean = _breakdown_mean([one, three])
    assert (mean.requests, mean.whole_ms, mean.sql_ms, mean.template_ms, mean.audit_ms) == (4, 4, 1, 1.5, 1)
    assert mean.rest_ms == 0.5
