"""The embedded default's secret key, kept in a file under var/ (production passes
DJANGO_SECRET_KEY instead)."""

import contextlib
import os
import secrets
from pathlib import Path


def load_or_create(path: Path) -> str:
    """The key in `path`, made on first use. Several processes may start at once (the
    test workers, gunicorn's): the key is written to a file of its own, readable by
    its owner only from the start, and linked into place in one step, so every process
    reads the same complete key; a process that loses the race reads the winner's."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(64))
            # A process that linked its key first wins: this one then reads that key.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_text().strip()
