"""The embedded default's secret key file (config/secret_key.py)."""

import multiprocessing
import stat

from config.secret_key import load_or_create


def _load(path, start, queue):
    start.wait()
    queue.put(load_or_create(path))


def test_processes_starting_at_once_share_one_key(tmp_path):
    """Eight processes ask for a key that does not exist yet, at the same moment: each
    gets the same whole key, the file is its owner's alone, and no temporary is left."""
    path = tmp_path / "secret_key"
    context = multiprocessing.get_context("fork")
    start, queue = context.Event(), context.Queue()
    processes = [context.Process(target=_load, args=(path, start, queue)) for _ in range(8)]
    for process in processes:
        process.start()
    start.set()
    keys = {queue.get(timeout=30) for _ in processes}
    for process in processes:
        process.join(timeout=30)
    assert len(keys) == 1
    (key,) = keys
    assert len(key) >= 80 and key == path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
    assert load_or_create(path) == key  # later starts read it
