"""Parser checks on captured wrk 4.1 output: `.venv/bin/pytest bench`."""

from bench.wrk import lua_script, parse_wrk_output

SAMPLE_WITH_NON_2XX = """Running 2s test @ http://127.0.0.1:18777
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.32ms    1.73ms  17.04ms   92.15%
    Req/Sec     0.93k   164.83     1.13k    72.50%
  Latency Distribution
     50%    1.90ms
     75%    2.45ms
     90%    3.43ms
     99%   10.54ms
  3684 requests in 2.00s, 1.05MB read
  Non-2xx or 3xx responses: 1229
Requests/sec:   1838.93
Transfer/sec:    536.61KB
"""

SAMPLE_WITH_SOCKET_ERRORS = """Running 1m test @ http://127.0.0.1:8080
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   850.12us    1.02s    2.00s    80.00%
    Req/Sec    30.01     10.00    50.00     70.00%
  Latency Distribution
     50%  850.00us
     75%   12.30ms
     90%  600.00ms
     99%    1.98s
  1800 requests in 1.00m, 40.20MB read
  Socket errors: connect 0, read 1, write 0, timeout 3
Requests/sec:     29.99
Transfer/sec:    685.88KB
"""


def test_parses_throughput_latency_and_non_2xx() -> None:
    result = parse_wrk_output(SAMPLE_WITH_NON_2XX)
    assert result.requests == 3684
    assert result.seconds == 2.0
    assert result.requests_per_sec == 1838.93
    assert result.percentiles_ms == {50: 1.90, 75: 2.45, 90: 3.43, 99: 10.54}
    assert result.non_2xx == 1229
    assert result.socket_errors == {}
    assert result.error_count == 1229


def test_parses_units_and_socket_errors() -> None:
    result = parse_wrk_output(SAMPLE_WITH_SOCKET_ERRORS)
    assert result.seconds == 60.0
    assert result.p50_ms == 0.85
    assert result.p99_ms == 1980.0
    assert result.bytes_read == 40.2 * 1024**2
    assert result.non_2xx == 0
    assert result.socket_errors == {"connect": 0, "read": 1, "write": 0, "timeout": 3}
    assert result.error_count == 4


def test_lua_script_lists_every_path_escaped() -> None:
    script = lua_script(["/a", '/b"c'], wrk_threads=2)
    assert '  "/a",\n  "/b\\"c"\n}' in script
    assert "(thread_index * 1) % #paths + 1" in script
