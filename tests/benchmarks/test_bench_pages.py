"""The load bench's CPU accounting (read from /proc per process)."""

import os

from benchmarks.management.commands.bench_pages import _cpu_seconds, _cpu_used


def test_cpu_used_counts_the_processes_alive_at_the_end():
    before = {10: 5.0, 11: 100.0}  # 11 is another client's backend: it ends meanwhile
    after = {10: 7.5, 12: 0.5}  # 12 started meanwhile
    assert _cpu_used(before, after) == 3.0


def test_cpu_seconds_reads_this_process_and_skips_ended_ones():
    busy = sum(i * i for i in range(200_000))  # some CPU for this process to have used
    used = _cpu_seconds([os.getpid(), 2**22 + 1])  # the second pid does not exist
    assert busy and set(used) == {os.getpid()}
    assert used[os.getpid()] > 0
