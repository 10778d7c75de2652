"""Timing helpers shared by the benches: wall-clock and SQL time of a call, the
percentile the benches report, and their tables' headers."""

import statistics as pystats
import time

from django.db import connection


def percentile(values, pct: float) -> float:
    """The nearest-rank percentile (p95: the value 95 % of the runs stay under)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def median_ms(values) -> float:
    return pystats.median(values) * 1000


def p95_ms(values) -> float:
    return percentile(values, 95) * 1000


def timed(func):
    """(func(), its wall-clock seconds)."""
    started = time.perf_counter()
    result = func()
    return result, time.perf_counter() - started


class QueryTimer:
    """Counts and times every query the connection runs (an execute_wrapper)."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def write_header(stdout, header: str) -> None:
    """A table's header line, underlined to its width."""
    stdout.write(header)
    stdout.write("-" * len(header))


def measure(func, repeat: int) -> tuple[list[float], list[float], list[int]]:
    """Call func `repeat` times: per run its wall-clock seconds, the seconds spent in SQL
    and the number of queries."""
    times, sql, queries = [], [], []
    for _ in range(repeat):
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            _result, seconds = timed(func)
        times.append(seconds)
        sql.append(timer.seconds)
        queries.append(timer.count)
    return times, sql, queries
