"""What the policy machine needs besides the oracle: a movable clock, marker strings,
fetching pages (PDFs as their HTML or as text), logging in and the run's tally.

Nothing here decides who may see what: tests/policy/oracle.py does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from unittest import mock

from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from tests.auth_helpers import login_verified

# ---------------------------------------------------------------- the run's settings

# POLICY_STEPS: total steps to run (the soak); unset: the bounded run of `make test`.
SOAK_STEPS = int(os.environ.get("POLICY_STEPS", "0") or 0)
# PDFs: "html" renders the PDF's template and reads it (cheap, every step); "pdf" makes
# the PDF with WeasyPrint and reads it with pdftotext (when both exist).
PDF_MODE = os.environ.get("POLICY_PDF", "html")


@dataclass
class Tally:
    """Module-level counts for the terminal summary (tests/policy/conftest.py)."""

    steps: int = 0
    examples: int = 0
    pages: int = 0
    ran: bool = False
    seconds: float = 0.0
    # signature -> the report of its minimal sequence
    found: dict[tuple, str] = field(default_factory=dict)
    rules: Counter = field(default_factory=Counter)  # (rule, "done" | "refused") -> steps


TALLY = Tally()


# ---------------------------------------------------------------- the clock


class Clock:
    """timezone.now() moved by whole days, so that consents expire as days pass; the
    daily Celery beat tasks run on each move, as they would overnight."""

    def __init__(self):
        self.days = 0
        self._real = timezone.now

    def now(self):
        return self._real() + dt.timedelta(days=self.days)

    @contextlib.contextmanager
    def installed(self):
        with mock.patch.object(timezone, "now", self.now):
            yield self


CLOCK = Clock()


# ---------------------------------------------------------------- markers


def marker(kind: str, n: int | str) -> str:
    """A string that appears nowhere but where the test put it: zzADR3zz, zzTTL12zz."""
    return f"zz{kind}{n}zz"


# ---------------------------------------------------------------- PDFs


def pdf_as_html(template: str, context: dict, *, request=None) -> bytes:
    """Stands in for common.pdf.render_pdf: the PDF's own template, rendered."""
    return render_to_string(template, context, request=request).encode()


def pdf_tools() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return shutil.which("pdftotext") is not None


READING_PDFS = {"as": "html"}


@contextlib.contextmanager
def pdf_mode():
    """html: PDFs are read as their rendered template; pdf: as real PDFs."""
    if PDF_MODE == "pdf" and pdf_tools():
        READING_PDFS["as"] = "pdf"
        yield "pdf"
        return
    READING_PDFS["as"] = "html"
    with mock.patch("cases.views.render_pdf", pdf_as_html):
        yield "html"


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(
            ["pdftotext", "-q", f.name, "-"], capture_output=True, check=False, timeout=60
        )
    return out.stdout.decode("utf-8", "replace")


# ---------------------------------------------------------------- fetching


@dataclass
class Page:
    status: int
    text: str
    location: str = ""


def fetch(client: Client, url: str, *, htmx: bool = False) -> Page:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(url, headers=headers)
    TALLY.pages += 1
    if response.status_code != 200:
        return Page(response.status_code, "", response.get("Location", ""))
    if (
        response.get("Content-Type", "").startswith("application/pdf")
        and READING_PDFS["as"] == "pdf"
    ):
        return Page(200, pdf_text(response.content))
    return Page(200, response.content.decode("utf-8", "replace"))


@contextlib.contextmanager
def quiet_404s():
    """Most requests of the run are refused: Django's "Not Found" warnings would drown
    the output."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def logged_in(user) -> Client:
    client = Client()
    return login_verified(client, user)
