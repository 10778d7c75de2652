"""System tools the PDF and browser tests need (poppler's pdftotext/pdffonts, Chromium).

`make test` installs them first (scripts/setup-system), so a missing tool is a failure,
never a quiet skip. SKIP_SYSTEM_TESTS=1 turns the failure into a skip, which the end of
the run then reports loudly (tests/conftest.py).
"""

import os
import shutil
import subprocess

import pytest

SKIP_VARIABLE = "SKIP_SYSTEM_TESTS"


def unavailable(reason: str):
    """Fail (or, with SKIP_SYSTEM_TESTS=1, skip) because a system tool is missing."""
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{reason} ({SKIP_VARIABLE}=1)")
    pytest.fail(
        f"{reason}: run `bash scripts/setup-system` (make test does), "
        f"or set {SKIP_VARIABLE}=1 to skip these tests",
        pytrace=False,
    )


def require(command: str, package: str = "poppler-utils") -> str:
    path = shutil.which(command)
    if path is None:
        unavailable(f"{command} is not installed (Debian package {package})")
    return path


def pdftotext(pdf: bytes, *, layout: bool = True) -> str:
    args = [require("pdftotext")] + (["-layout"] if layout else []) + ["-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode()


def pdffonts(pdf: bytes) -> str:
    return subprocess.run(
        [require("pdffonts"), "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
