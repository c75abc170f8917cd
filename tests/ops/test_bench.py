"""bench/run.py reads wrk's report: throughput, latency percentiles and every kind of error."""

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
