"""The load bench's CPU accounting (read from /proc)."""

import os
import subprocess
import sys

from benchmarks.management.commands.bench_pages import _cpu_seconds

BURN = "sum(i * i for i in range(3_000_000))"


def test_cpu_seconds_keeps_the_time_of_children_that_ended():
    """A child that runs and ends between two readings (a PostgreSQL backend whose
    connection closed, a restarted gunicorn worker) still counts: its time is in its
    parent's once reaped. A pid that is gone is skipped."""
    me = os.getpid()
    before = _cpu_seconds([me, 2**22 + 1])
    subprocess.run([sys.executable, "-c", BURN], check=True)
    after = _cpu_seconds([me, 2**22 + 1])
    assert after - before >= 0.05
